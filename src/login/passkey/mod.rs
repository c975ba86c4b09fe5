//! Passkeys and security keys (WebAuthn Level 2, through webauthn-rs): the
//! relying party, the ceremony state kept server-side between a start and its
//! finish, and what a verified assertion adds to the session's `amr`
//! (RFC 8176: `hwk` or `swk`, `user`).
//!
//! The endpoints take and answer JSON. Each needs the page's CSRF token in
//! the `X-CSRF-Token` header (double-submit, as every form), a JSON content
//! type (so no cross-site form can post one), and a finish needs the
//! ceremony cookie its start set (SameSite=Strict, HttpOnly).

pub mod fragments;
pub mod manage;
pub mod signin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Serialize;
use webauthn_rs::prelude::{AuthenticationResult, Credential, Webauthn, WebauthnError};

use crate::browser::csrf;
use crate::crypto::{random_token, token_hash};
use crate::domain::AuthMethod;
use crate::pages::PageError;
use crate::state::AppState;
use crate::store::passkeys::Ceremony;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;

/// The cookie naming a pending ceremony.
pub const COOKIE: &str = "portico_passkey";
/// The header carrying the page's CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
pub use crate::state::{CEREMONY_LIFETIME, relying_party};

/// What the ceremony is for; stored as text with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SecondFactor,
    Passwordless,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SecondFactor => "second_factor",
            Purpose::Passwordless => "passwordless",
        }
    }
}

/// A refusal, answered as `{"error": message}` with its status.
#[derive(Debug)]
pub struct PasskeyError {
    pub status: StatusCode,
    pub message: String,
    /// For the logs only.
    pub detail: String,
}

impl PasskeyError {
    pub fn new(status: StatusCode, message: &str) -> PasskeyError {
        PasskeyError {
            status,
            message: message.to_owned(),
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> PasskeyError {
        self.detail = detail.into();
        self
    }

    pub fn unavailable() -> PasskeyError {
        PasskeyError::new(
            StatusCode::NOT_FOUND,
            "Passkeys are not available on this server (its public URL has no domain name).",
        )
    }

    pub fn expired() -> PasskeyError {
        PasskeyError::new(
            StatusCode::BAD_REQUEST,
            "This passkey request has expired or was already used. Try again.",
        )
    }

    /// The one answer for an assertion or attestation that does not verify.
    pub fn refused(e: &WebauthnError) -> PasskeyError {
        PasskeyError::new(
            StatusCode::UNAUTHORIZED,
            "The passkey could not be verified.",
        )
        .detail(e.to_string())
    }
}

impl std::fmt::Display for PasskeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.message, self.detail)
    }
}

impl ResponseError for PasskeyError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if !self.detail.is_empty() {
            tracing::info!(status = self.status.as_u16(), detail = %self.detail, "passkey refused");
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header(("Cache-Control", "no-store"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(("Retry-After", crate::store::RETRY_AFTER_SECONDS));
        }
        response.json(serde_json::json!({ "error": self.message }))
    }
}

impl From<StoreError> for PasskeyError {
    fn from(e: StoreError) -> PasskeyError {
        let page = PageError::from(e);
        PasskeyError::new(page.status, &page.message).detail(page.detail)
    }
}

impl From<PageError> for PasskeyError {
    fn from(page: PageError) -> PasskeyError {
        PasskeyError::new(page.status, &page.message).detail(page.detail)
    }
}

pub type PasskeyResult<T> = Result<T, PasskeyError>;

/// Malformed JSON gets the same `{"error": ..}` answer as every refusal.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| {
            PasskeyError::new(
                StatusCode::BAD_REQUEST,
                "The request is not valid JSON for this step.",
            )
            .detail(err.to_string())
            .into()
        })
}

/// The relying party and the tenant, after the CSRF header is checked.
pub async fn checked<'a>(
    state: &'a AppState,
    slug: &str,
    req: &HttpRequest,
) -> PasskeyResult<(&'a Webauthn, std::sync::Arc<TenantContext>)> {
    let ctx = crate::pages::tenant_page(&state.tenants, slug).await?;
    let token = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !csrf::verify(req, token) {
        return Err(PasskeyError::new(
            StatusCode::FORBIDDEN,
            "This page has expired. Reload it and try again.",
        ));
    }
    let webauthn = state
        .webauthn
        .as_ref()
        .ok_or_else(PasskeyError::unavailable)?;
    Ok((webauthn, ctx))
}

/// Stores a started ceremony; returns the cookie that names it.
pub async fn begin(
    state: &AppState,
    ctx: &TenantContext,
    purpose: Purpose,
    bound: Bound,
    ceremony_state: &impl Serialize,
) -> PasskeyResult<Cookie<'static>> {
    let token = random_token();
    let at = store::now();
    let ceremony = Ceremony {
        id_hash: token_hash(&token),
        tenant_id: ctx.tenant.id.as_str().to_owned(),
        purpose: purpose.as_str().to_owned(),
        user_id: bound.user_id,
        session_id: bound.session_id,
        auth_request_id: bound.auth_request_id,
        state: serde_json::to_string(ceremony_state)
            .map_err(|e| PasskeyError::from(PageError::server("Portico", e.to_string())))?,
        created_at: at,
        expires_at: at + chrono::TimeDelta::seconds(CEREMONY_LIFETIME.as_secs() as i64),
    };
    state
        .db
        .write(move |c| store::passkeys::begin(c, &ceremony))
        .await?;
    Ok(Cookie::build(COOKIE, token)
        .path(crate::routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(CEREMONY_LIFETIME.as_secs() as i64))
        .finish())
}

/// Stores a started ceremony and answers its options for the browser.
pub async fn started(
    state: &AppState,
    ctx: &TenantContext,
    purpose: Purpose,
    bound: Bound,
    ceremony_state: &impl Serialize,
    options: &impl Serialize,
) -> PasskeyResult<HttpResponse> {
    let cookie = begin(state, ctx, purpose, bound, ceremony_state).await?;
    Ok(json_with(&for_browser(options)?, vec![cookie]))
}

/// What a ceremony is bound to, checked again at its finish.
#[derive(Default)]
pub struct Bound {
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub auth_request_id: Option<String>,
}

/// Takes (once) the ceremony named by the request's cookie, if it is for
/// `purpose`, with its deserialized state.
pub async fn take<S: serde::de::DeserializeOwned>(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    purpose: Purpose,
) -> PasskeyResult<(Ceremony, S)> {
    let cookie = req.cookie(COOKIE).ok_or_else(PasskeyError::expired)?;
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(cookie.value()));
    let ceremony = state
        .db
        .write(move |c| store::passkeys::take(c, &tenant_id, &hash))
        .await?
        .filter(|c| c.purpose == purpose.as_str())
        .ok_or_else(PasskeyError::expired)?;
    let parsed = serde_json::from_str(&ceremony.state).map_err(|e| {
        PasskeyError::from(PageError::server("Portico", format!("ceremony state: {e}")))
    })?;
    Ok((ceremony, parsed))
}

/// A cookie that removes the ceremony cookie.
pub fn clear(state: &AppState, ctx: &TenantContext) -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "")
        .path(crate::routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// What a verified assertion proves (RFC 8176 §2): `hwk` for a credential
/// bound to its device, `swk` for one that may be synced (backup eligible),
/// and `user` when the authenticator verified the user.
pub fn methods_of(result: &AuthenticationResult) -> Vec<AuthMethod> {
    let key = if result.backup_eligible() {
        AuthMethod::Swk
    } else {
        AuthMethod::Hwk
    };
    let mut methods = vec![key];
    if result.user_verified() {
        methods.push(AuthMethod::User);
    }
    methods
}

/// A stored credential, read back.
pub fn credential(stored: &store::passkeys::PasskeyRow) -> PasskeyResult<Credential> {
    serde_json::from_str(&stored.credential).map_err(|e| {
        PasskeyError::from(PageError::server(
            "Portico",
            format!("stored passkey {}: {e}", stored.id),
        ))
    })
}

/// The credential as it is after `result` (its new signature counter and
/// backup state), to be stored.
pub fn after_use(credential: Credential, result: &AuthenticationResult) -> PasskeyResult<String> {
    let mut passkey = webauthn_rs::prelude::Passkey::from(credential);
    passkey.update_credential(result);
    serde_json::to_string(&Credential::from(passkey))
        .map_err(|e| PasskeyError::from(PageError::server("Portico", e.to_string())))
}

/// The column form of a credential id: base64url without padding.
pub fn credential_id(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Options as the browser gets them, adjusted for this server's policy:
/// discoverable credentials preferred (so a passkey can later sign in
/// without a name), no hint that only a security key will do, and a modal
/// prompt rather than the autofill (conditional) one; user verification
/// stays "preferred" for registration and a second factor.
pub fn for_browser(options: &impl Serialize) -> PasskeyResult<serde_json::Value> {
    let mut value = serde_json::to_value(options)
        .map_err(|e| PasskeyError::from(PageError::server("Portico", e.to_string())))?;
    if let Some(selection) = value.pointer_mut("/publicKey/authenticatorSelection")
        && let Some(selection) = selection.as_object_mut()
    {
        selection.insert("residentKey".into(), "preferred".into());
        selection.insert("requireResidentKey".into(), false.into());
    }
    if let Some(public_key) = value.get_mut("publicKey").and_then(|v| v.as_object_mut()) {
        public_key.remove("hints");
    }
    // credProtect level 2 (CTAP 2.1 §12.1): a discoverable passkey is found
    // without its id only after user verification; level 3 would demand
    // verification for every use, which browsers refuse next to "preferred".
    if let Some(policy) = value.pointer_mut("/publicKey/extensions/credentialProtectionPolicy") {
        *policy = "userVerificationOptionalWithCredentialIDList".into();
    }
    if let Some(root) = value.as_object_mut() {
        root.remove("mediation");
    }
    Ok(value)
}

/// A JSON answer that also sets or clears cookies.
pub fn json_with(body: &impl Serialize, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    for cookie in cookies {
        response.cookie(cookie);
    }
    response.json(body)
}
