//! Tokens: signing keys (RFC 7517/7518, kid per RFC 7638) and their
//! rotation, claims, and the per-tenant key cache.

pub mod access;
pub mod claims;
pub mod client_keys;
pub mod context;
pub mod dpop;
pub mod keys;
pub mod rotation;
pub mod verify;

pub use context::{Protocol, TenantContext, TenantDirectory};
pub use keys::{SigningAlg, SigningKey};
