//! Domain values, parsed once at the edge: slugs, emails, scopes, redirect
//! URIs, PKCE; who invites, the collaboration policy and cross-tenant access;
//! the kinds and states stored as text (users, invitations, tenants, flows,
//! audit actions, guest actions).

mod audit;
mod authn;
mod backchannel;
mod claims_request;
mod client;
mod client_auth;
pub mod cross_tenant;
mod device;
pub mod egress;
mod email;
mod flow;
mod guest_action;
mod home_url;
pub mod inbound_trust;
mod invitation;
mod inviter;
mod oauth;
mod pkce;
pub mod policy;
mod redirect;
mod response_mode;
mod scope;
mod slug;
mod tenant;
mod tenant_id;
mod text_enum;
mod user;
pub mod utc;

pub use audit::{AuditAction, BadTime, RangeEnd, range_bound};
pub use authn::{Acr, Amr, AuthMethod, Demands, MfaRequired};
pub use backchannel::BackchannelUri;
pub use claims_request::{ClaimsRequest, RequestedClaims, UserClaim};
pub use client::{ClientType, GrantType, Permission};
pub use client_auth::TokenAuthMethod;
pub use device::{DeviceStatus, USER_CODE_ALPHABET, UserCode};
pub use email::{Email, domain_list};
pub use flow::FlowPurpose;
pub use guest_action::GuestAction;
pub use home_url::HomeUrl;
pub use invitation::{EffectiveStatus, InvitationStatus, TargetKind};
pub use inviter::Inviter;
pub use oauth::ErrorCode;
pub use pkce::{CodeChallenge, verify_pkce};
pub use redirect::RedirectUri;
pub use response_mode::{AuthorizationResponse, ResponseMode, ReturnTo};
pub use scope::{Scope, ScopeSet};
pub use slug::TenantSlug;
pub use tenant::{AuthMode, IdpRole};
pub use tenant_id::TenantId;
pub use text_enum::UnknownValue;
pub use user::{ExternalState, IdentitySource, Role, UserStatus, UserType};
