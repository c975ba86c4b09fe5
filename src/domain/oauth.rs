//! OAuth 2.0 and OpenID Connect error codes (RFC 6749 §4.1.2.1, §5.2; RFC
//! 6750 §3.1; RFC 8707 §2; RFC 8628 §3.5; OIDC Core §3.1.2.6), with the fixed
//! public wording of each. How they are answered is in `oidc/error.rs`.

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
    /// RFC 9449 §5, §7.1: the DPoP proof is missing, malformed or wrong.
    InvalidDpopProof,
    /// RFC 9449 §8, §9: retry with the server's `DPoP-Nonce`.
    UseDpopNonce,
    ServerError,
    TemporarilyUnavailable,
    /// RFC 8628 §3.5: the person has not yet approved or denied the device.
    AuthorizationPending,
    /// RFC 8628 §3.5: polling too fast; the interval grows by 5 seconds.
    SlowDown,
    /// RFC 8628 §3.5: the device code expired before it was approved.
    ExpiredToken,
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
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
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
            ErrorCode::InvalidDpopProof => "The DPoP proof is missing or invalid.",
            ErrorCode::UseDpopNonce => "The DPoP proof must carry the nonce the server gave.",
            ErrorCode::ServerError => "The server could not complete the request.",
            ErrorCode::TemporarilyUnavailable => "The server is temporarily unavailable.",
            ErrorCode::AuthorizationPending => "The user has not yet approved the device.",
            ErrorCode::SlowDown => "Polling too fast: wait 5 seconds longer between requests.",
            ErrorCode::ExpiredToken => "The device code has expired.",
            ErrorCode::UnknownTenant => "No such tenant.",
        }
    }
}
