//! Token introspection (RFC 7662 §2), for confidential clients of the tenant.
//! Anything not live, or not this tenant's, is simply `{"active": false}`.
//! Policy (§4 leaves it to the server): a token is described to the client it
//! was issued to, and an access token also to apps holding the
//! `Tokens.Introspect` permission (resource servers); to anyone else it is
//! inactive, so one app cannot read another's users' claims.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::client_auth;
use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::token_hash;
use crate::domain::Permission;
use crate::state::AppState;
use crate::store::{self, now};
use crate::tokens::access::{self, AccessError};

#[derive(Debug, Default, Deserialize)]
pub struct IntrospectionForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn post_introspect(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<IntrospectionForm>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    let form = form.into_inner();
    let client = client_auth::authenticate_confidential(
        &state,
        &ctx,
        &req,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?;
    let token = form
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, "missing token"))?;
    let inactive =
        || super::no_store(HttpResponse::Ok()).json(serde_json::json!({"active": false}));

    // `token_type_hint` is optional (§2.1); the token's shape tells the kind.
    let looks_like_jwt = token.matches('.').count() == 2;
    if looks_like_jwt {
        let may_read = |owner: &str| {
            owner == client.client_id || client.permissions.contains(&Permission::TokensIntrospect)
        };
        return match access::validate(&state.db, &state.tenants, &ctx, &token).await {
            Ok(claims) if !may_read(&claims.client_id) => Ok(inactive()),
            Ok(claims) => {
                let mut body = serde_json::to_value(&claims).unwrap_or_default();
                if let Some(obj) = body.as_object_mut() {
                    obj.insert("active".into(), true.into());
                    obj.insert("token_type".into(), "Bearer".into());
                    obj.remove("gid");
                }
                Ok(super::no_store(HttpResponse::Ok()).json(body))
            }
            Err(AccessError::Invalid(_)) => Ok(inactive()),
            Err(AccessError::Store(e)) => Err(e.into()),
        };
    }
    let tenant_id = ctx.tenant.id.clone();
    let hash = token_hash(&token);
    let refresh = state
        .db
        .read(move |c| {
            let Some(rt) = store::codes::find_refresh(c, &tenant_id, &hash)? else {
                return Ok(None);
            };
            let live = rt.rotated_at.is_none()
                && rt.expires_at > now()
                && store::codes::grant_is_live(c, &tenant_id, &rt.grant_id)?
                && store::users::find(c, &tenant_id, &rt.user_id)?.is_some_and(|u| u.is_usable());
            Ok(live.then_some(rt))
        })
        .await?;
    match refresh {
        // A refresh token is only described to the client it was issued to.
        Some(rt) if rt.client_id == client.client_id => Ok(super::no_store(HttpResponse::Ok())
            .json(serde_json::json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": rt.client_id,
                "sub": rt.user_id,
                "scope": rt.scope,
                "iss": ctx.issuer,
                "exp": rt.expires_at.and_utc().timestamp(),
                "iat": rt.created_at.and_utc().timestamp(),
            }))),
        _ => Ok(inactive()),
    }
}
