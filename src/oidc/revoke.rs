//! Token revocation (RFC 7009 §2). Revoking a refresh token revokes its whole
//! grant, access tokens included (§2.1); unknown tokens still get 200 (§2.2).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::client_auth;
use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::token_hash;
use crate::state::AppState;
use crate::store::{self, StoreResult};
use crate::tokens::TenantContext;
use crate::tokens::claims::AccessTokenClaims;
use crate::tokens::verify::verify;

#[derive(Debug, Default, Deserialize)]
pub struct RevocationForm {
    token: Option<String>,
    token_type_hint: Option<String>,
    #[serde(flatten)]
    credentials: client_auth::ClientCredentials,
}

pub async fn post_revoke(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<RevocationForm>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    let form = form.into_inner();
    let client = client_auth::authenticate(&state, &ctx, &req, &form.credentials).await?;
    let token = super::required_token(form.token)?;
    check_hint(form.token_type_hint.as_deref())?;
    revoke(&state, &ctx, &client.client_id, &token).await?;
    Ok(super::no_store(HttpResponse::Ok()).finish())
}

/// `token_type_hint`, when given, names a kind of token we issue
/// (§2.2.1: `unsupported_token_type`).
fn check_hint(hint: Option<&str>) -> OAuthResult<()> {
    match hint {
        None | Some("access_token" | "refresh_token") => Ok(()),
        Some(other) => Err(OAuthError::new(
            ErrorCode::UnsupportedTokenType,
            other.to_owned(),
        )),
    }
}

/// Revokes the token if it was issued to `client_id` (only that client may
/// revoke it): an access token by its `jti` until it would have expired, a
/// refresh token with its whole grant. Anything else changes nothing.
async fn revoke(
    state: &AppState,
    ctx: &TenantContext,
    client_id: &str,
    token: &str,
) -> StoreResult<()> {
    let (tenant_id, client_id) = (ctx.tenant.id.clone(), client_id.to_owned());
    let access: Option<AccessTokenClaims> = verify(ctx, token, Some("at+jwt")).ok();
    let hash = token_hash(token);
    state
        .db
        .write(move |c| {
            if let Some(claims) = access {
                if claims.client_id == client_id {
                    let exp = chrono::DateTime::from_timestamp(claims.exp, 0)
                        .map(|d| d.naive_utc())
                        .unwrap_or_else(store::now);
                    store::codes::revoke_access_token(c, &tenant_id, &claims.jti, exp)?;
                }
            } else if let Some(rt) = store::codes::find_refresh(c, &tenant_id, &hash)?
                && rt.client_id == client_id
            {
                store::codes::revoke_grant(c, &tenant_id, &rt.grant_id)?;
            }
            Ok(())
        })
        .await
}
