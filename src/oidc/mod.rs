//! The OpenID Provider endpoints of one tenant, one module per endpoint.

pub mod authorize;
pub mod backchannel;
pub mod client_auth;
pub mod clients;
pub mod device;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod introspect;
pub mod jwks;
pub mod par;
pub mod revoke;
pub mod token;
pub mod userinfo;

use std::sync::Arc;

use error::{ErrorCode, OAuthError};

use crate::state::AppState;
use crate::tokens::TenantContext;

/// What this layer tells the tenant directory (see [`crate::tokens::Protocol`]).
pub const PROTOCOL: crate::tokens::Protocol = crate::tokens::Protocol {
    issuer_url: crate::routes::issuer_url,
    discovery: discovery::document,
    built_in_client: clients::built_in,
};

/// The tenant named in the path, or a 404 protocol error.
pub async fn tenant(state: &AppState, slug: &str) -> Result<Arc<TenantContext>, OAuthError> {
    state.tenants.get(slug).await?.ok_or_else(|| {
        OAuthError::new(ErrorCode::UnknownTenant, format!("unknown tenant {slug:?}"))
    })
}

/// The `token` parameter of introspection and revocation, which both
/// require (RFC 7662 §2.1, RFC 7009 §2.1).
pub fn required_token(token: Option<String>) -> Result<String, OAuthError> {
    token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, "missing token"))
}

/// `Cache-Control: no-store` responses for anything carrying tokens (RFC 6749 §5.1).
pub fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::PRAGMA, "no-cache"));
    builder
}
