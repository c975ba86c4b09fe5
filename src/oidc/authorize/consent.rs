//! The consent page (OIDC Core §3.1.2.4): what the app may do, allow or deny.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{AuthorizeError, resume};
use crate::browser::{csrf, session};
use crate::domain::ErrorCode;
use crate::domain::Scope;
use crate::login::request::load_request;
use crate::oidc::device::approval::{self, Denial};
use crate::pages::tenant_page;
use crate::pages::{PageError, PageResult, render, see_other};
use crate::routes;
use crate::state::AppState;
use crate::store;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    tenant_name: &'a str,
    client_name: &'a str,
    user_email: &'a str,
    scopes: Vec<&'static str>,
    /// For a device request (RFC 8628 §5.4): the code the device shows.
    device_user_code: Option<String>,
    action: String,
    csrf_token: &'a str,
    req: &'a str,
}

#[derive(Deserialize)]
pub struct ConsentQuery {
    req: String,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    req: String,
    csrf_token: String,
    decision: String,
}

fn describe(scope: Scope) -> &'static str {
    match scope {
        Scope::OpenId => "Sign you in",
        Scope::Profile => "See your name",
        Scope::Email => "See your email address",
        Scope::OfflineAccess => "Keep access when you are not using it",
    }
}

pub async fn get_consent(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<ConsentQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let (auth_request, client) = load_request(&state, &ctx, &query.req).await?;
    let base = routes::tenant_path(&ctx.tenant.slug);
    let Some(sess) = session::current(&state, &ctx, &req).await? else {
        return Ok(see_other(
            &routes::request_step(&ctx.tenant.slug, routes::LOGIN, &auth_request.id),
            Vec::new(),
        ));
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &user_id))
        .await?
        .ok_or_else(|| PageError::expired_request(&ctx.tenant.display_name))?;
    let device = approval::for_request(&state, &ctx, &auth_request).await?;
    // The claims asked for by name show as the scopes that carry them.
    let scope = super::resume::consented_scope(&auth_request).unwrap_or_default();
    let (token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let page = ConsentPage {
        tenant_name: &ctx.tenant.display_name,
        client_name: &client.name,
        user_email: &user.email,
        scopes: scope.iter().map(describe).collect(),
        device_user_code: device.as_ref().map(approval::shown_code),
        action: format!("{base}{}", routes::CONSENT),
        csrf_token: &token,
        req: &auth_request.id,
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

pub async fn post_consent(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<ConsentForm>,
) -> Result<HttpResponse, AuthorizeError> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name).into());
    }
    let (auth_request, client) = load_request(&state, &ctx, &form.req).await?;
    let Some(sess) = session::current(&state, &ctx, &req).await? else {
        return Ok(see_other(
            &routes::request_step(&ctx.tenant.slug, routes::LOGIN, &auth_request.id),
            Vec::new(),
        ));
    };
    if form.decision != "allow" {
        if let Some(device) = approval::for_request(&state, &ctx, &auth_request).await? {
            let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
            let user = (state.db)
                .read(move |c| store::users::find(c, &tenant_id, &user_id))
                .await?;
            let denial = Denial {
                actor: user.as_ref().map_or("unknown", |u| u.email.as_str()),
                why: "the user denied consent",
                message: "You denied the device access.",
            };
            return Ok(approval::deny(&state, &ctx, (&auth_request, &device), denial).await?);
        }
        let (tenant_id, id) = (ctx.tenant.id.clone(), auth_request.id.clone());
        state
            .db
            .write(move |c| store::codes::delete_request(c, &tenant_id, &id))
            .await?;
        return Err(AuthorizeError::to_client(
            &super::resume::return_to(&ctx, &auth_request)?,
            ErrorCode::AccessDenied,
            "user denied consent",
            &ctx.tenant.display_name,
        ));
    }
    let scope = super::resume::consented_scope(&auth_request)
        .map_err(|e| PageError::server(&ctx.tenant.display_name, e))?
        .to_string();
    let (tenant_id, user_id, client_id) = (
        ctx.tenant.id.clone(),
        sess.user_id.clone(),
        client.client_id.clone(),
    );
    state
        .db
        .write(move |c| store::codes::save_consent(c, &tenant_id, &user_id, &client_id, &scope))
        .await?;
    resume(&state, &ctx, &req, &auth_request, &client).await
}
