//! The email-first sign-in page (step 1): who are you?

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::passkey::fragments::PasskeySignIn;
use crate::browser::csrf;
use crate::domain::Email;
use crate::login::request::load_request;
use crate::pages::{PageError, PageResult, render};
use crate::routes;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login_email.html")]
struct EmailPage<'a> {
    tenant_name: &'a str,
    client_name: &'a str,
    action: String,
    csrf_token: &'a str,
    req: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    /// "Sign in with a passkey", when this server has passkeys.
    passkey: Option<super::passkey::fragments::PasskeySignIn>,
}

#[derive(Template)]
#[template(path = "login_password.html")]
pub struct PasswordPage<'a> {
    pub tenant_name: &'a str,
    pub action: String,
    pub back: String,
    pub csrf_token: &'a str,
    pub req: &'a str,
    pub email: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    req: String,
}

#[derive(Deserialize)]
pub struct EmailForm {
    req: String,
    csrf_token: String,
    email: String,
}

fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

use crate::pages::tenant_page;

pub async fn get_login(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let (auth_request, client) = load_request(&state, &ctx, &query.req).await?;
    if ctx.tenant.auth_mode.signs_in_upstream() && !state.throttle.allow_anonymous(client_ip(&req))
    {
        // Each visit would store another upstream round trip.
        return Err(crate::guard::throttle::busy(&ctx.tenant.display_name));
    }
    if let Some(upstream) =
        crate::b2b::federation::upstream_instead(&state, &ctx, &auth_request).await
    {
        return upstream;
    }
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let page = EmailPage {
        tenant_name: &ctx.tenant.display_name,
        client_name: &client.name,
        action: format!("{base}{}", routes::LOGIN),
        csrf_token: &token,
        req: &auth_request.id,
        email: auth_request.login_hint.as_deref().unwrap_or_default(),
        error: None,
        passkey: PasskeySignIn::new(&state, &ctx, &token, &auth_request.id),
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

/// Step 1 posted: members of this tenant continue to the password step.
pub async fn post_login(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<EmailForm>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let (auth_request, client) = load_request(&state, &ctx, &form.req).await?;
    // What follows may store a home round trip, mail a passcode or write an
    // audit row for someone nobody has authenticated: bounded per IP.
    if !state.throttle.allow_anonymous(client_ip(&req)) {
        return Err(crate::guard::throttle::busy(&ctx.tenant.display_name));
    }
    if let Some(upstream) =
        crate::b2b::federation::upstream_instead(&state, &ctx, &auth_request).await
    {
        return upstream;
    }
    let base = routes::tenant_path(&ctx.tenant.slug);
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(_) => {
            let page = EmailPage {
                tenant_name: &ctx.tenant.display_name,
                client_name: &client.name,
                action: format!("{base}{}", routes::LOGIN),
                csrf_token: &form.csrf_token,
                req: &auth_request.id,
                email: &form.email,
                error: Some("Enter a valid email address."),
                passkey: PasskeySignIn::new(&state, &ctx, &form.csrf_token, &auth_request.id),
            };
            return Ok(render(StatusCode::BAD_REQUEST, &page, Vec::new()));
        }
    };
    if let Some(response) =
        crate::b2b::guest_signin::route(&state, &ctx, &req, &auth_request, &email).await?
    {
        return Ok(response);
    }
    // Whether or not the account exists, the next step looks the same.
    let page = PasswordPage {
        tenant_name: &ctx.tenant.display_name,
        action: format!("{base}{}", routes::LOGIN_PASSWORD),
        back: routes::request_step(&ctx.tenant.slug, routes::LOGIN, &auth_request.id),
        csrf_token: &form.csrf_token,
        req: &auth_request.id,
        email: email.as_str(),
        error: None,
    };
    Ok(render(StatusCode::OK, &page, Vec::new()))
}
