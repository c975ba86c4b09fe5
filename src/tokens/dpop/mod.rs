//! DPoP (RFC 9449): checking a request's proof of possession, with the
//! server's nonces (§8) and the replay store (§11.1). The token endpoint
//! (`oidc/token/dpop.rs`) and every endpoint taking our access tokens
//! (`tokens/access.rs`) call [`Dpop::check`].

pub mod nonce;
pub mod proof;

use actix_web::HttpRequest;

use crate::domain::TenantId;
use crate::store::{Db, StoreError};
pub use nonce::NonceKey;
pub use proof::Proof;

/// The header a proof travels in (§4.1).
pub const HEADER: &str = "DPoP";
/// The header a server-chosen nonce travels in (§8.1).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// The operator's DPoP settings and the nonce key.
#[derive(Clone, Debug)]
pub struct Dpop {
    nonces: NonceKey,
    /// Whether the token endpoint demands a server nonce in every proof.
    pub nonce_at_token_endpoint: bool,
    /// How old (by `iat`) a proof may be, in seconds.
    pub max_age: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// `invalid_dpop_proof` (§4.3, §7.1).
    #[error("invalid DPoP proof: {0}")]
    Invalid(String),
    /// `use_dpop_nonce` (§8, §9): retry with the nonce given.
    #[error("a DPoP nonce is required: {0}")]
    UseNonce(String),
    #[error(transparent)]
    Store(StoreError),
}

/// What one check needs besides the proof.
pub struct Check<'a> {
    pub tenant: &'a TenantId,
    pub method: &'a str,
    pub url: &'a str,
    pub access_token: Option<&'a str>,
    /// The thumbprint of the key the token is bound to, which must have
    /// signed the proof (§4.3 step 12).
    pub bound_key: Option<&'a str>,
    pub nonce_required: bool,
}

impl Dpop {
    pub fn new(nonces: NonceKey, nonce_at_token_endpoint: bool, max_age: i64) -> Dpop {
        Dpop {
            nonces,
            nonce_at_token_endpoint,
            max_age,
        }
    }

    /// A fresh nonce for `tenant`, for the `DPoP-Nonce` header.
    pub fn nonce(&self, tenant: &TenantId) -> String {
        self.nonces.issue(tenant, chrono::Utc::now().timestamp())
    }

    /// Checks `token` (§4.3) and its key, its nonce when one is required
    /// (§8), and that it was not seen before (§11.1), which records it.
    pub async fn check(&self, db: &Db, token: &str, check: Check<'_>) -> Result<Proof, ProofError> {
        let now = chrono::Utc::now().timestamp();
        let expected = proof::Expected {
            method: check.method,
            url: check.url,
            access_token: check.access_token,
            max_age: self.max_age,
            now,
        };
        let proof = proof::check(token, &expected).map_err(ProofError::Invalid)?;
        if check.bound_key.is_some_and(|jkt| jkt != proof.jkt) {
            return Err(ProofError::Invalid(
                "proof signed by another key than the token's".into(),
            ));
        }
        if check.nonce_required {
            match proof.nonce.as_deref() {
                None => return Err(ProofError::UseNonce("no nonce in the proof".into())),
                Some(n) if !self.nonces.accepts(check.tenant, n, now) => {
                    return Err(ProofError::UseNonce("stale or foreign nonce".into()));
                }
                Some(_) => {}
            }
        }
        self.remember(db, check.tenant, &proof).await?;
        Ok(proof)
    }

    /// Records the proof until its `iat` falls out of the window; a proof
    /// seen before is a replay.
    async fn remember(&self, db: &Db, tenant: &TenantId, proof: &Proof) -> Result<(), ProofError> {
        let hash = crate::crypto::token_hash(&format!("{}\n{}", proof.jkt, proof.jti));
        let expires = chrono::DateTime::from_timestamp(proof.iat + self.max_age, 0)
            .map(|t| t.naive_utc())
            .ok_or_else(|| ProofError::Invalid("iat out of range".into()))?;
        let tenant = tenant.clone();
        let fresh = db
            .write(move |c| crate::store::dpop::remember(c, &tenant, &hash, expires))
            .await;
        match fresh {
            Ok(true) => Ok(()),
            Ok(false) | Err(StoreError::Conflict(_)) => {
                Err(ProofError::Invalid("proof replayed (jti seen)".into()))
            }
            Err(e) => Err(ProofError::Store(e)),
        }
    }
}

/// The one `DPoP` header of a request, if any; more than one, or one that
/// is not text, is an invalid proof (§4.3 step 1).
pub fn proof_header(req: &HttpRequest) -> Result<Option<&str>, ProofError> {
    let mut values = req.headers().get_all(HEADER);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ProofError::Invalid("more than one DPoP header".into()));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| ProofError::Invalid("DPoP header is not text".into()))
}

/// The URL of `req` as clients reach this server, for `htu`.
pub fn request_url(public_url: &str, req: &HttpRequest) -> String {
    format!("{public_url}{}", req.path())
}

/// The accepted algorithms (`algs` of the challenge, §7.1; discovery).
pub fn algorithm_names() -> Vec<&'static str> {
    proof::ALGORITHMS.iter().map(|(_, name)| *name).collect()
}
