//! One-time passcodes mailed to a guest's address (DESIGN.md §5, redemption
//! order 3). The code goes only to the invited (or guest's stored) address,
//! never to one typed by the browser; it is stored as an argon2 hash, lives
//! ten minutes, allows five guesses, and is bound to the browser that asked.
//!
//! Anyone can ask for a code for any guest's address, so asking must not
//! hurt the guest: a new code ends only the codes of the browser that asked
//! (the one the guest holds keeps working), and new codes are throttled per
//! browser (one a minute, five an hour), per address and client IP (ten an
//! hour, in memory), with a ceiling per address (twenty an hour) that bounds
//! the mail anyone can make the guest receive. A stranger uses up their own
//! allowance long before the guest's.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::callback::{self, Next};
use super::home::{HomeIdentity, MAIL_IDP, Proof};
use crate::browser::csrf;
use crate::crypto::{random_token, token_hash};
use crate::domain::AuditAction;
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::passcodes::Passcode;
use crate::store::{self, StoreError, new_id, now};
use crate::tokens::TenantContext;

pub const COOKIE: &str = "portico_passcode";
pub const MAX_ATTEMPTS: i32 = 5;
const LIFETIME_MINUTES: i64 = 10;
/// Per browser and address: one new code a minute, five an hour.
const RESEND_GAP_SECONDS: i64 = 60;
const PER_BROWSER_PER_HOUR: usize = 5;
/// Per address, from every browser: bounds the mail to one inbox (and the
/// live codes of one address).
const PER_ADDRESS_PER_HOUR: usize = 20;

/// What the passcode proves the address for.
pub enum For {
    Redeem { invitation_id: String },
    SignIn { auth_request_id: String },
}

#[derive(Template)]
#[template(path = "passcode.html")]
struct PasscodePage<'a> {
    tenant_name: &'a str,
    masked_email: String,
    action: String,
    resend_action: String,
    csrf_token: &'a str,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf_token: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct ResendForm {
    csrf_token: String,
}

/// `g***@proseware.example`: enough to recognise, not to harvest.
fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "your address".into(),
    }
}

fn throttled(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        &ctx.tenant.display_name,
        "Please wait",
        "A passcode was sent to this address a moment ago. Check your inbox (and spam folder), or wait a minute and ask for a new one.",
    )
}

/// What a stored passcode proves the address for (the inverse of `send`).
fn purpose_of(ctx: &TenantContext, row: &Passcode) -> PageResult<For> {
    match (&row.invitation_id, &row.auth_request_id) {
        (Some(invitation_id), _) => Ok(For::Redeem {
            invitation_id: invitation_id.clone(),
        }),
        (None, Some(auth_request_id)) => Ok(For::SignIn {
            auth_request_id: auth_request_id.clone(),
        }),
        (None, None) => Err(PageError::server(
            &ctx.tenant.display_name,
            "passcode without purpose",
        )),
    }
}

/// The browser's passcode cookie when it has one (so that its codes and its
/// quota stay its own across requests), else a new one.
fn browser_token(req: &HttpRequest) -> String {
    req.cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| {
            (32..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .unwrap_or_else(random_token)
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

/// The live passcode row for this browser, or the page that says why not.
async fn for_browser(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    id: &str,
) -> PageResult<Passcode> {
    let gone = || {
        PageError::new(
            StatusCode::GONE,
            &ctx.tenant.display_name,
            "Passcode expired",
            "This passcode has expired, was already used, or was asked for in another browser. Start again from your invitation link or the application.",
        )
    };
    let (tenant_id, id) = (ctx.tenant.id.clone(), id.to_owned());
    let row = state
        .db
        .read(move |c| store::passcodes::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(gone)?;
    let browser = req.cookie(COOKIE).map(|c| token_hash(c.value()));
    if browser.as_deref() != Some(row.browser_hash.as_str())
        || row.consumed_at.is_some()
        || row.expires_at <= now()
    {
        return Err(gone());
    }
    Ok(row)
}

fn page_response(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    row: &Passcode,
    status: StatusCode,
    error: Option<String>,
) -> HttpResponse {
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (csrf_token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
    let action = format!("{base}{}", routes::PASSCODE.replace("{id}", &row.id));
    let page = PasscodePage {
        tenant_name: &ctx.tenant.display_name,
        masked_email: mask(&row.email),
        resend_action: format!("{action}/resend"),
        action,
        csrf_token: &csrf_token,
        error,
    };
    render(status, &page, cookie.into_iter().collect())
}

pub async fn get_passcode(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    let row = for_browser(&state, &ctx, &req, &id).await?;
    Ok(page_response(
        &state,
        &ctx,
        &req,
        &row,
        StatusCode::OK,
        None,
    ))
}

pub async fn post_passcode(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let row = for_browser(&state, &ctx, &req, &id).await?;
    let (tenant_id, row_id) = (ctx.tenant.id.clone(), row.id.clone());
    let counted = state
        .db
        .write(move |c| store::passcodes::count_attempt(c, &tenant_id, &row_id, MAX_ATTEMPTS))
        .await?;
    if !counted {
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["passcode"])
            .inc();
        return Err(PageError::new(
            StatusCode::GONE,
            &ctx.tenant.display_name,
            "Too many tries",
            "This passcode can no longer be used. Ask for a new one from your invitation link or the application.",
        ));
    }
    let code: String = form.code.chars().filter(|c| c.is_ascii_digit()).collect();
    let hash = row.code_hash.clone();
    let right = code.len() == 8
        && state
            .hasher
            .verify(code, Some(hash))
            .await
            .map_err(|busy| busy.page(&ctx.tenant.display_name))?;
    if !right {
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["passcode"])
            .inc();
        let left = MAX_ATTEMPTS - row.attempts - 1;
        let message = if left > 0 {
            format!("That passcode is not right. {left} tries left.")
        } else {
            "That passcode is not right, and it can no longer be used. Ask for a new one.".into()
        };
        return Ok(page_response(
            &state,
            &ctx,
            &req,
            &row,
            StatusCode::BAD_REQUEST,
            Some(message),
        ));
    }
    let (tenant_id, row_id) = (ctx.tenant.id.clone(), row.id.clone());
    if !state
        .db
        .write(move |c| store::passcodes::consume(c, &tenant_id, &row_id))
        .await?
    {
        return Err(PageError::new(
            StatusCode::GONE,
            &ctx.tenant.display_name,
            "Passcode already used",
            "This passcode was already used. Start again from your invitation link or the application.",
        ));
    }
    let identity = HomeIdentity {
        issuer: MAIL_IDP.into(),
        subject: row.email.clone(),
        email: Some(row.email.clone()),
        name: None,
        proof: Proof::Passcode,
    };
    let next = match purpose_of(&ctx, &row)? {
        For::Redeem { invitation_id } => Next::Redeem { invitation_id },
        For::SignIn { auth_request_id } => Next::SignIn { auth_request_id },
    };
    let mut clear = Cookie::build(COOKIE, "")
        .path(routes::tenant_path(&ctx.tenant.slug))
        .finish();
    clear.make_removal();
    callback::complete(&state, &ctx, next, &identity, clear).await
}

/// "Send a new code": to the same address, for the same purpose, throttled.
pub async fn post_resend(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ResendForm>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    // A used-up code may still be replaced, but only from the same browser.
    let (tenant_id, row_id) = (ctx.tenant.id.clone(), id.clone());
    let row = state
        .db
        .read(move |c| store::passcodes::find(c, &tenant_id, &row_id))
        .await?
        .filter(|row| {
            req.cookie(COOKIE)
                .is_some_and(|c| token_hash(c.value()) == row.browser_hash)
        })
        .ok_or_else(|| {
            PageError::new(
                StatusCode::GONE,
                &ctx.tenant.display_name,
                "Passcode expired",
                "Start again from your invitation link or the application.",
            )
        })?;
    let purpose = purpose_of(&ctx, &row)?;
    send(&state, &ctx, &req, &row.email, purpose).await
}

#[cfg(test)]
mod tests {
    use super::{PER_ADDRESS_PER_HOUR, PER_BROWSER_PER_HOUR, within_quota};

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
