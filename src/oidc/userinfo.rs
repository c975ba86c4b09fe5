//! The UserInfo endpoint (OIDC Core §5.3), GET or POST with a bearer token
//! (RFC 6750 §2.1, §2.2) or a DPoP-bound one and its proof (RFC 9449 §7).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::token::issue::{identity_provider, profile_claims};
use crate::domain::{Scope, ScopeSet};
use crate::state::AppState;
use crate::store;
use crate::tokens::access::{self, AccessError, Presented};
use crate::tokens::dpop;

#[derive(Debug, Default, Deserialize)]
pub struct UserInfoForm {
    access_token: Option<String>,
}

pub async fn get_userinfo(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> OAuthResult<HttpResponse> {
    userinfo(&state, &path, &req, None).await
}

pub async fn post_userinfo(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<UserInfoForm>,
) -> OAuthResult<HttpResponse> {
    userinfo(&state, &path, &req, form.into_inner().access_token).await
}

async fn userinfo(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    form_token: Option<String>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(state, slug).await?;
    let invalid = |detail: String| OAuthError::new(ErrorCode::InvalidToken, detail).bearer();
    let presented = match (access::presented_token(req), form_token.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(ErrorCode::InvalidRequest, "two tokens").bearer());
        }
        (Some(p), None) => p,
        (None, Some(t)) => Presented::Bearer(t),
        (None, None) => return Err(invalid("no access token".into())),
    };
    let url = dpop::request_url(&state.settings.public_url, req);
    let request = access::Request {
        http: req,
        url: &url,
    };
    let claims = access::authenticate(
        &state.db,
        &state.tenants,
        &ctx,
        &state.dpop,
        presented,
        request,
    )
    .await
    .map_err(refusal)?;
    let scope = ScopeSet::parse(&claims.scope).unwrap_or_default();
    if claims.gid.is_none() || !scope.contains(Scope::OpenId) {
        let error = OAuthError::new(ErrorCode::InsufficientScope, "token has no openid scope");
        return Err(match claims.cnf {
            Some(_) => error.dpop(),
            None => error.bearer(),
        });
    }
    let (tenant_id, sub) = (ctx.tenant.id.clone(), claims.sub.clone());
    let gid = claims.gid.clone().unwrap_or_default();
    let (user, by_name) = state
        .db
        .read(move |c| {
            let user = store::users::find(c, &tenant_id, &sub)?;
            Ok::<_, store::StoreError>((user, store::codes::grant_claims(c, &tenant_id, &gid)?))
        })
        .await?;
    let user = user.ok_or_else(|| invalid("user gone".into()))?;
    let mut body = serde_json::json!({
        "sub": user.id,
        "tid": ctx.tenant.id,
        "user_type": user.user_type_claim(),
        "idp": identity_provider(&ctx, &user),
    });
    if let (Some(obj), Ok(serde_json::Value::Object(profile))) = (
        body.as_object_mut(),
        serde_json::to_value(profile_claims(&user, &scope, by_name.for_userinfo())),
    ) {
        obj.extend(profile);
    }
    Ok(super::no_store(HttpResponse::Ok()).json(body))
}

/// The answer to a token refused (RFC 6750 §3.1, RFC 9449 §7.1).
fn refusal(e: AccessError) -> OAuthError {
    match e {
        AccessError::Invalid(d) => OAuthError::new(ErrorCode::InvalidToken, d).bearer(),
        AccessError::Scheme(d) => OAuthError::new(ErrorCode::InvalidToken, d).dpop(),
        AccessError::Proof(d) => OAuthError::new(ErrorCode::InvalidDpopProof, d).dpop(),
        AccessError::Store(s) => s.into(),
    }
}
