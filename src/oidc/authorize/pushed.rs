//! Pushed authorization requests at the authorization endpoint (RFC 9126
//! §4): `request_uri` names parameters the client pushed to `/par`, usable
//! once, only by that client, for [`LIFETIME`] seconds. Other parameters
//! beside `client_id` and `request_uri` are ignored (§4: the pushed ones
//! are the request).

use actix_web::http::StatusCode;

use super::{AuthorizeError, AuthorizeResult, request};
use crate::crypto::token_hash;
use crate::oidc::error::{ErrorCode, OAuthError, OAuthResult};
use crate::pages::PageError;
use crate::state::AppState;
use crate::store;
use crate::tokens::TenantContext;

/// How long a pushed request may wait for its use, in seconds (§2.2: short).
pub const LIFETIME: i64 = 60;

/// RFC 9126 §2.2.
pub const URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The request's parameters, and whether they were pushed.
pub struct Resolved {
    pub params: Vec<u8>,
    pub pushed: bool,
}

fn refused(ctx: &TenantContext, detail: &str) -> AuthorizeError {
    AuthorizeError::from(
        PageError::new(
            StatusCode::BAD_REQUEST,
            &ctx.tenant.display_name,
            "Sign-in request not valid",
            "The application's sign-in request has expired or was already used. Go back to the application and try again.",
        )
        .detail(detail.to_owned()),
    )
}

/// The parameters of the request: the pushed ones when `request_uri` is
/// given (taken, so a second use finds nothing), else `raw` itself.
pub async fn resolve(
    state: &AppState,
    ctx: &TenantContext,
    raw: &[u8],
) -> AuthorizeResult<Resolved> {
    let (mut request_uri, mut client_id) = (None, None);
    for (k, v) in url::form_urlencoded::parse(raw) {
        let slot = match k.as_ref() {
            "request_uri" => &mut request_uri,
            "client_id" => &mut client_id,
            _ => continue,
        };
        if slot.replace(v.into_owned()).is_some() {
            return Err(refused(ctx, &format!("parameter {k} repeated")));
        }
    }
    let Some(request_uri) = request_uri.filter(|u| !u.is_empty()) else {
        return Ok(Resolved {
            params: raw.to_vec(),
            pushed: false,
        });
    };
    let Some(client_id) = client_id else {
        return Err(refused(ctx, "request_uri without client_id"));
    };
    if !request_uri.starts_with(URI_PREFIX) {
        return Err(refused(ctx, "request_uri not issued by the PAR endpoint"));
    }
    let gone = || {
        refused(
            ctx,
            "request_uri unknown, expired, used or another client's",
        )
    };
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(&request_uri));
    let key = (tenant_id.clone(), client_id.clone(), hash.clone());
    let known = state
        .db
        .read(move |c| store::pushed_requests::exists(c, &key.0, &key.1, &key.2))
        .await?;
    if !known {
        return Err(gone());
    }
    let params = state
        .db
        .write(move |c| store::pushed_requests::take(c, &tenant_id, &client_id, &hash))
        .await?
        .ok_or_else(gone)?;
    Ok(Resolved {
        params: params.into_bytes(),
        pushed: true,
    })
}

/// Checks pushed parameters as `/authorize` would (RFC 9126 §2.1); every
/// failure is an error answer to the client (§2.3).
pub async fn check(state: &AppState, ctx: &TenantContext, params: &[u8]) -> OAuthResult<()> {
    match request::validate(state, ctx, params).await {
        Ok(_) => Ok(()),
        Err(AuthorizeError::Redirect { code, detail, .. }) => Err(OAuthError::new(code, detail)),
        Err(AuthorizeError::Page(page)) => {
            Err(OAuthError::new(ErrorCode::InvalidRequest, page.to_string()))
        }
    }
}
