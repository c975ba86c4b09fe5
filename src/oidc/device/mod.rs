//! The device authorization endpoint (RFC 8628 §3.1–3.2): a device asks for
//! a device code (the secret it polls the token endpoint with, stored only
//! as a hash) and a user code for the person to type on `/device`.

pub mod approval;
pub mod page;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::client_auth;
use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::{random_token, token_hash};
use crate::domain::{DeviceStatus, GrantType, ScopeSet, UserCode};
use crate::routes;
use crate::state::AppState;
use crate::store::device_codes::{self, DeviceCode};
use crate::store::{StoreError, now};

#[derive(Debug, Default, Deserialize)]
pub struct DeviceAuthorizationForm {
    #[serde(flatten)]
    credentials: client_auth::ClientCredentials,
    scope: Option<String>,
}

/// RFC 8628 §3.2.
#[derive(Serialize)]
struct DeviceAuthorizationResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: i64,
    interval: i64,
}

/// POST /device_authorization: authenticates the client (public clients
/// by `client_id`), checks its grant and the scope, bounds what anonymous
/// callers may make the server keep, then stores and answers the codes.
pub async fn post_device_authorization(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<DeviceAuthorizationForm>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    let form = form.into_inner();
    let client = client_auth::authenticate(&state, &ctx, &req, &form.credentials).await?;
    if !client.allows(GrantType::DeviceCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("client {} may not use the device flow", client.client_id),
        ));
    }
    let scope = ScopeSet::parse(form.scope.as_deref().unwrap_or_default())
        .map_err(|e| OAuthError::new(ErrorCode::InvalidScope, e))?;
    let ip = req.peer_addr().map(|a| a.ip());
    if !state.throttle.allow_anonymous(ip) {
        return Err(busy("too many device codes asked for from this IP"));
    }
    let device_code = random_token();
    let created = now();
    let settings = &state.settings.device_flow;
    let row = DeviceCode {
        device_code_hash: token_hash(&device_code),
        tenant_id: ctx.tenant.id.to_string(),
        client_id: client.client_id.clone(),
        user_code: UserCode::generate().as_str().to_owned(),
        scope: scope.to_string(),
        client_ip: ip.map(|ip| ip.to_string()),
        status: DeviceStatus::Pending,
        interval_seconds: settings.poll_interval_seconds,
        last_polled_at: None,
        request_id: None,
        user_id: None,
        grant_id: None,
        auth_time: None,
        amr: None,
        created_at: created,
        expires_at: created + state.settings.lifetimes.device_code,
    };
    let (per_client, per_ip) = (settings.pending_per_client, settings.pending_per_ip);
    let tenant_id = ctx.tenant.id.clone();
    let user_code = state
        .db
        .write(move |c| {
            let (by_client, by_ip) = device_codes::count_pending(
                c,
                &tenant_id,
                &row.client_id,
                row.client_ip.as_deref(),
            )?;
            if by_client >= per_client || by_ip >= per_ip {
                return Ok(None);
            }
            device_codes::create(c, &row).map(Some)
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(what) => busy(what),
            other => other.into(),
        })?
        .ok_or_else(|| busy("too many pending device codes for this client or IP"))?;
    let verification_uri = format!("{}{}", ctx.issuer, routes::DEVICE);
    let mut complete = url::Url::parse(&verification_uri)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, e.to_string()))?;
    complete
        .query_pairs_mut()
        .append_pair("user_code", &user_code.to_string());
    let response = DeviceAuthorizationResponse {
        device_code,
        user_code: user_code.to_string(),
        verification_uri,
        verification_uri_complete: complete.to_string(),
        expires_in: state.settings.lifetimes.device_code.num_seconds(),
        interval: settings.poll_interval_seconds,
    };
    Ok(super::no_store(HttpResponse::Ok()).json(response))
}

/// Too many codes: try again later (503 with Retry-After).
fn busy(detail: &str) -> OAuthError {
    OAuthError::new(ErrorCode::TemporarilyUnavailable, detail)
}
