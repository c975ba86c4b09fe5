//! One protocol error type (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core
//! §3.1.2.6): a fixed public description, a private detail that only reaches
//! the logs, and a JSON rendering for back-channel endpoints.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

pub use crate::domain::ErrorCode;

/// The HTTP status a back-channel endpoint answers a code with.
fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::UnknownTenant => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A protocol error with a private detail for the logs.
#[derive(Debug)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub detail: String,
    /// Set for bearer-token endpoints (RFC 6750 §3): the WWW-Authenticate scheme.
    pub bearer: bool,
    /// Set when the error is about a DPoP-bound token or its proof: the
    /// challenge is `DPoP` (RFC 9449 §7.1) instead of `Bearer`.
    pub dpop: bool,
    /// A fresh `DPoP-Nonce` to retry with (RFC 9449 §8.1).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            detail: detail.into(),
            bearer: false,
            dpop: false,
            dpop_nonce: None,
        }
    }

    pub fn bearer(mut self) -> OAuthError {
        self.bearer = true;
        self
    }

    /// Challenges with the `DPoP` scheme (RFC 9449 §7.1).
    pub fn dpop(mut self) -> OAuthError {
        self.bearer = true;
        self.dpop = true;
        self
    }

    pub fn with_dpop_nonce(mut self, nonce: String) -> OAuthError {
        self.dpop_nonce = Some(nonce);
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
        // A proof refused at a resource endpoint is 401 (RFC 9449 §7.1, §9);
        // at the token endpoint 400 (§5, §8).
        if self.bearer
            && matches!(
                self.code,
                ErrorCode::InvalidDpopProof | ErrorCode::UseDpopNonce
            )
        {
            return StatusCode::UNAUTHORIZED;
        }
        status(self.code)
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
            for value in self.challenges() {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    response.append_header((header::WWW_AUTHENTICATE, v));
                }
            }
        }
        if let Some(v) = self
            .dpop_nonce
            .as_deref()
            .and_then(|n| HeaderValue::from_str(n).ok())
        {
            response.insert_header((crate::tokens::dpop::NONCE_HEADER, v));
        }
        response.json(serde_json::json!({
            "error": self.code.as_str(),
            "error_description": self.code.description(),
        }))
    }
}

impl OAuthError {
    /// The WWW-Authenticate challenges of a resource endpoint: the error in
    /// the scheme it concerns, and the other scheme offered (RFC 9449 §7.1).
    fn challenges(&self) -> Vec<String> {
        let error = format!(
            r#"error="{}", error_description="{}""#,
            self.code.as_str(),
            self.code.description()
        );
        let algs = format!(
            r#"algs="{}""#,
            crate::tokens::dpop::algorithm_names().join(" ")
        );
        if self.dpop {
            vec![format!(r#"DPoP realm="portico", {error}, {algs}"#)]
        } else {
            vec![
                format!(r#"Bearer realm="portico", {error}"#),
                format!(r#"DPoP realm="portico", {algs}"#),
            ]
        }
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;
