//! The authorization endpoint (RFC 6749 §4.1.1; OIDC Core §3.1.2). Until the
//! client and redirect URI are verified, errors are rendered as a page; after,
//! they go back to the client with `error`, `state` and `iss` (RFC 9207), in
//! the request's response mode (`response.rs`).

mod acr;
pub mod consent;
pub mod pushed;
mod request;
mod response;
pub mod resume;

pub use resume::{get_continue, resume};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ErrorCode;
use crate::domain::{ResponseMode, ReturnTo};
use crate::pages::PageError;
use crate::state::AppState;
use crate::store::codes::AuthRequest;
use crate::store::{self, now};

/// An /authorize failure: a page before the redirect URI is trusted, an
/// error response to the client after.
#[derive(Debug)]
pub enum AuthorizeError {
    Page(Box<PageError>),
    Redirect {
        back: Box<ReturnTo>,
        code: ErrorCode,
        detail: String,
        /// The tenant's name, for the page that posts a `form_post` error.
        tenant_name: String,
    },
}

impl AuthorizeError {
    /// An error response for the client, `detail` for the logs only.
    pub fn to_client(
        back: &ReturnTo,
        code: ErrorCode,
        detail: impl Into<String>,
        tenant_name: &str,
    ) -> AuthorizeError {
        AuthorizeError::Redirect {
            back: Box::new(back.clone()),
            code,
            detail: detail.into(),
            tenant_name: tenant_name.to_owned(),
        }
    }
}

impl From<PageError> for AuthorizeError {
    fn from(e: PageError) -> Self {
        AuthorizeError::Page(Box::new(e))
    }
}

impl From<store::StoreError> for AuthorizeError {
    fn from(e: store::StoreError) -> Self {
        AuthorizeError::Page(Box::new(e.into()))
    }
}

impl std::fmt::Display for AuthorizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthorizeError::Page(p) => p.fmt(f),
            AuthorizeError::Redirect { code, detail, .. } => {
                write!(f, "{}: {detail}", code.as_str())
            }
        }
    }
}

impl actix_web::ResponseError for AuthorizeError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthorizeError::Page(p) => p.status,
            AuthorizeError::Redirect { back, .. } => match back.mode {
                ResponseMode::Query => StatusCode::SEE_OTHER,
                ResponseMode::FormPost => StatusCode::OK,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AuthorizeError::Page(p) => p.error_response(),
            AuthorizeError::Redirect {
                back,
                code,
                detail,
                tenant_name,
            } => {
                tracing::info!(error = code.as_str(), detail = %detail, "authorization error");
                response::deliver(&back.error(*code), tenant_name)
            }
        }
    }
}

pub type AuthorizeResult<T> = Result<T, AuthorizeError>;

/// GET /authorize: parameters in the query (§3.1.2.1).
pub async fn get_authorize(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> AuthorizeResult<HttpResponse> {
    authorize(&state, &path, &req, req.query_string().as_bytes()).await
}

/// POST /authorize: parameters form-encoded in the body (§3.1.2.1).
pub async fn post_authorize(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> AuthorizeResult<HttpResponse> {
    authorize(&state, &path, &req, &body).await
}

async fn authorize(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    params: &[u8],
) -> AuthorizeResult<HttpResponse> {
    let ctx = state
        .tenants
        .get(slug)
        .await?
        .ok_or_else(PageError::not_found)?;
    let resolved = pushed::resolve(state, &ctx, params).await?;
    let valid = request::validate(state, &ctx, &resolved.params).await?;
    if valid.client.require_pushed_authorization_requests && !resolved.pushed {
        return Err(AuthorizeError::to_client(
            &valid.back,
            ErrorCode::InvalidRequest,
            "this app must push its authorization requests (RFC 9126 §6)",
            &ctx.tenant.display_name,
        ));
    }
    // Each request is stored until it completes or expires, whoever sent it:
    // bounded per IP (the size of each by `request::validate`).
    if !state
        .throttle
        .allow_anonymous(req.peer_addr().map(|a| a.ip()))
    {
        return Err(AuthorizeError::to_client(
            &valid.back,
            ErrorCode::TemporarilyUnavailable,
            "too many authorization requests from this IP",
            &ctx.tenant.display_name,
        ));
    }
    let created = now();
    let auth_request = AuthRequest {
        id: crate::crypto::random_token(),
        tenant_id: ctx.tenant.id.to_string(),
        client_id: valid.client.client_id.clone(),
        redirect_uri: valid.back.redirect_uri.as_str().to_owned(),
        scope: valid.scope.to_string(),
        state: valid.back.state.clone(),
        nonce: valid.nonce,
        code_challenge: valid.challenge.map(|c| c.as_str().to_owned()),
        prompt: Some(valid.prompt.to_string()).filter(|p| !p.is_empty()),
        max_age: valid.max_age,
        login_hint: valid.login_hint,
        acr_values: valid.acr.map(|a| a.as_str().to_owned()),
        dpop_jkt: valid.dpop_jkt,
        response_mode: Some(valid.back.mode.to_string()),
        claims: valid.claims.to_stored(),
        created_at: created,
        expires_at: created + state.settings.lifetimes.auth_request,
    };
    let saved = auth_request.clone();
    state
        .db
        .write(move |c| store::codes::save_request(c, &saved))
        .await?;
    resume(state, &ctx, req, &auth_request, &valid.client).await
}
