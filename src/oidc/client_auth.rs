//! Client authentication at every endpoint that authenticates clients
//! (token, introspection, revocation): client_secret_basic and
//! client_secret_post (RFC 6749 §2.3.1), client_secret_jwt and
//! private_key_jwt (OIDC Core §9, RFC 7523 §2.2 and §3), or `none` for
//! public clients (RFC 7591 §2). A client uses the method it registered.

mod assertion;
pub mod keys;

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub use assertion::{ASSERTION_TYPE, MAX_LIFETIME, PRIVATE_KEY_ALGS, SECRET_ALGS};

use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::token_hash;
use crate::domain::{ClientType, TokenAuthMethod};
use crate::state::AppState;
use crate::store::apps::{Client, secret_context};
use crate::tokens::TenantContext;
use assertion::Assertion;

/// The client authentication parameters of a form (flattened into each
/// endpoint's form).
#[derive(Debug, Default, Deserialize)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<String>,
}

/// How the client proves itself, as presented.
enum Proof {
    Basic(String),
    Post(String),
    Assertion(Assertion),
    Nothing,
}

impl Proof {
    fn method(&self) -> TokenAuthMethod {
        match self {
            Proof::Basic(_) => TokenAuthMethod::ClientSecretBasic,
            Proof::Post(_) => TokenAuthMethod::ClientSecretPost,
            Proof::Assertion(a) => a.method(),
            Proof::Nothing => TokenAuthMethod::None,
        }
    }
}

fn invalid(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, detail)
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
fn form_decode(s: &str) -> Option<String> {
    let spaced = s.replace('+', "%20");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The `Authorization: Basic` credentials, if the request has them.
fn basic(req: &HttpRequest) -> OAuthResult<Option<(String, String)>> {
    let encoded = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| rest.trim().to_owned())
        });
    let Some(encoded) = encoded else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| invalid("malformed basic credentials"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid("malformed basic credentials"))?;
    let id = form_decode(id).ok_or_else(|| invalid("malformed client id"))?;
    let secret = form_decode(secret).ok_or_else(|| invalid("malformed secret"))?;
    Ok(Some((id, secret)))
}

/// The client id and its proof; more than one method is `invalid_request`
/// (RFC 6749 §2.3), as is a client id that differs between the places it
/// is given.
fn presented(req: &HttpRequest, form: &ClientCredentials) -> OAuthResult<(String, Proof)> {
    let basic = basic(req)?;
    let assertion = match (&form.client_assertion_type, &form.client_assertion) {
        (None, None) => None,
        (Some(t), Some(jwt)) => Some(Assertion::parse(t, jwt.clone())?),
        _ => {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "client_assertion and client_assertion_type go together",
            ));
        }
    };
    let methods =
        basic.is_some() as u8 + form.client_secret.is_some() as u8 + assertion.is_some() as u8;
    if methods > 1 {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            "more than one client authentication method",
        ));
    }
    let (id, proof) = if let Some((id, secret)) = basic {
        (id, Proof::Basic(secret))
    } else if let Some(assertion) = assertion {
        (assertion.subject.clone(), Proof::Assertion(assertion))
    } else {
        let id = form
            .client_id
            .clone()
            .ok_or_else(|| invalid("no client authentication"))?;
        match &form.client_secret {
            Some(secret) => (id, Proof::Post(secret.clone())),
            None => (id, Proof::Nothing),
        }
    };
    if form.client_id.as_ref().is_some_and(|f| *f != id) {
        return Err(invalid("client_id differs from the authenticated client"));
    }
    Ok((id, proof))
}

/// Authenticates the calling client of this tenant. Every failure is the same
/// `invalid_client`, so responses never reveal whether a client exists.
pub async fn authenticate(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    form: &ClientCredentials,
) -> OAuthResult<Arc<Client>> {
    let (client_id, proof) = presented(req, form)?;
    let Some(client) = state.tenants.client(&ctx.tenant.id, &client_id).await? else {
        return Err(invalid(format!("unknown client {client_id}")));
    };
    let method = proof.method();
    if !method.allowed_for(client.auth.method, client.client_type) {
        return Err(invalid(format!(
            "client registered {}, used {method}",
            client
                .auth
                .method
                .map_or("a secret or none", TokenAuthMethod::as_str)
        )));
    }
    match proof {
        Proof::Basic(secret) | Proof::Post(secret) => check_secret(&client, &secret)?,
        Proof::Assertion(assertion) => check_assertion(state, ctx, &client, &assertion).await?,
        Proof::Nothing => {}
    }
    Ok(client)
}

fn check_secret(client: &Client, secret: &str) -> OAuthResult<()> {
    let Some(stored) = &client.secret_hash else {
        return Err(invalid("client without a secret"));
    };
    let ok: bool = token_hash(secret)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into();
    if ok {
        Ok(())
    } else {
        Err(invalid("wrong client secret"))
    }
}

/// Verifies a client assertion with the client's key or sealed secret,
/// then spends its `jti`.
async fn check_assertion(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    assertion: &Assertion,
) -> OAuthResult<()> {
    let key = match assertion.method() {
        TokenAuthMethod::ClientSecretJwt => secret_key(state, client)?,
        _ => private_key_jwt_key(state, ctx, client, assertion).await?,
    };
    let (jti, exp) = assertion::verify(assertion, &key, &client.client_id, &ctx.issuer)?;
    assertion::first_use(state, &ctx.tenant.id, &client.client_id, &jti, exp).await
}

/// The client secret, opened with the server key (`client_secret_jwt`).
fn secret_key(state: &AppState, client: &Client) -> OAuthResult<DecodingKey> {
    let (Some(sealer), Some(sealed)) = (&state.settings.sealer, &client.auth.secret_sealed) else {
        return Err(invalid("client_secret_jwt client without a sealed secret"));
    };
    let secret = sealer
        .open(
            &secret_context(&client.tenant_id, &client.client_id),
            sealed,
        )
        .map_err(|e| invalid(format!("client secret not opened: {e}")))?;
    Ok(DecodingKey::from_secret(secret.as_bytes()))
}

/// The registered key the assertion names; keys from a `jwks_uri` are
/// fetched once more (rate-limited) when the key id is unknown.
async fn private_key_jwt_key(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    assertion: &Assertion,
) -> OAuthResult<DecodingKey> {
    let kid = assertion.kid.as_deref();
    let (jwks, just_fetched) = keys::client_keys(state, &ctx.tenant.id, client, false).await?;
    if let Some(key) = keys::select(&jwks, assertion.alg, kid) {
        return Ok(key);
    }
    if client.auth.jwks_uri.is_some() && !just_fetched {
        let (jwks, _) = keys::client_keys(state, &ctx.tenant.id, client, true).await?;
        if let Some(key) = keys::select(&jwks, assertion.alg, kid) {
            return Ok(key);
        }
    }
    Err(invalid(format!(
        "no registered key fits the assertion (kid {kid:?}, {:?})",
        assertion.alg
    )))
}

/// Like [`authenticate`], but only confidential clients pass (introspection).
pub async fn authenticate_confidential(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    form: &ClientCredentials,
) -> OAuthResult<Arc<Client>> {
    let client = authenticate(state, ctx, req, form).await?;
    if client.client_type != ClientType::Confidential {
        return Err(invalid("public clients cannot use this endpoint"));
    }
    Ok(client)
}
