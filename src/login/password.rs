//! The password step (step 2): throttled per account and per IP, argon2id,
//! one answer for every failure so it never tells whether an account exists.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{PasswordPage, tenant_page};
use super::{csrf, session};
use crate::crypto::{dummy_password_hash, verify_password};
use crate::domain::Email;
use crate::oidc::authorize::resume::load_request;
use crate::oidc::routes;
use crate::pages::{PageError, PageResult, render, see_other};
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
    let ctx = tenant_page(&state, &path).await?;
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
            back: format!("{base}{}?req={}", routes::LOGIN, auth_request.id),
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
    // In memory first (cheap, per replica), then the count every replica shares.
    let allowed = state
        .throttle
        .allow_attempt(&ctx.tenant.id, email.as_str(), ip)
        && state
            .db
            .write(move |c| store::attempts::count(c, &tenant_id, &account, limit))
            .await?;
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
    let password = form.password.clone();
    let verified = state
        .db
        .read(move |c| {
            let user = store::users::find_by_email(c, &tenant_id, &address)?;
            let stored = user.as_ref().and_then(|u| u.password_hash.clone());
            // Hash even for unknown users, so timing does not tell.
            let ok = verify_password(
                &password,
                stored.as_deref().unwrap_or(dummy_password_hash()),
            );
            Ok(user.filter(|_| ok && stored.is_some()))
        })
        .await?;
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
    let (_, cookie) = session::start(&state, &ctx, &user.id, "pwd").await?;
    let next = format!(
        "{base}{}?req={}",
        routes::AUTHORIZE_CONTINUE,
        auth_request.id
    );
    Ok(see_other(&next, vec![cookie]))
}
