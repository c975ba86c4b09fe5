//! RP-Initiated Logout 1.0 (§2, §3): ends the tenant browser session. With a
//! valid `id_token_hint` of this session (its user and, when it has one, its
//! `sid`) it proceeds at once; otherwise the person confirms (a
//! CSRF-protected form), so no third party can sign them out silently.
//! `post_logout_redirect_uri` is honoured only when registered exactly. The
//! session's apps hear of its end over the back channel (`store::sessions`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::browser::{csrf, session};
use crate::domain::RedirectUri;
use crate::pages::{PageError, PageResult, render, see_other};
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::store::sessions::Session;
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
    params: HashMap<String, String>,
) -> PageResult<HttpResponse> {
    let ctx = state
        .tenants
        .get(slug)
        .await?
        .ok_or_else(PageError::not_found)?;
    let logout = Logout::parse(state, &ctx, params).await?;
    // A sign-in still owing its second factor ends here too.
    let current = session::signing_in(state, &ctx, req).await?;
    if let Some(session) = &current
        && !logout.hinted(session)
        && !logout.confirmed(req)
    {
        return Ok(logout.confirm_page(state, &ctx, req));
    }
    if let Some(session) = current {
        let tenant_id = ctx.tenant.id.clone();
        state
            .db
            .write(move |c| store::sessions::revoke(c, &tenant_id, &session.id))
            .await?;
    }
    Ok(logout.signed_out(state, &ctx))
}

/// A sign-out request, its hint and redirect checked (§2).
struct Logout {
    params: HashMap<String, String>,
    hint: Option<IdTokenClaims>,
    client_id: Option<String>,
    redirect: Option<RedirectUri>,
}

impl Logout {
    async fn parse(
        state: &AppState,
        ctx: &TenantContext,
        params: HashMap<String, String>,
    ) -> PageResult<Self> {
        let hint = match params.get("id_token_hint") {
            Some(t) => Some(hint(ctx, t).ok_or_else(|| {
                bad(
                    ctx,
                    "The application sent an ID token this organization did not issue.",
                )
            })?),
            None => None,
        };
        let client_id = client_id(ctx, hint.as_ref(), params.get("client_id"))?;
        let redirect = registered_redirect(state, ctx, client_id.as_deref(), &params).await?;
        Ok(Logout {
            params,
            hint,
            client_id,
            redirect,
        })
    }

    /// Whether the ID token hint vouches for signing this session out
    /// without asking: it names the session's user and, when it carries a
    /// `sid`, this very session (§2: a token of another session is no hint).
    fn hinted(&self, session: &Session) -> bool {
        self.hint.as_ref().is_some_and(|h| {
            h.sub == session.user_id && h.sid.as_ref().is_none_or(|sid| *sid == session.id)
        })
    }

    /// Whether the person confirmed on our own form (CSRF-checked).
    fn confirmed(&self, req: &HttpRequest) -> bool {
        self.params.get("confirm").is_some_and(|v| v == "yes")
            && self
                .params
                .get("csrf_token")
                .is_some_and(|t| csrf::verify(req, t))
    }

    /// "Sign out of …?", carrying the request forward.
    fn confirm_page(
        &self,
        state: &AppState,
        ctx: &TenantContext,
        req: &HttpRequest,
    ) -> HttpResponse {
        let base = routes::tenant_path(&ctx.tenant.slug);
        let (token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
        let page = ConfirmPage {
            tenant_name: &ctx.tenant.display_name,
            action: format!("{base}{}", routes::LOGOUT),
            csrf_token: &token,
            post_logout_redirect_uri: self
                .redirect
                .as_ref()
                .map(|r| r.as_str())
                .unwrap_or_default(),
            client_id: self.client_id.as_deref().unwrap_or_default(),
            state: self.state().unwrap_or_default(),
        };
        render(StatusCode::OK, &page, cookie.into_iter().collect())
    }

    /// Back to the registered address with `state`, or our own "signed out"
    /// page; either way the session cookie is cleared.
    fn signed_out(&self, state: &AppState, ctx: &TenantContext) -> HttpResponse {
        let clear = session::clear(state, ctx);
        match &self.redirect {
            Some(uri) => {
                let q: Vec<_> = self.state().map(|s| ("state", s)).into_iter().collect();
                see_other(&uri.with_query(&q), vec![clear])
            }
            None => render(
                StatusCode::OK,
                &LoggedOutPage {
                    tenant_name: &ctx.tenant.display_name,
                },
                vec![clear],
            ),
        }
    }

    fn state(&self) -> Option<&str> {
        self.params.get("state").map(String::as_str)
    }
}

fn bad(ctx: &TenantContext, message: &str) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        &ctx.tenant.display_name,
        "Sign-out request not valid",
        message,
    )
}

/// The client: from the hint's audience, or `client_id`; both must agree.
fn client_id(
    ctx: &TenantContext,
    hint: Option<&IdTokenClaims>,
    client_id: Option<&String>,
) -> PageResult<Option<String>> {
    match (hint, client_id) {
        (Some(h), Some(c)) if &h.aud != c => Err(bad(
            ctx,
            "The sign-out request names two different applications.",
        )),
        (Some(h), _) => Ok(Some(h.aud.clone())),
        (None, c) => Ok(c.cloned()),
    }
}

/// `post_logout_redirect_uri`, only if the client registered it exactly.
async fn registered_redirect(
    state: &AppState,
    ctx: &TenantContext,
    client_id: Option<&str>,
    params: &HashMap<String, String>,
) -> PageResult<Option<RedirectUri>> {
    let Some(uri) = params.get("post_logout_redirect_uri") else {
        return Ok(None);
    };
    let client = match client_id {
        Some(id) => state.tenants.client(&ctx.tenant.id, id).await?,
        None => None,
    };
    let registered = client.as_ref().and_then(|c| {
        c.post_logout_redirect_uris
            .iter()
            .find(|r| r.as_str() == uri)
    });
    registered.cloned().map(Some).ok_or_else(|| {
        bad(
            ctx,
            "The application asked to return you to an address it has not registered.",
        )
    })
}
