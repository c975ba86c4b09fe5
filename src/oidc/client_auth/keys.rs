//! A `private_key_jwt` client's keys (OIDC Core §9, §10.1.1): registered
//! inline, or fetched from its `jwks_uri` under the operator's egress rules
//! (`b2b/egress/`: address classes, pinned to the URI's origin, no
//! redirects, timeouts, capped answers), cached for a bounded time and
//! fetched again, rate-limited, when the assertion names an unknown `kid`.

use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::b2b::egress::EgressClient;
use crate::domain::TenantId;
use crate::oidc::error::{ErrorCode, OAuthError, OAuthResult};
use crate::state::AppState;
use crate::store::apps::Client;

/// The most keys a client's set may hold.
pub const MAX_KEYS: usize = 50;

fn invalid(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, detail)
}

/// The key of `jwks` that verifies a signature by `alg` with key id `kid`:
/// the key with that id, or, without one, the only key that fits.
pub fn select(jwks: &JwkSet, alg: Algorithm, kid: Option<&str>) -> Option<DecodingKey> {
    let mut fitting = jwks
        .keys
        .iter()
        .filter(|k| kid.is_none() || k.common.key_id.as_deref() == kid)
        .filter(|k| fits(k, alg));
    let key = fitting.next()?;
    if kid.is_none() && fitting.next().is_some() {
        return None;
    }
    DecodingKey::from_jwk(key).ok()
}

/// Whether `key` is a public signing key of the right type for `alg`.
fn fits(key: &Jwk, alg: Algorithm) -> bool {
    let for_signing = matches!(
        key.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    );
    let alg_matches = key
        .common
        .key_algorithm
        .is_none_or(|ka| ka.to_string() == format!("{alg:?}"));
    let type_matches = match (&key.algorithm, alg) {
        (AlgorithmParameters::RSA(_), Algorithm::RS256 | Algorithm::PS256) => true,
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        _ => false,
    };
    for_signing && alg_matches && type_matches
}

/// Checks a key set given at registration: parseable, bounded, and only
/// public keys (a private or symmetric key does not belong there).
pub fn check_registered(text: &str) -> Result<JwkSet, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("jwks is not JSON: {e}"))?;
    let keys = value
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("jwks must be a JSON Web Key Set ({\"keys\": [...]})")?;
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(format!("jwks must hold 1 to {MAX_KEYS} keys"));
    }
    if keys
        .iter()
        .any(|k| k.get("d").is_some() || k.get("k").is_some())
    {
        return Err("jwks must hold public keys only (no \"d\" or \"k\")".into());
    }
    serde_json::from_value(value).map_err(|e| format!("jwks: {e}"))
}

/// The client's keys, and whether they were fetched just now. `refresh`:
/// the cached ones lacked the key id the assertion names, so fetch again
/// if the rate limit allows.
pub async fn client_keys(
    state: &AppState,
    tenant_id: &TenantId,
    client: &Client,
    refresh: bool,
) -> OAuthResult<(Arc<JwkSet>, bool)> {
    if let Some(jwks) = &client.auth.jwks {
        return Ok((jwks.clone(), false));
    }
    let Some(uri) = &client.auth.jwks_uri else {
        return Err(invalid("private_key_jwt client without registered keys"));
    };
    let cache = &state.client_keys;
    let cached = cache.lookup(tenant_id, &client.client_id, uri.as_str());
    if let Some(keys) = &cached
        && !refresh
    {
        return Ok((keys.clone(), false));
    }
    if !cache.start_fetch(tenant_id, &client.client_id, uri.as_str(), refresh) {
        return cached
            .map(|keys| (keys, false))
            .ok_or_else(|| invalid("client keys unavailable (fetched too recently)"));
    }
    let keys = Arc::new(fetch(state, uri).await.map_err(|why| {
        tracing::warn!(client_id = %client.client_id, jwks_uri = %uri, reason = %why, "client keys not fetched");
        invalid(format!("client keys not fetched: {why}"))
    })?);
    cache.store(tenant_id, &client.client_id, uri.as_str(), keys.clone());
    Ok((keys, true))
}

/// One GET of `uri` through an egress client pinned to its origin.
async fn fetch(state: &AppState, uri: &url::Url) -> Result<JwkSet, String> {
    let settings = &state.settings;
    let http = EgressClient::new(
        &settings.egress,
        &settings.public_url,
        settings.upstream_connect_timeout,
        settings.upstream_timeout,
    )
    .map_err(|e| e.to_string())?
    .pinned(uri.as_str())
    .map_err(|e| e.to_string())?;
    let request = openidconnect::http::Request::builder()
        .method(openidconnect::http::Method::GET)
        .uri(uri.as_str())
        .header(openidconnect::http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let response = openidconnect::AsyncHttpClient::call(&http, request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != openidconnect::http::StatusCode::OK {
        return Err(format!("status {}", response.status()));
    }
    let text = std::str::from_utf8(response.body()).map_err(|_| "answer is not UTF-8")?;
    check_registered(text)
}
