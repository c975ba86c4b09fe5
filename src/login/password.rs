//! The password step (step 2): throttled per account (or, for a browser the
//! account signed in from before, per device) and per IP; argon2id on the
//! bounded hashing pool; one answer for every failure so it never tells
//! whether an account exists.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::device;
use super::pages::PasswordPage;
use crate::browser::{csrf, session};
use crate::domain::Email;
use crate::login::request::load_request;
use crate::pages::tenant_page;
use crate::pages::{PageError, PageResult, render, see_other};
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::store::codes::AuthRequest;
use crate::store::users::User;
use crate::tokens::TenantContext;

#[derive(Deserialize)]
pub struct PasswordForm {
    req: String,
    csrf_token: String,
    email: String,
    password: String,
}

/// POST the password step: checks, throttles, verifies, then starts the
/// session (complete, or owing the second factor).
pub async fn post_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<PasswordForm>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let (auth_request, _client) = load_request(&state, &ctx, &form.req).await?;
    // A federated tenant never checks a password here, even one it still holds.
    if let Some(upstream) =
        crate::b2b::federation::upstream_instead(&state, &ctx, &auth_request).await
    {
        return upstream;
    }
    let attempt = Attempt {
        email: parse_email(&ctx, &form.email)?,
        state: &state,
        ctx: &ctx,
        req: &req,
        form: &form,
        auth_request: &auth_request,
    };
    if !attempt.allowed().await? {
        return Ok(attempt.refuse(
            "throttled",
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a minute, then try again.",
        ));
    }
    let user = match attempt.verify().await? {
        Ok(user) => user,
        Err(page) => return Ok(page),
    };
    attempt.start_session(&user).await
}

/// The address typed on the form, or a clear error page.
fn parse_email(ctx: &TenantContext, typed: &str) -> PageResult<Email> {
    Email::parse(typed).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            &ctx.tenant.display_name,
            "Sign-in failed",
            "Enter a valid email address.",
        )
    })
}

/// One password attempt, with what every step needs.
struct Attempt<'a> {
    state: &'a AppState,
    ctx: &'a TenantContext,
    req: &'a HttpRequest,
    form: &'a PasswordForm,
    auth_request: &'a AuthRequest,
    email: Email,
}

impl Attempt<'_> {
    /// The password page again, with `message` and `status`.
    fn retry(&self, status: StatusCode, message: &str) -> HttpResponse {
        let slug = &self.ctx.tenant.slug;
        let page = PasswordPage {
            tenant_name: &self.ctx.tenant.display_name,
            action: format!("{}{}", routes::tenant_path(slug), routes::LOGIN_PASSWORD),
            back: routes::request_step(slug, routes::LOGIN, &self.auth_request.id),
            csrf_token: &self.form.csrf_token,
            req: &self.auth_request.id,
            email: self.email.as_str(),
            error: Some(message),
        };
        render(status, &page, Vec::new())
    }

    /// A failed sign-in, counted under `reason`, answered with the page again.
    fn refuse(&self, reason: &str, status: StatusCode, message: &str) -> HttpResponse {
        self.state
            .metrics
            .sign_in_failures
            .with_label_values(&[reason])
            .inc();
        self.retry(status, message)
    }

    /// Whether this attempt is within the limits. A browser the account
    /// signed in from before has its own limit, so a stranger's guessing
    /// elsewhere cannot lock the owner out. Others: in memory first (cheap,
    /// per replica), then the count every replica shares.
    async fn allowed(&self) -> PageResult<bool> {
        let (state, ctx, email) = (self.state, self.ctx, self.email.as_str());
        let ip = self.req.peer_addr().map(|a| a.ip());
        if let Some(known) = device::recognised(state, ctx, self.req, email) {
            return Ok(state.throttle.allow_device_attempt(&known, ip));
        }
        if !state.throttle.allow_attempt(&ctx.tenant.id, email, ip) {
            return Ok(false);
        }
        let (tenant_id, account, limit) = (
            ctx.tenant.id.clone(),
            email.to_owned(),
            i32::try_from(state.settings.throttling.per_account_per_minute).unwrap_or(i32::MAX),
        );
        Ok(state
            .db
            .write(move |c| store::attempts::count(c, &tenant_id, &account, limit))
            .await?)
    }

    /// The active account whose password this is; else the page to answer
    /// with, one answer for an unknown account and a wrong password.
    async fn verify(&self) -> PageResult<Result<User, HttpResponse>> {
        let (tenant_id, email) = (&self.ctx.tenant.id, self.email.as_str());
        let user = self.state.db.user_by_email(tenant_id, email).await?;
        // Hashed even for unknown users (so timing does not tell), on the
        // bounded pool and holding no database connection.
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let Ok(ok) = self
            .state
            .hasher
            .verify(self.form.password.clone(), stored)
            .await
        else {
            return Ok(Err(self.busy()));
        };
        Ok(match user.filter(|u| ok && u.password_hash.is_some()) {
            Some(user) if user.is_active() => Ok(user),
            Some(_) => Err(self.refuse(
                "blocked",
                StatusCode::FORBIDDEN,
                "Your account is blocked. Contact your administrator.",
            )),
            None => Err(self.refuse(
                "bad_credentials",
                StatusCode::UNAUTHORIZED,
                "Wrong email or password.",
            )),
        })
    }

    /// The hashing pool is full: try again shortly (503 with Retry-After).
    fn busy(&self) -> HttpResponse {
        let mut busy = self.refuse(
            "busy",
            StatusCode::SERVICE_UNAVAILABLE,
            crate::guard::hashing::BUSY_MESSAGE,
        );
        busy.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            crate::store::RETRY_AFTER_SECONDS.into(),
        );
        busy
    }

    /// Signs `user` in and sends them on. A user who must use a second
    /// factor gets a session that serves only the second-factor step until
    /// they do.
    async fn start_session(&self, user: &User) -> PageResult<HttpResponse> {
        let (state, ctx) = (self.state, self.ctx);
        let (tenant_id, owing) = (ctx.tenant.id.clone(), user.clone());
        let owes = state
            .db
            .read(move |c| super::mfa::owes_second_factor(c, &tenant_id, &owing))
            .await?;
        let (cookie, page) = if owes {
            let (_, cookie) = session::start_incomplete(state, ctx, &user.id, "pwd").await?;
            (cookie, routes::LOGIN_MFA)
        } else {
            let (_, cookie) = session::start(state, ctx, &user.id, "pwd").await?;
            (cookie, routes::AUTHORIZE_CONTINUE)
        };
        let next = routes::request_step(&ctx.tenant.slug, page, &self.auth_request.id);
        let cookies = std::iter::once(cookie)
            .chain(device::issue(state, ctx, &user.email))
            .collect();
        Ok(see_other(&next, cookies))
    }
}
