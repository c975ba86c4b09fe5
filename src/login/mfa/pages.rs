//! The second-factor step of sign-in (`/login/mfa?req=…`): reached with the
//! password proven (an incomplete session) or for step-up (a complete one);
//! a TOTP code or a recovery code completes the session, then the
//! authorization request carries on.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::check::{self, Checked, Which};
use crate::browser::csrf;
use crate::domain::Acr;
use crate::login::passkey::fragments::PasskeyMfaPrompt;
use crate::login::request::{RequestRef, load_request};
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::tokens::TenantContext;

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct MfaPage<'a> {
    tenant_name: &'a str,
    action: String,
    csrf_token: &'a str,
    req: &'a str,
    /// The email-first page of the same request ("use another account").
    back: String,
    error: Option<&'a str>,
    /// "Use a passkey", when the user has one here.
    passkey: Option<PasskeyMfaPrompt>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub req: String,
    pub csrf_token: String,
    pub code: String,
}

/// Where the authorization request carries on (and, without a session,
/// starts sign-in again).
pub(super) fn carry_on(ctx: &TenantContext, request_id: &str) -> HttpResponse {
    carry_on_with(ctx, request_id, Vec::new())
}

fn carry_on_with(
    ctx: &TenantContext,
    request_id: &str,
    cookies: Vec<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    let next = routes::request_step(&ctx.tenant.slug, routes::AUTHORIZE_CONTINUE, request_id);
    see_other(&next, cookies)
}

/// The answer to a refused code, as the page says it.
pub(super) fn refusal(checked: Checked) -> (StatusCode, &'static str) {
    match checked {
        Checked::Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many codes. Wait a minute, then try again.",
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            "That code is not right, or was already used.",
        ),
    }
}

/// Who is on a second-factor step: the tenant, the pending request, and the
/// session (complete or not) with its user.
pub(super) struct OnStep {
    pub(super) ctx: std::sync::Arc<TenantContext>,
    pub(super) request_id: String,
    pub(super) session: Session,
    pub(super) user: User,
}

/// The common start of the second-factor pages: the tenant, a valid CSRF
/// token (for forms), the pending request, and the signing-in user; or the
/// redirect that carries the request on (to sign in) when there is none.
pub(super) async fn on_step(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    request_id: &str,
    csrf_token: Option<&str>,
) -> PageResult<Result<OnStep, HttpResponse>> {
    let ctx = tenant_page(&state.tenants, slug).await?;
    if csrf_token.is_some_and(|token| !csrf::verify(req, token)) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let (auth_request, _) = load_request(state, &ctx, request_id).await?;
    Ok(match super::signing_in_user(state, &ctx, req).await? {
        Some((session, user)) => Ok(OnStep {
            ctx,
            request_id: auth_request.id,
            session,
            user,
        }),
        None => Err(carry_on(&ctx, &auth_request.id)),
    })
}

pub async fn get_mfa(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<RequestRef>,
) -> PageResult<HttpResponse> {
    let step = match on_step(&state, &path, &req, &query.req, None).await? {
        Ok(step) => step,
        Err(redirect) => return Ok(redirect),
    };
    let (ctx, request_id) = (&step.ctx, step.request_id.as_str());
    if super::reachable_of(&state, ctx, &step.user.id).await? == Acr::SingleFactor {
        let enrol = routes::request_step(&ctx.tenant.slug, routes::LOGIN_MFA_ENROL, request_id);
        return Ok(see_other(&enrol, Vec::new()));
    }
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let passkey =
        PasskeyMfaPrompt::for_user(&state, ctx, &step.user.id, &token, request_id).await?;
    let page = MfaPage {
        tenant_name: &ctx.tenant.display_name,
        action: format!("{base}{}", routes::LOGIN_MFA),
        csrf_token: &token,
        req: request_id,
        back: routes::request_step(&ctx.tenant.slug, routes::LOGIN, request_id),
        error: None,
        passkey,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

pub async fn post_mfa(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
) -> PageResult<HttpResponse> {
    let step = match on_step(&state, &path, &req, &form.req, Some(&form.csrf_token)).await? {
        Ok(step) => step,
        Err(redirect) => return Ok(redirect),
    };
    let (ctx, user) = (&step.ctx, &step.user);
    let checked = check::code(&state, ctx, &user.id, &form.code, Which::Confirmed).await?;
    let Some(methods) = checked.methods() else {
        let (status, message) = refusal(checked);
        let passkey =
            PasskeyMfaPrompt::for_user(&state, ctx, &user.id, &form.csrf_token, &step.request_id)
                .await?;
        let page = MfaPage {
            tenant_name: &ctx.tenant.display_name,
            action: format!(
                "{}{}",
                routes::tenant_path(&ctx.tenant.slug),
                routes::LOGIN_MFA
            ),
            csrf_token: &form.csrf_token,
            req: &step.request_id,
            back: routes::request_step(&ctx.tenant.slug, routes::LOGIN, &step.request_id),
            error: Some(message),
            passkey,
        };
        return Ok(render(status, &page, Vec::new()));
    };
    if checked == Checked::RecoveryCode {
        check::audit(
            &state,
            ctx,
            &user.email,
            crate::domain::AuditAction::RecoveryCodeUsed,
            &user.id,
        )
        .await?;
    }
    let cookie = super::complete(&state, ctx, &step.session, methods).await?;
    Ok(carry_on_with(ctx, &step.request_id, vec![cookie]))
}
