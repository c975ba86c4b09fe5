//! Domain values, parsed once at the edge: slugs, emails, scopes, redirect URIs, PKCE.

mod client;
mod email;
mod pkce;
mod redirect;
mod scope;
mod slug;

pub use client::{ClientType, GrantType, Permission};
pub use email::{Email, domain_list};
pub use pkce::{CodeChallenge, verify_pkce};
pub use redirect::RedirectUri;
pub use scope::{Scope, ScopeSet};
pub use slug::TenantSlug;
