//! Token introspection (RFC 7662 §2), for confidential clients of the tenant.
//! Anything not live, or not this tenant's, is simply `{"active": false}`.
//! Policy (§4 leaves it to the server): a token is described to the client it
//! was issued to, and an access token also to apps holding the
//! `Tokens.Introspect` permission (resource servers); to anyone else it is
//! inactive, so one app cannot read another's users' claims.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::client_auth;
use super::error::OAuthResult;
use crate::crypto::token_hash;
use crate::domain::Permission;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::RefreshToken;
use crate::store::{self, StoreResult, now};
use crate::tokens::TenantContext;
use crate::tokens::access::{self, AccessError};

#[derive(Debug, Default, Deserialize)]
pub struct IntrospectionForm {
    token: Option<String>,
    #[serde(flatten)]
    credentials: client_auth::ClientCredentials,
}

pub async fn post_introspect(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<IntrospectionForm>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    let form = form.into_inner();
    let client =
        client_auth::authenticate_confidential(&state, &ctx, &req, &form.credentials).await?;
    let token = super::required_token(form.token)?;
    // `token_type_hint` is optional (§2.1); the token's shape tells the kind.
    let looks_like_jwt = token.matches('.').count() == 2;
    let description = if looks_like_jwt {
        describe_access(&state, &ctx, &client, &token).await?
    } else {
        describe_refresh(&state, &ctx, &client, &token).await?
    };
    let body = description.unwrap_or_else(|| serde_json::json!({"active": false}));
    Ok(super::no_store(HttpResponse::Ok()).json(body))
}

/// A valid access token's claims, if this client may read them: its own
/// token, or any with `Tokens.Introspect`. `None` reads as inactive.
async fn describe_access(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    token: &str,
) -> OAuthResult<Option<Value>> {
    let claims = match access::validate(&state.db, &state.tenants, ctx, token).await {
        Ok(claims) => claims,
        Err(AccessError::Store(e)) => return Err(e.into()),
        Err(_) => return Ok(None),
    };
    let may_read = claims.client_id == client.client_id
        || client.permissions.contains(&Permission::TokensIntrospect);
    if !may_read {
        return Ok(None);
    }
    let mut body = serde_json::to_value(&claims).unwrap_or_default();
    if let Some(obj) = body.as_object_mut() {
        obj.insert("active".into(), true.into());
        // RFC 9449 §6.2: a bound token's `cnf.jkt` is in its claims.
        let token_type =
            crate::tokens::claims::token_type(claims.cnf.as_ref().map(|c| c.jkt.as_str()));
        obj.insert("token_type".into(), token_type.into());
        obj.remove("gid");
    }
    Ok(Some(body))
}

/// A live refresh token, described only to the client it was issued to.
/// `None` reads as inactive.
async fn describe_refresh(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    token: &str,
) -> StoreResult<Option<Value>> {
    let refresh = live_refresh(state, ctx, token).await?;
    Ok(refresh
        .filter(|rt| rt.client_id == client.client_id)
        .map(|rt| {
            serde_json::json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": rt.client_id,
                "sub": rt.user_id,
                "scope": rt.scope,
                "iss": ctx.issuer,
                "exp": rt.expires_at.and_utc().timestamp(),
                "iat": rt.created_at.and_utc().timestamp(),
            })
        }))
}

/// The refresh token, if it is live: not rotated, not expired, its grant not
/// revoked, its user still able to sign in.
async fn live_refresh(
    state: &AppState,
    ctx: &TenantContext,
    token: &str,
) -> StoreResult<Option<RefreshToken>> {
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(token));
    state
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
        .await
}
