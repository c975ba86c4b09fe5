//! The client_credentials grant (RFC 6749 §4.4): a JWT access token (RFC 9068)
//! for the client itself, with its admin-API permissions as `roles`. Nothing is
//! written to the database, so this path costs little more than the signature.

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use super::issue::TokenResponse;
use crate::domain::ScopeSet;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;
use crate::tokens::claims::{AccessTokenClaims, Confirmation, token_type};

pub fn issue(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    scope: &ScopeSet,
    dpop_jkt: Option<&str>,
) -> OAuthResult<TokenResponse> {
    // User scopes (openid, profile, …) mean nothing without a user.
    if scope.iter().next().is_some() {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "client_credentials takes no user scopes",
        ));
    }
    let now = chrono::Utc::now().timestamp();
    let lifetime = state.settings.lifetimes.access_token.num_seconds();
    let claims = AccessTokenClaims {
        iss: ctx.issuer.clone(),
        sub: client.client_id.clone(),
        aud: ctx.issuer.clone(),
        client_id: client.client_id.clone(),
        scope: String::new(),
        tid: ctx.tenant.id.to_string(),
        exp: now + lifetime,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        auth_time: None,
        amr: Vec::new(),
        acr: None,
        roles: client
            .permissions
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        gid: None,
        cnf: Confirmation::of(dpop_jkt),
    };
    let access_token = ctx
        .signing
        .sign("at+jwt", &claims)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, format!("signing failed: {e}")))?;
    Ok(TokenResponse {
        access_token,
        token_type: token_type(dpop_jkt),
        expires_in: lifetime,
        scope: String::new(),
        id_token: None,
        refresh_token: None,
    })
}
