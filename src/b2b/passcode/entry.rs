//! Entering a passcode: bound to the browser that asked, five guesses, used
//! once; a right code proves the address and hands on to redemption or
//! sign-in.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{COOKIE, For, MAX_ATTEMPTS, purpose_of, send};
use crate::b2b::callback::{self, Next};
use crate::b2b::home::{HomeIdentity, MAIL_IDP, Proof};
use crate::browser::csrf;
use crate::crypto::token_hash;
use crate::pages::{PageError, PageResult, render, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::passcodes::Passcode;
use crate::store::{self, now};
use crate::tokens::TenantContext;

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

/// POST a code: counted, checked on the hashing pool, used once, then the
/// address is proved and redemption or sign-in carries on.
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
    count_attempt(&state, &ctx, &row).await?;
    if !is_right(&state, &ctx, &row, &form.code).await? {
        return Ok(wrong_code(&state, &ctx, &req, &row));
    }
    consume(&state, &ctx, &row).await?;
    prove_address(&state, &ctx, &row).await
}

/// Counts one guess; a code out of guesses can no longer be used.
async fn count_attempt(state: &AppState, ctx: &TenantContext, row: &Passcode) -> PageResult<()> {
    let (tenant_id, row_id) = (ctx.tenant.id.clone(), row.id.clone());
    let counted = state
        .db
        .write(move |c| store::passcodes::count_attempt(c, &tenant_id, &row_id, MAX_ATTEMPTS))
        .await?;
    if counted {
        return Ok(());
    }
    count_failure(state);
    Err(PageError::new(
        StatusCode::GONE,
        &ctx.tenant.display_name,
        "Too many tries",
        "This passcode can no longer be used. Ask for a new one from your invitation link or the application.",
    ))
}

fn count_failure(state: &AppState) {
    state
        .metrics
        .sign_in_failures
        .with_label_values(&["passcode"])
        .inc();
}

/// Whether `typed` (digits only, eight of them) is the code, checked on the
/// bounded hashing pool.
async fn is_right(
    state: &AppState,
    ctx: &TenantContext,
    row: &Passcode,
    typed: &str,
) -> PageResult<bool> {
    let code: String = typed.chars().filter(|c| c.is_ascii_digit()).collect();
    let hash = row.code_hash.clone();
    Ok(code.len() == 8
        && state
            .hasher
            .verify(code, Some(hash))
            .await
            .map_err(|busy| busy.page(&ctx.tenant.display_name))?)
}

/// The page again, saying how many guesses are left.
fn wrong_code(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    row: &Passcode,
) -> HttpResponse {
    count_failure(state);
    let left = MAX_ATTEMPTS - row.attempts - 1;
    let message = if left > 0 {
        format!("That passcode is not right. {left} tries left.")
    } else {
        "That passcode is not right, and it can no longer be used. Ask for a new one.".into()
    };
    page_response(state, ctx, req, row, StatusCode::BAD_REQUEST, Some(message))
}

/// Uses the code up; two right answers at once get one use.
async fn consume(state: &AppState, ctx: &TenantContext, row: &Passcode) -> PageResult<()> {
    let (tenant_id, row_id) = (ctx.tenant.id.clone(), row.id.clone());
    if state
        .db
        .write(move |c| store::passcodes::consume(c, &tenant_id, &row_id))
        .await?
    {
        return Ok(());
    }
    Err(PageError::new(
        StatusCode::GONE,
        &ctx.tenant.display_name,
        "Passcode already used",
        "This passcode was already used. Start again from your invitation link or the application.",
    ))
}

/// The address is proved: on to redemption or sign-in, the browser's
/// passcode cookie cleared.
async fn prove_address(
    state: &AppState,
    ctx: &TenantContext,
    row: &Passcode,
) -> PageResult<HttpResponse> {
    let identity = HomeIdentity {
        issuer: MAIL_IDP.into(),
        subject: row.email.clone(),
        email: Some(row.email.clone()),
        name: None,
        proof: Proof::Passcode,
    };
    let next = match purpose_of(ctx, row)? {
        For::Redeem { invitation_id } => Next::Redeem { invitation_id },
        For::SignIn { auth_request_id } => Next::SignIn { auth_request_id },
    };
    let mut clear = Cookie::build(COOKIE, "")
        .path(routes::tenant_path(&ctx.tenant.slug))
        .finish();
    clear.make_removal();
    callback::complete(state, ctx, next, &identity, clear).await
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
