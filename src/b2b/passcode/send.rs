//! Asking for a passcode: the quota per browser and per address, the
//! throttle per client IP, then the code stored and mailed in one
//! transaction.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::{
    COOKIE, For, LIFETIME_MINUTES, PER_ADDRESS_PER_HOUR, PER_BROWSER_PER_HOUR, RESEND_GAP_SECONDS,
    browser_token,
};
use crate::crypto::token_hash;
use crate::domain::AuditAction;
use crate::pages::{PageError, PageResult, see_other};
use crate::routes;
use crate::state::AppState;
use crate::store::passcodes::Passcode;
use crate::store::{self, StoreError, new_id, now};
use crate::tokens::TenantContext;

fn throttled(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        &ctx.tenant.display_name,
        "Please wait",
        "A passcode was sent to this address a moment ago. Check your inbox (and spam folder), or wait a minute and ask for a new one.",
    )
}

/// Whether one more code may go to `email` for the browser `browser_hash`,
/// given what was sent in the last hour (newest first).
fn within_quota(
    recent: &[(chrono::NaiveDateTime, String)],
    browser_hash: &str,
    at: chrono::NaiveDateTime,
) -> bool {
    let mine: Vec<_> = recent
        .iter()
        .filter(|(_, browser)| browser == browser_hash)
        .map(|(sent, _)| *sent)
        .collect();
    let too_soon = mine
        .first()
        .is_some_and(|last| *last > at - chrono::TimeDelta::seconds(RESEND_GAP_SECONDS));
    !too_soon && mine.len() < PER_BROWSER_PER_HOUR && recent.len() < PER_ADDRESS_PER_HOUR
}

/// Mails a new passcode to `email` and returns the page to enter it, with the
/// cookie binding it to this browser. This browser's earlier codes for the
/// address end; other browsers' codes do not.
pub async fn send(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    email: &str,
    purpose: For,
) -> PageResult<HttpResponse> {
    let browser = browser_token(req);
    let browser_hash = token_hash(&browser);
    let at = now();
    if !may_send(state, ctx, req, email, &browser_hash, at).await? {
        return Err(throttled(ctx));
    }
    let code = format!("{:08}", rand::random_range(0..100_000_000u32));
    let code_hash = hash_code(state, ctx, &code).await?;
    let row = new_passcode(ctx, email, code_hash, purpose, browser_hash, at);
    let id = row.id.clone();
    if !store_and_mail(state, ctx, row, &code).await? {
        return Err(throttled(ctx));
    }
    Ok(code_page(state, ctx, browser, &id))
}

/// Whether this browser may have another code for the address now (quota),
/// and then whether the client's address may (throttle).
async fn may_send(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    email: &str,
    browser_hash: &str,
    at: chrono::NaiveDateTime,
) -> PageResult<bool> {
    let (tenant_id, address, hash) = (
        ctx.tenant.id.clone(),
        email.to_owned(),
        browser_hash.to_owned(),
    );
    let allowed = state
        .db
        .read(move |c| {
            let recent = store::passcodes::sent_since(c, &tenant_id, &address, hour_before(at))?;
            Ok(within_quota(&recent, &hash, at))
        })
        .await?;
    // The per-IP count is taken only for codes the browser may have, so a
    // stranger retrying past their limit does not eat into the guest's.
    let ip = req.peer_addr().map(|a| a.ip());
    Ok(allowed && state.throttle.allow_passcode(&ctx.tenant.id, email, ip))
}

fn hour_before(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at - chrono::TimeDelta::hours(1)
}

/// The code's hash, computed on the bounded hashing pool.
async fn hash_code(state: &AppState, ctx: &TenantContext, code: &str) -> PageResult<String> {
    state
        .hasher
        .hash(code.to_owned())
        .await
        .map_err(|busy| busy.page(&ctx.tenant.display_name))?
        .map_err(|e| PageError::server(&ctx.tenant.display_name, e.to_string()))
}

fn new_passcode(
    ctx: &TenantContext,
    email: &str,
    code_hash: String,
    purpose: For,
    browser_hash: String,
    at: chrono::NaiveDateTime,
) -> Passcode {
    let (invitation_id, auth_request_id) = match purpose {
        For::Redeem { invitation_id } => (Some(invitation_id), None),
        For::SignIn { auth_request_id } => (None, Some(auth_request_id)),
    };
    Passcode {
        id: new_id(),
        tenant_id: ctx.tenant.id.to_string(),
        email: email.to_owned(),
        code_hash,
        invitation_id,
        auth_request_id,
        browser_hash,
        attempts: 0,
        created_at: at,
        expires_at: at + chrono::TimeDelta::minutes(LIFETIME_MINUTES),
        consumed_at: None,
    }
}

/// Stores the code in place of this browser's earlier ones and queues the
/// mail, in one transaction; `false` when the quota ran out meanwhile.
async fn store_and_mail(
    state: &AppState,
    ctx: &TenantContext,
    row: Passcode,
    code: &str,
) -> PageResult<bool> {
    let (subject, body) = (
        format!("Your {} passcode", ctx.tenant.display_name),
        format!(
            "Your one-time passcode for {} is:\n\n    {code}\n\nIt expires in {LIFETIME_MINUTES} minutes. If you did not ask for it, ignore this email.\n",
            ctx.tenant.display_name
        ),
    );
    let tenant_id = ctx.tenant.id.clone();
    let at = row.created_at;
    let sent = state
        .db
        .write(move |c| {
            // Checked again where it is written: two requests at once from
            // one browser get one code.
            let recent = store::passcodes::sent_since(c, &tenant_id, &row.email, hour_before(at))?;
            if !within_quota(&recent, &row.browser_hash, at) {
                return Ok::<_, StoreError>(false);
            }
            store::passcodes::retire_for_browser(c, &tenant_id, &row.email, &row.browser_hash)?;
            store::passcodes::insert(c, &row)?;
            store::outbox::enqueue(c, &tenant_id, &row.email, &subject, &body)?;
            store::audit::record(
                c,
                &tenant_id,
                "system",
                AuditAction::PasscodeSent,
                Some(&row.email),
                None,
            )?;
            Ok(true)
        })
        .await?;
    Ok(sent)
}

/// The redirect to the page that asks for the code, with the browser cookie.
fn code_page(state: &AppState, ctx: &TenantContext, browser: String, id: &str) -> HttpResponse {
    let cookie = Cookie::build(COOKIE, browser)
        .path(routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Lax)
        .finish();
    let page = format!(
        "{}{}",
        routes::tenant_path(&ctx.tenant.slug),
        routes::PASSCODE.replace("{id}", id)
    );
    see_other(&page, vec![cookie])
}

#[cfg(test)]
mod tests {
    use super::super::{PER_ADDRESS_PER_HOUR, PER_BROWSER_PER_HOUR};
    use super::within_quota;

    #[test]
    fn a_browser_is_limited_by_its_own_codes_under_a_ceiling_per_address() {
        let at = crate::store::now();
        let ago = |minutes: i64| at - chrono::TimeDelta::minutes(minutes);
        // Another browser's code a moment ago does not hold this one back.
        assert!(within_quota(&[(ago(0), "other".into())], "mine", at));
        // This browser's own code a moment ago does.
        assert!(!within_quota(&[(ago(0), "mine".into())], "mine", at));
        let mine: Vec<_> = (0..PER_BROWSER_PER_HOUR as i64)
            .map(|i| (ago(2 + i), "mine".to_owned()))
            .collect();
        assert!(!within_quota(&mine, "mine", at));
        assert!(within_quota(&mine, "fresh", at));
        let everyone: Vec<_> = (0..PER_ADDRESS_PER_HOUR as i64)
            .map(|i| (ago(2 + i), format!("browser {i}")))
            .collect();
        assert!(!within_quota(&everyone, "fresh", at));
    }
}
