//! RP-Initiated Logout 1.0 (§2, §3): ends the tenant browser session. With a
//! valid `id_token_hint` it proceeds at once; otherwise the person confirms
//! (a CSRF-protected form), so no third party can sign them out silently.
//! `post_logout_redirect_uri` is honoured only when registered exactly.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::login::{csrf, session};
use crate::oidc::routes;
use crate::pages::{PageError, PageResult, render, see_other};
use crate::state::AppState;
use crate::store;
use crate::tokens::TenantContext;
use crate::tokens::claims::IdTokenClaims;

#[derive(Template)]
#[template(path = "logout_confirm.html")]
struct ConfirmPage<'a> {
    tenant_name: &'a str,
    action: String,
    csrf_token: &'a str,
    post_logout_redirect_uri: &'a str,
    client_id: &'a str,
    state: &'a str,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOutPage<'a> {
    tenant_name: &'a str,
}

/// The subject and client named by an ID token this tenant issued; expiry is
/// not checked (§2: the hint may be an expired token).
fn hint(ctx: &TenantContext, token: &str) -> Option<IdTokenClaims> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    let key = ctx.verification_key(header.kid.as_deref()?)?;
    if header.alg != key.alg.jwt_alg() {
        return None;
    }
    let mut validation = jsonwebtoken::Validation::new(key.alg.jwt_alg());
    validation.set_issuer(&[&ctx.issuer]);
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<IdTokenClaims>(token, &key.key, &validation)
        .ok()
        .map(|d| d.claims)
}

fn params(raw: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

pub async fn get_logout(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    logout(&state, &path, &req, params(req.query_string().as_bytes())).await
}

pub async fn post_logout(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> PageResult<HttpResponse> {
    logout(&state, &path, &req, params(&body)).await
}

async fn logout(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    p: HashMap<String, String>,
) -> PageResult<HttpResponse> {
    let ctx = state
        .tenants
        .get(slug)
        .await?
        .ok_or_else(PageError::not_found)?;
    let name = ctx.tenant.display_name.clone();
    let bad = |message: &str| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            &name,
            "Sign-out request not valid",
            message,
        )
    };
    let hint = match p.get("id_token_hint") {
        Some(t) => Some(hint(&ctx, t).ok_or_else(|| {
            bad("The application sent an ID token this organization did not issue.")
        })?),
        None => None,
    };
    // The client: from the hint's audience, or client_id; both must agree.
    let client_id = match (&hint, p.get("client_id")) {
        (Some(h), Some(c)) if &h.aud != c => {
            return Err(bad(
                "The sign-out request names two different applications.",
            ));
        }
        (Some(h), _) => Some(h.aud.clone()),
        (None, c) => c.cloned(),
    };
    let client = match &client_id {
        Some(id) => state.tenants.client(&ctx.tenant.id, id).await?,
        None => None,
    };
    let redirect = match p.get("post_logout_redirect_uri") {
        Some(uri) => {
            let registered = client.as_ref().and_then(|c| {
                c.post_logout_redirect_uris
                    .iter()
                    .find(|r| r.as_str() == uri)
            });
            Some(registered.cloned().ok_or_else(|| {
                bad("The application asked to return you to an address it has not registered.")
            })?)
        }
        None => None,
    };
    // A sign-in still owing its second factor ends here too.
    let current = session::signing_in(state, &ctx, req).await?;
    let confirmed = p.get("confirm").is_some_and(|v| v == "yes")
        && p.get("csrf_token").is_some_and(|t| csrf::verify(req, t));
    let hinted_same_user = match (&hint, &current) {
        (Some(h), Some(s)) => h.sub == s.user_id,
        (Some(_), None) => true,
        _ => false,
    };
    if current.is_some() && !hinted_same_user && !confirmed {
        let base = routes::tenant_path(&ctx.tenant.slug);
        let (token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
        let page = ConfirmPage {
            tenant_name: &name,
            action: format!("{base}{}", routes::LOGOUT),
            csrf_token: &token,
            post_logout_redirect_uri: redirect.as_ref().map(|r| r.as_str()).unwrap_or_default(),
            client_id: client_id.as_deref().unwrap_or_default(),
            state: p.get("state").map(String::as_str).unwrap_or_default(),
        };
        return Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()));
    }
    if let Some(s) = current {
        let tenant_id = ctx.tenant.id.clone();
        state
            .db
            .write(move |c| store::sessions::revoke(c, &tenant_id, &s.id))
            .await?;
    }
    let clear = session::clear(state, &ctx);
    match redirect {
        Some(uri) => {
            let mut q = Vec::new();
            if let Some(s) = p.get("state") {
                q.push(("state", s.as_str()));
            }
            Ok(see_other(&uri.with_query(&q), vec![clear]))
        }
        None => Ok(render(
            StatusCode::OK,
            &LoggedOutPage { tenant_name: &name },
            vec![clear],
        )),
    }
}
