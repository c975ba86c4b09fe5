//! The user-code page (RFC 8628 §3.3): a person types the code their device
//! shows (or arrives with it from `verification_uri_complete` and confirms
//! it, §3.3.1 and §5.4), then goes through the tenant's usual sign-in and
//! consent as a pending authorization request bound to the device code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::browser::csrf;
use crate::domain::UserCode;
use crate::oidc::authorize::{AuthorizeError, resume};
use crate::pages::{PageError, PageResult, render, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::codes::{self, AuthRequest};
use crate::store::device_codes::{self, DeviceCode};
use crate::store::now;
use crate::tokens::TenantContext;

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage<'a> {
    tenant_name: &'a str,
    action: String,
    csrf_token: &'a str,
    user_code: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct DeviceQuery {
    user_code: Option<String>,
}

#[derive(Deserialize)]
pub struct DeviceForm {
    csrf_token: String,
    user_code: String,
}

const NOT_FOUND: &str =
    "That code is not valid or has expired. Check the code on your device and try again.";

/// GET /device[?user_code=…]: the form, prefilled when the device's link
/// carried the code; the person still confirms it.
pub async fn get_device(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<DeviceQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let prefilled = (query.user_code.as_deref())
        .and_then(UserCode::parse)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let (token, cookie) = csrf::token(
        &req,
        &routes::tenant_path(&ctx.tenant.slug),
        state.settings.secure_cookies(),
    );
    let page = form_page(&ctx, &token, &prefilled, None);
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

fn form_page<'a>(
    ctx: &'a TenantContext,
    csrf_token: &'a str,
    user_code: &'a str,
    error: Option<&'a str>,
) -> DevicePage<'a> {
    DevicePage {
        tenant_name: &ctx.tenant.display_name,
        action: format!(
            "{}{}",
            routes::tenant_path(&ctx.tenant.slug),
            routes::DEVICE
        ),
        csrf_token,
        user_code,
        error,
    }
}

/// POST /device: a typed code (throttled per IP, found or not) starts the
/// authorization pipeline for the device's client and scope.
pub async fn post_device(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<DeviceForm>,
) -> Result<HttpResponse, AuthorizeError> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name).into());
    }
    if !state
        .throttle
        .allow_user_code(req.peer_addr().map(|a| a.ip()))
    {
        return Err(too_many_codes(&ctx.tenant.display_name).into());
    }
    let device = match UserCode::parse(&form.user_code) {
        Some(code) => {
            let tenant_id = ctx.tenant.id.clone();
            state
                .db
                .read(move |c| device_codes::find_pending_by_user_code(c, &tenant_id, &code))
                .await?
        }
        None => None,
    };
    let Some(device) = device else {
        tracing::info!(tenant = %ctx.tenant.slug, "device page: unknown user code");
        let typed: String = form.user_code.chars().take(32).collect();
        let page = form_page(&ctx, &form.csrf_token, &typed, Some(NOT_FOUND));
        return Ok(render(StatusCode::BAD_REQUEST, &page, Vec::new()));
    };
    let client = state
        .tenants
        .client(&ctx.tenant.id, &device.client_id)
        .await?
        .ok_or_else(|| PageError::expired_request(&ctx.tenant.display_name))?;
    let ar = start(&state, &ctx, &device).await?;
    resume(&state, &ctx, &req, &ar, &client).await
}

/// A pending authorization request for the device's client and scope,
/// bound to the code (replacing one an earlier visit started, so one
/// person's journey completes it). It has no redirect URI: the pipeline
/// ends in [`super::approval`]. Consent is always asked (`prompt=consent`):
/// the person confirms the app on the device (§5.4).
async fn start(
    state: &AppState,
    ctx: &TenantContext,
    device: &DeviceCode,
) -> Result<AuthRequest, PageError> {
    let created = now();
    let ar = AuthRequest {
        id: crate::crypto::random_token(),
        tenant_id: ctx.tenant.id.to_string(),
        client_id: device.client_id.clone(),
        redirect_uri: String::new(),
        scope: device.scope.clone(),
        state: None,
        nonce: None,
        code_challenge: None,
        prompt: Some("consent".into()),
        max_age: None,
        login_hint: None,
        created_at: created,
        expires_at: device
            .expires_at
            .min(created + state.settings.lifetimes.auth_request),
        acr_values: None,
        // The device binds its tokens with its own proof at the token
        // endpoint; the browser has no key to name.
        dpop_jkt: None,
        // No redirect URI, so no response mode; no `claims` (RFC 8628 §3.1).
        response_mode: None,
        claims: None,
    };
    let (saved, tenant_id) = (ar.clone(), ctx.tenant.id.clone());
    let (hash, earlier) = (device.device_code_hash.clone(), device.request_id.clone());
    let bound = state
        .db
        .write(move |c| {
            if let Some(earlier) = earlier {
                codes::delete_request(c, &tenant_id, &earlier)?;
            }
            codes::save_request(c, &saved)?;
            device_codes::bind_request(c, &tenant_id, &hash, &saved.id)
        })
        .await?;
    if !bound {
        return Err(PageError::expired_request(&ctx.tenant.display_name));
    }
    Ok(ar)
}

fn too_many_codes(tenant_name: &str) -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        tenant_name,
        "Too many codes",
        "Too many codes were entered from your network in the last minute. Wait a minute and try again.",
    )
}
