//! One protocol error type (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core
//! §3.1.2.6): a fixed public description, a private detail that only reaches
//! the logs, and a JSON rendering for back-channel endpoints.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    InvalidToken,
    InsufficientScope,
    UnsupportedTokenType,
    /// RFC 8707 §2: the `resource` is not one this server issues tokens for.
    InvalidTarget,
    /// OpenID Connect Core §3.1.2.6 (errata 2): the requested authentication
    /// (e.g. a second factor) cannot be met without the user, or at all.
    UnmetAuthenticationRequirements,
    ServerError,
    TemporarilyUnavailable,
    /// Not an RFC code: the tenant in the path does not exist (404, `invalid_request`).
    UnknownTenant,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::UnknownTenant => "invalid_request",
        }
    }

    /// Fixed public wording: never names a client, user or internal cause.
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "The request is missing a parameter or is malformed.",
            ErrorCode::InvalidClient => "Client authentication failed.",
            ErrorCode::InvalidGrant => {
                "The grant is invalid, expired, revoked, or was issued to another client."
            }
            ErrorCode::UnauthorizedClient => "The client may not use this grant type.",
            ErrorCode::UnsupportedGrantType => "The grant type is not supported.",
            ErrorCode::UnsupportedResponseType => "Only response_type=code is supported.",
            ErrorCode::InvalidScope => "The requested scope is invalid or unknown.",
            ErrorCode::AccessDenied => "The request was denied.",
            ErrorCode::LoginRequired => "The user must sign in.",
            ErrorCode::ConsentRequired => "The user must consent.",
            ErrorCode::InteractionRequired => "The user must interact with the sign-in page.",
            ErrorCode::InvalidToken => "The access token is invalid, expired or revoked.",
            ErrorCode::InsufficientScope => "The access token lacks the required scope.",
            ErrorCode::UnsupportedTokenType => "The token type is not supported.",
            ErrorCode::InvalidTarget => "The requested resource is not valid here.",
            ErrorCode::UnmetAuthenticationRequirements => {
                "The authentication the request requires could not be performed."
            }
            ErrorCode::ServerError => "The server could not complete the request.",
            ErrorCode::TemporarilyUnavailable => "The server is temporarily unavailable.",
            ErrorCode::UnknownTenant => "No such tenant.",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::UnknownTenant => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A protocol error with a private detail for the logs.
#[derive(Debug)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub detail: String,
    /// Set for bearer-token endpoints (RFC 6750 §3): the WWW-Authenticate scheme.
    pub bearer: bool,
}

impl OAuthError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            detail: detail.into(),
            bearer: false,
        }
    }

    pub fn bearer(mut self) -> OAuthError {
        self.bearer = true;
        self
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl From<crate::store::StoreError> for OAuthError {
    fn from(e: crate::store::StoreError) -> OAuthError {
        let code = if e.is_unavailable() {
            ErrorCode::TemporarilyUnavailable
        } else {
            ErrorCode::ServerError
        };
        OAuthError::new(code, e.to_string())
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        tracing::info!(error = self.code.as_str(), detail = %self.detail, "protocol error");
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.code == ErrorCode::TemporarilyUnavailable {
            response.insert_header((
                header::RETRY_AFTER,
                crate::store::RETRY_AFTER_SECONDS.to_string(),
            ));
        }
        if self.code == ErrorCode::InvalidClient && !self.bearer {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="portico""#));
        }
        if self.bearer {
            let value = format!(
                r#"Bearer realm="portico", error="{}", error_description="{}""#,
                self.code.as_str(),
                self.code.description()
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.insert_header((header::WWW_AUTHENTICATE, v));
            }
        }
        response.json(serde_json::json!({
            "error": self.code.as_str(),
            "error_description": self.code.description(),
        }))
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;
