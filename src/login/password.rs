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

#[derive(Deserialize)]
pub struct PasswordForm {
    req: String,
    csrf_token: String,
    email: String,
    password: String,
}

pub async fn post_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<PasswordForm>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let name = ctx.tenant.display_name.clone();
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&name));
    }
    let (auth_request, _client) = load_request(&state, &ctx, &form.req).await?;
    // A federated tenant never checks a password here, even one it still holds.
    if let Some(upstream) =
        crate::b2b::federation::upstream_instead(&state, &ctx, &auth_request).await
    {
        return upstream;
    }
    let base = routes::tenant_path(&ctx.tenant.slug);
    let email = Email::parse(&form.email).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            &name,
            "Sign-in failed",
            "Enter a valid email address.",
        )
    })?;
    let retry = |status: StatusCode, message: &str| {
        let page = PasswordPage {
            tenant_name: &name,
            action: format!("{base}{}", routes::LOGIN_PASSWORD),
            back: routes::request_step(&ctx.tenant.slug, routes::LOGIN, &auth_request.id),
            csrf_token: &form.csrf_token,
            req: &auth_request.id,
            email: email.as_str(),
            error: Some(message),
        };
        render(status, &page, Vec::new())
    };

    let ip = req.peer_addr().map(|a| a.ip());
    let (tenant_id, account, limit) = (
        ctx.tenant.id.clone(),
        email.as_str().to_owned(),
        i32::try_from(state.settings.throttling.per_account_per_minute).unwrap_or(i32::MAX),
    );
    // A browser the account signed in from before has its own limit, so a
    // stranger's guessing elsewhere cannot lock the owner out. Others: in
    // memory first (cheap, per replica), then the count every replica shares.
    let allowed = match device::recognised(&state, &ctx, &req, email.as_str()) {
        Some(known) => state.throttle.allow_device_attempt(&known, ip),
        None => {
            state
                .throttle
                .allow_attempt(&ctx.tenant.id, email.as_str(), ip)
                && state
                    .db
                    .write(move |c| store::attempts::count(c, &tenant_id, &account, limit))
                    .await?
        }
    };
    if !allowed {
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["throttled"])
            .inc();
        return Ok(retry(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a minute, then try again.",
        ));
    }

    let (tenant_id, address) = (ctx.tenant.id.clone(), email.as_str().to_owned());
    let user = state
        .db
        .read(move |c| store::users::find_by_email(c, &tenant_id, &address))
        .await?;
    // Hashed even for unknown users (so timing does not tell), on the bounded
    // pool and holding no database connection.
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let Ok(ok) = state.hasher.verify(form.password.clone(), stored).await else {
        state
            .metrics
            .sign_in_failures
            .with_label_values(&["busy"])
            .inc();
        let mut busy = retry(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::guard::hashing::BUSY_MESSAGE,
        );
        busy.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            crate::store::RETRY_AFTER_SECONDS.into(),
        );
        return Ok(busy);
    };
    let verified = user.filter(|u| ok && u.password_hash.is_some());
    let user = match verified {
        Some(user) if user.is_active() => user,
        Some(_) => {
            state
                .metrics
                .sign_in_failures
                .with_label_values(&["blocked"])
                .inc();
            return Ok(retry(
                StatusCode::FORBIDDEN,
                "Your account is blocked. Contact your administrator.",
            ));
        }
        None => {
            state
                .metrics
                .sign_in_failures
                .with_label_values(&["bad_credentials"])
                .inc();
            return Ok(retry(StatusCode::UNAUTHORIZED, "Wrong email or password."));
        }
    };
    // A user who must use a second factor gets a session that serves only
    // the second-factor step until they do.
    let (tenant_id, owing) = (ctx.tenant.id.clone(), user.clone());
    let owes = state
        .db
        .read(move |c| super::mfa::owes_second_factor(c, &tenant_id, &owing))
        .await?;
    let (cookie, page) = if owes {
        let (_, cookie) = session::start_incomplete(&state, &ctx, &user.id, "pwd").await?;
        (cookie, routes::LOGIN_MFA)
    } else {
        let (_, cookie) = session::start(&state, &ctx, &user.id, "pwd").await?;
        (cookie, routes::AUTHORIZE_CONTINUE)
    };
    let next = routes::request_step(&ctx.tenant.slug, page, &auth_request.id);
    let cookies = std::iter::once(cookie)
        .chain(device::issue(&state, &ctx, &user.email))
        .collect();
    Ok(see_other(&next, cookies))
}
