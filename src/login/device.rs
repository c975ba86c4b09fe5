//! Device cookies (OWASP, "Slow down online guessing attacks with device
//! cookies"): a browser in which an account signed in with its password gets
//! a sealed cookie naming that account. Its later attempts for that account
//! are limited per device instead of by the account-wide limit, so a stranger
//! guessing from elsewhere cannot lock the owner out, while guessing stays
//! throttled everywhere.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};

use crate::crypto::token_hash;
use crate::state::AppState;
use crate::tokens::TenantContext;

pub const COOKIE: &str = "portico_device";
const LIFETIME_DAYS: i64 = 365;

fn context(ctx: &TenantContext) -> String {
    format!("device-cookie:{}", ctx.tenant.id)
}

/// A cookie that recognises this browser for `email` at this tenant; `None`
/// when the server has no secret key to seal it with.
pub fn issue(state: &AppState, ctx: &TenantContext, email: &str) -> Option<Cookie<'static>> {
    let sealer = state.settings.sealer.as_ref()?;
    let value = sealer.seal(&context(ctx), email);
    Some(
        Cookie::build(COOKIE, value)
            .path(crate::routes::tenant_path(&ctx.tenant.slug))
            .http_only(true)
            .secure(state.settings.secure_cookies())
            .same_site(SameSite::Lax)
            .max_age(time::Duration::days(LIFETIME_DAYS))
            .finish(),
    )
}

/// When the request carries a valid device cookie for `email`, a key naming
/// this device (for its own attempt limit).
pub fn recognised(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    email: &str,
) -> Option<String> {
    let sealer = state.settings.sealer.as_ref()?;
    let cookie = req.cookie(COOKIE)?;
    let named = sealer.open(&context(ctx), cookie.value()).ok()?;
    (named == email).then(|| token_hash(cookie.value()))
}
