//! Token exchange (RFC 8693 §2) for guests: an ID token issued by the guest's
//! home (a tenant on this server that this tenant trusts), with this tenant as
//! its audience, is exchanged for this tenant's access token for the guest,
//! under the same state, assignment and expiry checks as an interactive
//! sign-in. The home token is verified against the home's published JWKS.

use std::str::FromStr;

use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata};
use openidconnect::{ClientId, IssuerUrl, Nonce};
use serde::Serialize;

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::domain::{Scope, ScopeSet};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;
use crate::tokens::claims::AccessTokenClaims;

pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

#[derive(Debug, Serialize)]
pub struct ExchangeResponse {
    pub access_token: String,
    pub issued_token_type: &'static str,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

fn invalid_grant(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, detail)
}

/// The issuer claimed by a JWT, read before verification to pick the keys.
fn claimed_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("iss")?.as_str().map(str::to_owned)
}

pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    subject_token: &str,
    subject_token_type: &str,
    requested: Option<ScopeSet>,
) -> OAuthResult<ExchangeResponse> {
    if subject_token_type != ID_TOKEN_TYPE {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!(
                "subject_token_type {subject_token_type:?} is not supported; use {ID_TOKEN_TYPE}"
            ),
        ));
    }
    let scope = requested.unwrap_or_else(|| ScopeSet::parse("openid").unwrap_or_default());
    if scope.contains(Scope::OfflineAccess) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "token exchange issues no refresh tokens",
        ));
    }

    // Only homes this server knows: another tenant here.
    let issuer =
        claimed_issuer(subject_token).ok_or_else(|| invalid_grant("subject token is not a JWT"))?;
    let home_slug = state
        .tenants
        .slug_of_issuer(&issuer)
        .filter(|slug| *slug != ctx.tenant.slug)
        .ok_or_else(|| invalid_grant(format!("untrusted issuer {issuer}")))?;
    if state.tenants.get(home_slug).await?.is_none() {
        return Err(invalid_grant(format!("untrusted issuer {issuer}")));
    }

    // Verify as a relying party would: the home's discovery and JWKS, issuer,
    // audience = this tenant, expiry, signature.
    let http = crate::b2b::home::http(&state.settings)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, e.to_string()))?;
    let issuer_url = IssuerUrl::new(issuer.clone()).map_err(|e| invalid_grant(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
        .await
        .map_err(|e| {
            OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                format!("home discovery: {e}"),
            )
        })?;
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(ctx.issuer.clone()),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    );
    let id_token =
        CoreIdToken::from_str(subject_token).map_err(|e| invalid_grant(e.to_string()))?;
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .map_err(|e| invalid_grant(format!("subject token rejected: {e}")))?;
    let (home_issuer, home_subject) = (claims.issuer().to_string(), claims.subject().to_string());

    // The guest it maps to, under the same rules as an interactive sign-in.
    let (tenant_id, app_id, client_id, needs_assignment) = (
        ctx.tenant.id.clone(),
        client.id.clone(),
        client.client_id.clone(),
        client.assignment_required,
    );
    let outcome = state
        .db
        .write(move |c| {
            let Some(guest) =
                store::users::find_by_home(c, &tenant_id, &home_issuer, &home_subject)?
            else {
                return Ok(Err("no guest for this home identity"));
            };
            if !store::cross_tenant::get(c, &tenant_id)?
                .inbound
                .allows(&home_issuer)
            {
                return Ok(Err("inbound access from this organization is blocked"));
            }
            if guest.external_state.as_deref() != Some("accepted") || !guest.is_usable() {
                return Ok(Err("guest pending, blocked or expired"));
            }
            if needs_assignment && !store::groups::is_assigned(c, &tenant_id, &app_id, &guest.id)? {
                return Ok(Err("guest not assigned to the application"));
            }
            let grant_id = store::codes::create_grant(c, &tenant_id, &client_id, &guest.id, None)?;
            store::audit::record(
                c,
                &tenant_id,
                &format!("app:{client_id}"),
                "token.exchanged",
                Some(&guest.email),
                Some(&home_issuer),
            )?;
            Ok::<_, StoreError>(Ok((guest, grant_id)))
        })
        .await?;
    let (guest, grant_id) = outcome.map_err(invalid_grant)?;

    let now = chrono::Utc::now().timestamp();
    let lifetime = state.settings.lifetimes.access_token.num_seconds();
    let access = AccessTokenClaims {
        iss: ctx.issuer.clone(),
        sub: guest.id.clone(),
        aud: ctx.issuer.clone(),
        client_id: client.client_id.clone(),
        scope: scope.to_string(),
        tid: ctx.tenant.id.clone(),
        exp: now + lifetime,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        auth_time: claims.auth_time().map(|t| t.timestamp()),
        roles: Vec::new(),
        gid: Some(grant_id),
    };
    let access_token = ctx
        .signing
        .sign("at+jwt", &access)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, format!("signing failed: {e}")))?;
    Ok(ExchangeResponse {
        access_token,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: "Bearer",
        expires_in: lifetime,
        scope: scope.to_string(),
    })
}
