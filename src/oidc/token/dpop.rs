//! DPoP at the token endpoint (RFC 9449 §5): the request's proof, the
//! server nonce it must carry (§8), apps that must send one (§5.2), and
//! which refresh tokens are bound to its key (public clients', §5).

use actix_web::HttpRequest;

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::domain::ClientType;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;
use crate::tokens::dpop::{self, Check, ProofError};

/// The thumbprint of the request's checked proof key, or `None` without a
/// proof (refused for apps registered with `dpop_bound_access_tokens`).
pub async fn proof_key(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    client: &Client,
) -> OAuthResult<Option<String>> {
    let refused = |e: ProofError| refusal(state, ctx, e);
    let Some(token) = dpop::proof_header(req).map_err(refused)? else {
        if client.dpop_bound_access_tokens {
            return Err(refused(ProofError::Invalid(
                "the app must send DPoP proofs".into(),
            )));
        }
        return Ok(None);
    };
    // A public client is named, not authenticated: whoever knows its id can
    // make the server record proofs, so those writes share the per-IP
    // allowance of every other anonymous write.
    if client.client_type == ClientType::Public
        && !state
            .throttle
            .allow_anonymous(req.peer_addr().map(|a| a.ip()))
    {
        return Err(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "too many DPoP proofs from this IP",
        ));
    }
    let url = dpop::request_url(&state.settings.public_url, req);
    let check = Check {
        tenant: &ctx.tenant.id,
        method: req.method().as_str(),
        url: &url,
        access_token: None,
        bound_key: None,
        nonce_required: state.dpop.nonce_at_token_endpoint,
    };
    let proof = state
        .dpop
        .check(&state.db, token, check)
        .await
        .map_err(refused)?;
    Ok(Some(proof.jkt))
}

/// The nonce for the next proof, sent with every answer to a DPoP request
/// when nonces are demanded (§8.2).
pub fn next_nonce(state: &AppState, ctx: &TenantContext) -> Option<String> {
    state
        .dpop
        .nonce_at_token_endpoint
        .then(|| state.dpop.nonce(&ctx.tenant.id))
}

/// RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key;
/// a confidential client's are not (it authenticates when refreshing).
pub fn refresh_binding(client: &Client, jkt: Option<&str>) -> Option<String> {
    match client.client_type {
        crate::domain::ClientType::Public => jkt.map(str::to_owned),
        crate::domain::ClientType::Confidential => None,
    }
}

fn refusal(state: &AppState, ctx: &TenantContext, e: ProofError) -> OAuthError {
    let error = match e {
        ProofError::Invalid(detail) => OAuthError::new(ErrorCode::InvalidDpopProof, detail),
        ProofError::UseNonce(detail) => OAuthError::new(ErrorCode::UseDpopNonce, detail),
        ProofError::Store(e) => return e.into(),
    };
    match next_nonce(state, ctx) {
        Some(nonce) => error.with_dpop_nonce(nonce),
        None => error,
    }
}
