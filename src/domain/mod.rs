//! Domain values, parsed once at the edge: slugs, emails, scopes, redirect
//! URIs, PKCE; who invites, the collaboration policy and cross-tenant access.

mod authn;
mod client;
pub mod cross_tenant;
mod email;
pub mod inbound_trust;
mod invitation;
mod inviter;
mod pkce;
pub mod policy;
mod redirect;
mod scope;
mod slug;
mod text_enum;
mod user;

pub use authn::{Acr, Amr, AuthMethod, Demands, MfaRequired};
pub use client::{ClientType, GrantType, Permission};
pub use email::{Email, domain_list};
pub use invitation::{EffectiveStatus, InvitationStatus, TargetKind};
pub use inviter::Inviter;
pub use pkce::{CodeChallenge, verify_pkce};
pub use redirect::RedirectUri;
pub use scope::{Scope, ScopeSet};
pub use slug::TenantSlug;
pub use text_enum::UnknownValue;
pub use user::{ExternalState, IdentitySource, UserStatus, UserType};
