//! Verifying tokens this tenant issued: signature by a published key (never
//! `alg: none`), issuer, expiry, and the JWT `typ` (RFC 9068 §4).

use serde::de::DeserializeOwned;

use super::context::TenantContext;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("unknown key id")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// Verifies a compact JWS signed by `ctx`'s tenant and returns its claims.
/// `typ`, when given, must match the header (`at+jwt` for access tokens).
pub fn verify<T: DeserializeOwned>(
    ctx: &TenantContext,
    token: &str,
    typ: Option<&str>,
) -> Result<T, VerifyError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let kid = header.kid.as_deref().ok_or(VerifyError::UnknownKey)?;
    let key = ctx.verification_key(kid).ok_or(VerifyError::UnknownKey)?;
    if header.alg != key.alg.jwt_alg() {
        return Err(VerifyError::Invalid(
            "algorithm does not match the key".into(),
        ));
    }
    if let Some(expected) = typ
        && !header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case(expected)
                || t.eq_ignore_ascii_case(&format!("application/{expected}"))
        })
    {
        return Err(VerifyError::Invalid("wrong token type".into()));
    }
    let mut validation = jsonwebtoken::Validation::new(key.alg.jwt_alg());
    validation.set_issuer(&[&ctx.issuer]);
    validation.validate_aud = false;
    validation.leeway = 5;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    jsonwebtoken::decode::<T>(token, &key.key, &validation)
        .map(|data| data.claims)
        .map_err(|e| VerifyError::Invalid(e.to_string()))
}
