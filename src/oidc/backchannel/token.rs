//! One Logout Token (Back-Channel Logout 1.0 §2.4), signed with the tenant's
//! key, and its POST as the `logout_token` form field (§2.5) through the
//! egress-guarded client.

use openidconnect::AsyncHttpClient;
use openidconnect::http::{Method, Request, header};

use super::Outcome;
use crate::b2b::egress::EgressClient;
use crate::domain::{BackchannelUri, TenantId};
use crate::state::AppState;
use crate::store::logout_outbox::LogoutMessage;
use crate::store::{self, apps::BackchannelLogout};
use crate::tokens::TenantContext;
use crate::tokens::claims::LogoutTokenClaims;

/// How long a Logout Token is valid: minutes, not hours (§2.4 asks for a
/// short `exp`); it is signed anew, with the same `jti`, on every attempt.
const LIFETIME_SECONDS: i64 = 120;

/// The JWT `typ` of Logout Tokens (§2.4), so one is never taken for an ID token.
pub const TYP: &str = "logout+jwt";

pub(super) async fn deliver(state: &AppState, message: &LogoutMessage) -> Outcome {
    let (ctx, registration) = match recipient(state, message).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Outcome::Dropped(
                "the tenant, the app or its back-channel logout URI is gone".into(),
            );
        }
        Err(e) => return Outcome::Failed(format!("lookup failed: {e}")),
    };
    let token = match sign(&ctx, message) {
        Ok(token) => token,
        Err(e) => return Outcome::Failed(format!("signing failed: {e}")),
    };
    match post(state, &registration.uri, &token).await {
        Ok(()) => Outcome::Delivered,
        Err(e) => Outcome::Failed(e),
    }
}

/// The tenant and the app's registration as they are now.
async fn recipient(
    state: &AppState,
    message: &LogoutMessage,
) -> anyhow::Result<Option<(std::sync::Arc<TenantContext>, BackchannelLogout)>> {
    let tenant_id = TenantId::from(message.tenant_id.clone());
    let lookup = tenant_id.clone();
    let Some(slug) = state
        .db
        .read(move |c| store::tenants::slug_of(c, &lookup))
        .await?
    else {
        return Ok(None);
    };
    let Some(ctx) = state.tenants.get(&slug).await? else {
        return Ok(None);
    };
    let client = state.tenants.client(&tenant_id, &message.client_id).await?;
    let registration = client.and_then(|c| c.backchannel_logout.clone());
    Ok(registration.map(|r| (ctx, r)))
}

fn sign(ctx: &TenantContext, message: &LogoutMessage) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = LogoutTokenClaims {
        iss: ctx.issuer.clone(),
        aud: message.client_id.clone(),
        iat: now,
        exp: now + LIFETIME_SECONDS,
        jti: message.id.clone(),
        events: LogoutTokenClaims::logout_event(),
        sub: Some(message.sub.clone()),
        sid: message.sid.clone(),
    };
    ctx.signing.sign(TYP, &claims)
}

/// POSTs the token (§2.5); any 2xx is success (§2.8 asks for 200).
async fn post(state: &AppState, uri: &BackchannelUri, token: &str) -> Result<(), String> {
    let settings = &state.settings;
    let client = EgressClient::new(
        &settings.egress,
        &settings.public_url,
        settings
            .upstream_connect_timeout
            .min(settings.logout_timeout),
        settings.logout_timeout,
    )
    .map_err(|e| format!("no HTTP client: {e}"))?
    .pinned(uri.as_str())
    .map_err(|e| format!("refused: {e}"))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("logout_token", token)
        .finish();
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri.as_str())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .map_err(|e| format!("bad request: {e}"))?;
    let response = client.call(request).await.map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the app answered {}", response.status()))
    }
}
