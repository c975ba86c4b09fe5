//! How a device request ends (RFC 8628 §3.3): the authorization pipeline
//! signs the person in and asks for consent as for any request, then records
//! their approval or denial on the device code instead of redirecting, and
//! tells them to return to their device. Both are audited.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::domain::{AuditAction, DeviceStatus, UserCode};
use crate::pages::{PageError, render};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, AuthRequest};
use crate::store::device_codes::{self, Approval, DeviceCode};
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::store::{StoreError, StoreResult};
use crate::tokens::TenantContext;

#[derive(Template)]
#[template(path = "device_done.html")]
struct DonePage<'a> {
    tenant_name: &'a str,
    title: &'a str,
    message: &'a str,
}

/// The device code a request works for: `None` for a request with a
/// redirect URI (the code flow); the expired page when the code is gone.
pub async fn for_request(
    state: &AppState,
    ctx: &TenantContext,
    ar: &AuthRequest,
) -> Result<Option<DeviceCode>, PageError> {
    // Device requests are the ones without a redirect URI (`page::start`).
    if !ar.redirect_uri.is_empty() {
        return Ok(None);
    }
    let (tenant_id, request_id) = (ctx.tenant.id.clone(), ar.id.clone());
    state
        .db
        .read(move |c| device_codes::find_by_request(c, &tenant_id, &request_id))
        .await?
        .map(Some)
        .ok_or_else(|| PageError::expired_request(&ctx.tenant.display_name))
}

/// The user code as shown on the device (`XXXX-XXXX`).
pub fn shown_code(device: &DeviceCode) -> String {
    UserCode::parse(&device.user_code).map_or_else(|| device.user_code.clone(), |c| c.to_string())
}

/// The person approved: a grant for this session, recorded on the code
/// (which the device then redeems once); the request is used up.
pub async fn approve(
    state: &AppState,
    ctx: &TenantContext,
    (ar, device): (&AuthRequest, &DeviceCode),
    client: &Client,
    (session, user): (&Session, &User),
) -> Result<HttpResponse, PageError> {
    let (tenant_id, request_id, hash) = (
        ctx.tenant.id.clone(),
        ar.id.clone(),
        device.device_code_hash.clone(),
    );
    let (client_id, user_id, session_id, auth_time, amr) = (
        client.client_id.clone(),
        user.id.clone(),
        session.id.clone(),
        session.auth_time,
        session.amr.clone(),
    );
    let approved = state
        .db
        .write(move |c| -> StoreResult<()> {
            if !codes::delete_request(c, &tenant_id, &request_id)? {
                return Err(StoreError::Conflict("request already completed"));
            }
            // The device endpoint takes no `claims` parameter (RFC 8628 §3.1).
            let claims = None;
            let session = Some(session_id.as_str());
            let grant_id =
                codes::create_grant(c, &tenant_id, &client_id, &user_id, session, claims)?;
            let approval = Approval {
                user_id: &user_id,
                grant_id: &grant_id,
                auth_time,
                amr: &amr,
            };
            // A code decided or expired meanwhile rolls the grant back.
            if !device_codes::approve(c, &tenant_id, &hash, &approval)? {
                return Err(StoreError::Conflict("device code no longer pending"));
            }
            Ok(())
        })
        .await;
    match approved {
        Err(StoreError::Conflict(_)) => {
            return Err(PageError::expired_request(&ctx.tenant.display_name));
        }
        other => other?,
    }
    let code = shown_code(device);
    (state.db)
        .audit(
            &ctx.tenant.id,
            &user.email,
            AuditAction::DeviceApproved,
            Some(&client.client_id),
            Some(&code),
        )
        .await?;
    let message = format!("{} on your device is now signed in.", client.name);
    Ok(done(ctx, StatusCode::OK, "Device connected", &message))
}

/// Why a device is refused: who decided, the detail for the audit, and
/// what the person is told.
pub struct Denial<'a> {
    pub actor: &'a str,
    pub why: &'a str,
    pub message: &'a str,
}

/// The person denied (or may not use the app): the device hears
/// `access_denied` at its next poll; the request is used up.
pub async fn deny(
    state: &AppState,
    ctx: &TenantContext,
    (ar, device): (&AuthRequest, &DeviceCode),
    denial: Denial<'_>,
) -> Result<HttpResponse, PageError> {
    let (tenant_id, request_id, hash) = (
        ctx.tenant.id.clone(),
        ar.id.clone(),
        device.device_code_hash.clone(),
    );
    let denied = state
        .db
        .write(move |c| {
            codes::delete_request(c, &tenant_id, &request_id)?;
            let (pending, denied) = (DeviceStatus::Pending, DeviceStatus::Denied);
            device_codes::transition(c, &tenant_id, &hash, pending, denied)
        })
        .await?;
    if !denied {
        return Err(PageError::expired_request(&ctx.tenant.display_name));
    }
    let detail = format!("{}: {}", shown_code(device), denial.why);
    (state.db)
        .audit(
            &ctx.tenant.id,
            denial.actor,
            AuditAction::DeviceDenied,
            Some(&device.client_id),
            Some(&detail),
        )
        .await?;
    Ok(done(
        ctx,
        StatusCode::OK,
        "Device not connected",
        denial.message,
    ))
}

fn done(ctx: &TenantContext, status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let page = DonePage {
        tenant_name: &ctx.tenant.display_name,
        title,
        message,
    };
    render(status, &page, Vec::new())
}
