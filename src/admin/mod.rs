//! Administration: the JSON admin API, the portal pages, and provisioning
//! used by the CLI and `--demo`, with the same rules on every path.

pub mod api;
pub mod app_switch;
pub mod apps;
pub mod audit_search;
pub mod client_auth;
pub mod demo;
pub mod demo_callback;
pub mod groups;
pub mod guests;
pub mod landing;
pub mod logout;
pub mod mfa;
pub mod portal;
pub mod provision;
