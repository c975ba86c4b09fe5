//! Enrolling a first factor during sign-in (`/login/mfa/enrol?req=…`), when
//! the policy or the app requires one and the user has none: a TOTP
//! authenticator confirmed by its first code, then the recovery codes,
//! shown once. Only a sign-in made within the window may enrol.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::check::{self, Checked, Enrolment, Which};
use super::pages::{CodeForm, carry_on, on_step, refusal};
use crate::browser::csrf;
use crate::login::passkey::fragments::PasskeyManager;
use crate::login::request::RequestRef;
use crate::pages::{PageResult, render, see_other};
use crate::routes;
use crate::state::AppState;
use crate::tokens::TenantContext;

#[derive(Template)]
#[template(path = "mfa_enrol.html")]
pub(super) struct EnrolPage<'a> {
    pub(super) tenant_name: &'a str,
    pub(super) reason: &'a str,
    pub(super) qr: &'a str,
    pub(super) secret: &'a str,
    pub(super) action: String,
    pub(super) csrf_token: &'a str,
    pub(super) req: Option<&'a str>,
    /// Where to go instead, and what the link says.
    pub(super) back: (String, &'static str),
    pub(super) error: Option<&'a str>,
    /// "Or add a passkey" during a sign-in's enrolment.
    pub(super) passkeys: Option<PasskeyManager>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(super) struct CodesPage<'a> {
    pub(super) tenant_name: &'a str,
    pub(super) codes: Vec<String>,
    pub(super) next: String,
}

const REASON: &str =
    "Your organization requires a second step when you sign in. Set it up now to continue.";

fn enrol_page<'a>(
    tenant_name: &'a str,
    slug: &str,
    enrolment: &'a Enrolment,
    csrf_token: &'a str,
    req: &'a str,
    error: Option<&'a str>,
    passkeys: PasskeyManager,
) -> EnrolPage<'a> {
    EnrolPage {
        tenant_name,
        reason: REASON,
        qr: &enrolment.qr,
        secret: &enrolment.secret,
        action: format!("{}{}", routes::tenant_path(slug), routes::LOGIN_MFA_ENROL),
        csrf_token,
        req: Some(req),
        back: (
            routes::request_step(slug, routes::LOGIN, req),
            "Use another account",
        ),
        error,
        passkeys: Some(passkeys),
    }
}

/// "Or add a passkey" on the enrolment page; a passkey added there brings
/// the browser back to this step, which then asks for it.
async fn enrol_passkeys(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    csrf_token: &str,
    request_id: &str,
) -> PageResult<PasskeyManager> {
    let back = routes::request_step(&ctx.tenant.slug, routes::LOGIN_MFA_ENROL, request_id);
    Ok(PasskeyManager::load(state, ctx, user_id, csrf_token)
        .await?
        .returning_to(&back))
}

pub async fn get_enrol(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<RequestRef>,
) -> PageResult<HttpResponse> {
    let step = match on_step(&state, &path, &req, &query.req, None).await? {
        Ok(step) if super::recent(&step.session) => step,
        Ok(step) => return Ok(carry_on(&step.ctx, &step.request_id)),
        Err(redirect) => return Ok(redirect),
    };
    let (ctx, user) = (&step.ctx, &step.user);
    let Some(enrolment) = check::enrolment(&state, ctx, &user.id, &user.email).await? else {
        // Already has a factor: use it.
        let mfa = routes::request_step(&ctx.tenant.slug, routes::LOGIN_MFA, &step.request_id);
        return Ok(see_other(&mfa, Vec::new()));
    };
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let passkeys = enrol_passkeys(&state, ctx, &user.id, &token, &step.request_id).await?;
    let page = enrol_page(
        &ctx.tenant.display_name,
        &ctx.tenant.slug,
        &enrolment,
        &token,
        &step.request_id,
        None,
        passkeys,
    );
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

pub async fn post_enrol(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
) -> PageResult<HttpResponse> {
    let step = match on_step(&state, &path, &req, &form.req, Some(&form.csrf_token)).await? {
        Ok(step) if super::recent(&step.session) => step,
        Ok(step) => return Ok(carry_on(&step.ctx, &step.request_id)),
        Err(redirect) => return Ok(redirect),
    };
    let (ctx, user) = (&step.ctx, &step.user);
    let checked = check::code(&state, ctx, &user.id, &form.code, Which::Enrolling).await?;
    if checked != Checked::Totp {
        let Some(enrolment) = check::enrolment(&state, ctx, &user.id, &user.email).await? else {
            return Ok(carry_on(ctx, &step.request_id));
        };
        let (status, message) = refusal(checked);
        let passkeys =
            enrol_passkeys(&state, ctx, &user.id, &form.csrf_token, &step.request_id).await?;
        let page = enrol_page(
            &ctx.tenant.display_name,
            &ctx.tenant.slug,
            &enrolment,
            &form.csrf_token,
            &step.request_id,
            Some(message),
            passkeys,
        );
        return Ok(render(status, &page, Vec::new()));
    }
    check::audit(
        &state,
        ctx,
        &user.email,
        crate::domain::AuditAction::TotpAdded,
        &user.id,
    )
    .await?;
    let codes = check::new_recovery_codes(
        &state,
        ctx,
        &user.id,
        &user.email,
        crate::domain::AuditAction::RecoveryCodesCreated,
    )
    .await?;
    let cookie = super::complete(
        &state,
        ctx,
        &step.session,
        &[crate::domain::AuthMethod::Otp],
    )
    .await?;
    let page = CodesPage {
        tenant_name: &ctx.tenant.display_name,
        codes,
        next: routes::request_step(
            &ctx.tenant.slug,
            routes::AUTHORIZE_CONTINUE,
            &step.request_id,
        ),
    };
    Ok(render(StatusCode::OK, &page, vec![cookie]))
}
