//! Browser sessions: one cookie per tenant, scoped to `/t/{tenant}`, HttpOnly,
//! SameSite=Lax, Secure when PUBLIC_URL is https. The database holds its hash.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};

use crate::crypto::{random_token, token_hash};
use crate::state::AppState;
use crate::store::sessions::Session;
use crate::store::{self, StoreResult};
use crate::tokens::TenantContext;

/// How long a sign-in may take over its second factor (the incomplete
/// session's lifetime), and how recent a sign-in must be to enrol a first
/// factor or change factors on the account-security page.
pub const SECOND_FACTOR_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

pub const COOKIE: &str = "portico_session";

/// The live, complete session named by the request's cookie, if any. A
/// session whose user is blocked, gone or past their end of access is no
/// session at all: expiry ends every use, as blocking does. A session that
/// still owes its second factor is none either (see [`signing_in`]).
pub async fn current(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> StoreResult<Option<Session>> {
    Ok(signing_in(state, ctx, req).await?.filter(|s| s.complete))
}

/// Like [`current`], but also a session that still owes its second factor:
/// for the second-factor and enrolment pages only.
pub async fn signing_in(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> StoreResult<Option<Session>> {
    let Some(cookie) = req.cookie(COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(cookie.value());
    let tenant_id = ctx.tenant.id.clone();
    state
        .db
        .read(move |c| {
            let Some(session) = store::sessions::find_live(c, &tenant_id, &hash)? else {
                return Ok(None);
            };
            let usable =
                store::users::find(c, &tenant_id, &session.user_id)?.is_some_and(|u| u.is_usable());
            Ok(usable.then_some(session))
        })
        .await
}

/// Starts a session for `user_id`; returns the cookie to set.
pub async fn start(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    amr: &str,
) -> StoreResult<(Session, Cookie<'static>)> {
    start_with(state, ctx, user_id, amr, true).await
}

/// Starts a session that still owes its second factor: it lives only as long
/// as a second-factor step may take, until completed.
pub async fn start_incomplete(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    amr: &str,
) -> StoreResult<(Session, Cookie<'static>)> {
    start_with(state, ctx, user_id, amr, false).await
}

async fn start_with(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    amr: &str,
    complete: bool,
) -> StoreResult<(Session, Cookie<'static>)> {
    let token = random_token();
    let (tenant_id, user_id, amr) = (ctx.tenant.id.clone(), user_id.to_owned(), amr.to_owned());
    let hash = token_hash(&token);
    let full = state.settings.lifetimes.session;
    let lifetime = if complete {
        full
    } else {
        full.min(SECOND_FACTOR_WINDOW)
    };
    let session = state
        .db
        .write(move |c| {
            store::sessions::create(c, &tenant_id, &user_id, &hash, &amr, lifetime, complete)
        })
        .await?;
    Ok((session, cookie(state, ctx, token)))
}

/// The cookie carrying session token `token` (it lives as long as a complete
/// session; an incomplete one ends sooner in the database).
pub fn cookie(state: &AppState, ctx: &TenantContext, token: String) -> Cookie<'static> {
    Cookie::build(COOKIE, token)
        .path(crate::routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(
            state.settings.lifetimes.session.num_seconds(),
        ))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn clear(state: &AppState, ctx: &TenantContext) -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "")
        .path(crate::routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}
