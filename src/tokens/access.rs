//! Validating this tenant's access tokens for its own resources (UserInfo,
//! introspection, admin API): signature, issuer, audience, `typ`, and that
//! nothing behind the token was revoked since it was issued; for a request
//! presenting one, its scheme and, for a DPoP-bound token, the proof of the
//! key (RFC 9449 §7).

use super::claims::AccessTokenClaims;
use super::context::{TenantContext, TenantDirectory};
use super::dpop::{self, Check, Dpop, ProofError};
use super::verify::{VerifyError, verify};
use crate::store::{self, Db, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Invalid(String),
    /// A DPoP-bound token presented without the `DPoP` scheme, or an
    /// unbound one with it (RFC 9449 §7.1): `invalid_token`, DPoP challenge.
    #[error("{0}")]
    Scheme(String),
    /// The DPoP proof is missing or wrong (§4.3, §7.1): `invalid_dpop_proof`.
    #[error("{0}")]
    Proof(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a request presents its access token (RFC 6750 §2.1, RFC 9449 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    Bearer(&'a str),
    Dpop(&'a str),
}

/// The access token of a request's `Authorization` header, if any.
pub fn presented_token(req: &actix_web::HttpRequest) -> Option<Presented<'_>> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(Presented::Bearer(token))
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Some(Presented::Dpop(token))
    } else {
        None
    }
}

/// What a resource endpoint knows of the request a token came with.
pub struct Request<'a> {
    pub http: &'a actix_web::HttpRequest,
    /// The request's URL as clients reach this server (`htu`).
    pub url: &'a str,
}

/// The claims of a live token presented with `request`: a bound token only
/// under the `DPoP` scheme with a proof of its key for this request and
/// token (`ath`), an unbound one only as a bearer token.
pub async fn authenticate(
    db: &Db,
    tenants: &TenantDirectory,
    ctx: &TenantContext,
    dpop: &Dpop,
    presented: Presented<'_>,
    request: Request<'_>,
) -> Result<AccessTokenClaims, AccessError> {
    let (Presented::Bearer(token) | Presented::Dpop(token)) = presented;
    let claims = validate(db, tenants, ctx, token).await?;
    let jkt = match (&claims.cnf, presented) {
        (None, Presented::Bearer(_)) => return Ok(claims),
        (Some(cnf), Presented::Dpop(_)) => cnf.jkt.clone(),
        (Some(_), Presented::Bearer(_)) => {
            return Err(AccessError::Scheme(
                "DPoP-bound token presented as a bearer token".into(),
            ));
        }
        (None, Presented::Dpop(_)) => {
            return Err(AccessError::Scheme("token is not DPoP-bound".into()));
        }
    };
    let proof = dpop::proof_header(request.http)
        .map_err(proof_error)?
        .ok_or_else(|| AccessError::Proof("no DPoP proof".into()))?;
    let check = Check {
        tenant: &ctx.tenant.id,
        method: request.http.method().as_str(),
        url: request.url,
        access_token: Some(token),
        bound_key: Some(&jkt),
        nonce_required: false,
    };
    dpop.check(db, proof, check).await.map_err(proof_error)?;
    Ok(claims)
}

fn proof_error(e: ProofError) -> AccessError {
    match e {
        ProofError::Invalid(d) | ProofError::UseNonce(d) => AccessError::Proof(d),
        ProofError::Store(e) => AccessError::Store(e),
    }
}

/// The claims of a live access token issued by `ctx`'s tenant.
pub async fn validate(
    db: &Db,
    tenants: &TenantDirectory,
    ctx: &TenantContext,
    token: &str,
) -> Result<AccessTokenClaims, AccessError> {
    let claims: AccessTokenClaims = match verify(ctx, token, Some("at+jwt")) {
        Ok(c) => c,
        Err(VerifyError::UnknownKey) => {
            // The key may have been rotated through another replica.
            let fresh = tenants
                .reload(&ctx.tenant.slug)
                .await?
                .ok_or_else(|| AccessError::Invalid("tenant vanished".into()))?;
            verify(&fresh, token, Some("at+jwt"))
                .map_err(|e| AccessError::Invalid(e.to_string()))?
        }
        Err(e) => return Err(AccessError::Invalid(e.to_string())),
    };
    if claims.aud != ctx.issuer || claims.tid != ctx.tenant.id.as_str() {
        return Err(AccessError::Invalid("token is for another audience".into()));
    }
    let tenant_id = ctx.tenant.id.clone();
    let (jti, gid, sub, client_id) = (
        claims.jti.clone(),
        claims.gid.clone(),
        claims.sub.clone(),
        claims.client_id.clone(),
    );
    let live = db
        .read(move |c| {
            if store::codes::access_token_revoked(c, &tenant_id, &jti)? {
                return Ok(false);
            }
            match gid {
                Some(gid) => Ok(store::codes::grant_is_live(c, &tenant_id, &gid)?
                    && store::users::find(c, &tenant_id, &sub)?.is_some_and(|u| u.is_usable())),
                None => Ok(store::apps::find(c, &tenant_id, &client_id)?.is_some()),
            }
        })
        .await?;
    if live {
        Ok(claims)
    } else {
        Err(AccessError::Invalid("token revoked".into()))
    }
}
