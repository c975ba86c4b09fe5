//! Validating this tenant's access tokens for its own resources (UserInfo,
//! introspection, admin API): signature, issuer, audience, `typ`, and that
//! nothing behind the token was revoked since it was issued.

use super::claims::AccessTokenClaims;
use super::context::TenantContext;
use super::verify::{VerifyError, verify};
use crate::state::AppState;
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The claims of a live access token issued by `ctx`'s tenant.
pub async fn validate(
    state: &AppState,
    ctx: &TenantContext,
    token: &str,
) -> Result<AccessTokenClaims, AccessError> {
    let claims: AccessTokenClaims = match verify(ctx, token, Some("at+jwt")) {
        Ok(c) => c,
        Err(VerifyError::UnknownKey) => {
            // The key may have been rotated through another replica.
            let fresh = state
                .tenants
                .reload(&ctx.tenant.slug)
                .await?
                .ok_or_else(|| AccessError::Invalid("tenant vanished".into()))?;
            verify(&fresh, token, Some("at+jwt"))
                .map_err(|e| AccessError::Invalid(e.to_string()))?
        }
        Err(e) => return Err(AccessError::Invalid(e.to_string())),
    };
    if claims.aud != ctx.issuer || claims.tid != ctx.tenant.id.as_str() {
        return Err(AccessError::Invalid("token is for another audience".into()));
    }
    let tenant_id = ctx.tenant.id.clone();
    let (jti, gid, sub, client_id) = (
        claims.jti.clone(),
        claims.gid.clone(),
        claims.sub.clone(),
        claims.client_id.clone(),
    );
    let live = state
        .db
        .read(move |c| {
            if store::codes::access_token_revoked(c, &tenant_id, &jti)? {
                return Ok(false);
            }
            match gid {
                Some(gid) => Ok(store::codes::grant_is_live(c, &tenant_id, &gid)?
                    && store::users::find(c, &tenant_id, &sub)?.is_some_and(|u| u.is_usable())),
                None => Ok(store::apps::find(c, &tenant_id, &client_id)?.is_some()),
            }
        })
        .await?;
    if live {
        Ok(claims)
    } else {
        Err(AccessError::Invalid("token revoked".into()))
    }
}

/// The bearer token of a request (RFC 6750 §2.1), if any.
pub fn bearer_token(req: &actix_web::HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
