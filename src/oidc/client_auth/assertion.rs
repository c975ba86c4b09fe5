//! Client assertions (RFC 7523 §2.2, §3; OIDC Core §9): a JWT the client
//! signs with its secret (`client_secret_jwt`, HS256) or its private key
//! (`private_key_jwt`, RS256, PS256 or ES256).
//!
//! Accepted: `iss` and `sub` both the client id; `aud` this tenant's issuer
//! or its token endpoint URL (a string, or an array holding one of them),
//! at every endpoint that authenticates clients; `exp` required and at most
//! [`MAX_LIFETIME`] ahead; `nbf` and `iat`, when present, not in the
//! future; `jti` required and used once ([`first_use`]). [`LEEWAY`] of
//! clock skew either way.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::crypto::token_hash;
use crate::domain::{TenantId, TokenAuthMethod};
use crate::oidc::error::{ErrorCode, OAuthError, OAuthResult};
use crate::state::AppState;

/// RFC 7523 §2.2.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest assertion read (a JWT with a 4096-bit RSA signature is
/// under 1 KiB).
const MAX_ASSERTION_BYTES: usize = 8 * 1024;

/// How far ahead an assertion may expire: assertions are made for one call.
pub const MAX_LIFETIME: i64 = 300;

/// Clock skew allowed, in seconds.
pub const LEEWAY: u64 = 30;

const MAX_JTI_LEN: usize = 256;

/// Signature algorithms accepted for each method.
pub const PRIVATE_KEY_ALGS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256];
pub const SECRET_ALGS: [Algorithm; 1] = [Algorithm::HS256];

fn invalid(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, detail)
}

/// An assertion as presented, before its signature is checked.
#[derive(Debug)]
pub struct Assertion {
    pub jwt: String,
    pub alg: Algorithm,
    pub kid: Option<String>,
    /// The client it claims to come from (`sub`, unverified until [`verify`]).
    pub subject: String,
}

#[derive(Deserialize)]
struct Subject {
    sub: Option<String>,
}

impl Assertion {
    /// Reads the header and the claimed subject; nothing is trusted yet.
    pub fn parse(assertion_type: &str, jwt: String) -> OAuthResult<Assertion> {
        if assertion_type != ASSERTION_TYPE {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
        }
        if jwt.len() > MAX_ASSERTION_BYTES {
            return Err(invalid("client assertion too long"));
        }
        let header =
            jsonwebtoken::decode_header(&jwt).map_err(|_| invalid("malformed client assertion"))?;
        if !PRIVATE_KEY_ALGS.contains(&header.alg) && !SECRET_ALGS.contains(&header.alg) {
            return Err(invalid(format!(
                "client assertion signed with {:?}",
                header.alg
            )));
        }
        let claims: Subject = jsonwebtoken::dangerous::insecure_decode_claims(&jwt)
            .map_err(|_| invalid("malformed client assertion"))?;
        let subject = claims
            .sub
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("client assertion without sub"))?;
        Ok(Assertion {
            alg: header.alg,
            kid: header.kid,
            jwt,
            subject,
        })
    }

    /// The method the signature algorithm stands for.
    pub fn method(&self) -> TokenAuthMethod {
        if SECRET_ALGS.contains(&self.alg) {
            TokenAuthMethod::ClientSecretJwt
        } else {
            TokenAuthMethod::PrivateKeyJwt
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    exp: i64,
    iat: Option<i64>,
    jti: Option<String>,
}

/// The `aud` values accepted: the issuer and the token endpoint URL.
pub fn audiences(issuer: &str) -> [String; 2] {
    [
        issuer.to_owned(),
        format!("{issuer}{}", crate::routes::TOKEN),
    ]
}

/// Checks the signature with `key` and the claims for `client_id`; answers
/// the `jti` and when the assertion expires.
pub fn verify(
    assertion: &Assertion,
    key: &DecodingKey,
    client_id: &str,
    issuer: &str,
) -> OAuthResult<(String, i64)> {
    let mut validation = Validation::new(assertion.alg);
    validation.set_audience(&audiences(issuer));
    validation.set_issuer(&[client_id]);
    validation.sub = Some(client_id.to_owned());
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.leeway = LEEWAY;
    validation.validate_nbf = true;
    let claims = jsonwebtoken::decode::<Claims>(&assertion.jwt, key, &validation)
        .map_err(|e| invalid(format!("client assertion refused: {e}")))?
        .claims;
    let now = chrono::Utc::now().timestamp();
    let leeway = LEEWAY as i64;
    if claims.exp > now + MAX_LIFETIME + leeway {
        return Err(invalid(format!(
            "client assertion expires more than {MAX_LIFETIME} s ahead"
        )));
    }
    if claims.iat.is_some_and(|iat| iat > now + leeway) {
        return Err(invalid("client assertion issued in the future"));
    }
    let jti = claims
        .jti
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
        .ok_or_else(|| invalid("client assertion without a usable jti"))?;
    Ok((jti, claims.exp))
}

/// Records the `jti` until the assertion expires; a second use is refused.
pub async fn first_use(
    state: &AppState,
    tenant_id: &TenantId,
    client_id: &str,
    jti: &str,
    exp: i64,
) -> OAuthResult<()> {
    let expires_at = chrono::DateTime::from_timestamp(exp + LEEWAY as i64, 0)
        .map(|d| d.naive_utc())
        .ok_or_else(|| invalid("client assertion exp out of range"))?;
    let (tenant_id, client_id, hash) = (tenant_id.clone(), client_id.to_owned(), token_hash(jti));
    let first = state
        .db
        .write(move |c| {
            crate::store::client_assertions::first_use(c, &tenant_id, &client_id, &hash, expires_at)
        })
        .await?;
    if !first {
        return Err(invalid("client assertion jti replayed"));
    }
    Ok(())
}
