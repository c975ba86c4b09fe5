//! Administration: provisioning used by the CLI and `--demo` (and later the
//! admin API and portal), with the same rules on every path.

pub mod api;
pub mod demo;
pub mod guests;
pub mod portal;
pub mod provision;
