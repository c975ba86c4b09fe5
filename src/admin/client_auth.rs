//! Registering how an app authenticates (issue 13): its
//! `token_endpoint_auth_method` and, for `private_key_jwt`, its keys inline
//! (`jwks`) or by reference (`jwks_uri`); and whether it must push its
//! authorization requests (RFC 9126 §6). The same on the API and the CLI;
//! audited.
//!
//! `client_secret_jwt` needs the secret itself to check an HMAC, not only
//! its hash: registering that method issues a new secret (shown once), kept
//! hashed as always and also sealed with the server key (AES-256-GCM,
//! `crypto::Sealer`, bound to the tenant and client id), as identity
//! providers' client secrets are. Any other method drops the sealed copy.

use url::Url;

use crate::crypto::{Sealer, random_token, token_hash};
use crate::domain::egress::EgressPolicy;
use crate::domain::{AuditAction, TenantId, TokenAuthMethod};
use crate::oidc::client_auth::keys::check_registered;
use crate::store::apps::{AuthRegistration, Client, secret_context};
use crate::store::{self, DbConn, StoreError};

/// How an app is to authenticate, as submitted.
#[derive(Clone, Debug)]
pub struct ClientAuthSpec {
    pub method: TokenAuthMethod,
    /// A JSON Web Key Set (text).
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("no such app")]
    NoApp,
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The checked `jwks_uri`: https (http only on loopback), no fragment, an
/// address the operator's egress policy lets the server call.
fn check_jwks_uri(uri: &str, policy: &EgressPolicy) -> Result<String, String> {
    let url = Url::parse(uri.trim()).map_err(|_| format!("jwks_uri {uri:?} is not a URL"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback))
        || url.fragment().is_some()
    {
        return Err(
            "jwks_uri must be an https URL without fragment (http only on loopback)".into(),
        );
    }
    policy
        .check_host(&url)
        .map_err(|why| format!("jwks_uri refused: {why}"))?;
    Ok(url.to_string())
}

/// Checks `spec` against the app: a method its type can use, keys exactly
/// when the method is `private_key_jwt`.
fn checked(
    spec: ClientAuthSpec,
    client: &Client,
    policy: &EgressPolicy,
) -> Result<(Option<String>, Option<String>), String> {
    if !spec.method.fits(client.client_type) {
        return Err(format!(
            "a {} app cannot use {}",
            client.client_type.as_str(),
            spec.method
        ));
    }
    match (spec.method, spec.jwks, spec.jwks_uri) {
        (TokenAuthMethod::PrivateKeyJwt, Some(jwks), None) => {
            check_registered(&jwks)?;
            Ok((Some(jwks), None))
        }
        (TokenAuthMethod::PrivateKeyJwt, None, Some(uri)) => {
            Ok((None, Some(check_jwks_uri(&uri, policy)?)))
        }
        (TokenAuthMethod::PrivateKeyJwt, _, _) => {
            Err("private_key_jwt needs either jwks or jwks_uri".into())
        }
        (_, None, None) => Ok((None, None)),
        (other, _, _) => Err(format!(
            "jwks and jwks_uri are for private_key_jwt, not {other}"
        )),
    }
}

/// Records how app `client_id` authenticates; answers the new secret when
/// one was issued (`client_secret_jwt`).
pub fn register(
    conn: &mut DbConn,
    sealer: Option<&Sealer>,
    policy: &EgressPolicy,
    tenant_id: &TenantId,
    client_id: &str,
    spec: ClientAuthSpec,
    actor: &str,
) -> Result<Option<String>, ClientAuthError> {
    let client = store::apps::find(conn, tenant_id, client_id)?.ok_or(ClientAuthError::NoApp)?;
    let method = spec.method;
    let (jwks, jwks_uri) = checked(spec, &client, policy).map_err(ClientAuthError::Invalid)?;
    let secret = (method == TokenAuthMethod::ClientSecretJwt).then(random_token);
    let new_secret = match (&secret, sealer) {
        (None, _) => None,
        (Some(s), Some(sealer)) => Some((
            token_hash(s),
            sealer.seal(&secret_context(tenant_id.as_str(), client_id), s),
        )),
        (Some(_), None) => {
            return Err(ClientAuthError::Invalid(
                "client_secret_jwt needs the server's secret key".into(),
            ));
        }
    };
    let detail = serde_json::json!({
        "token_endpoint_auth_method": method,
        "jwks_uri": jwks_uri,
        "jwks": jwks.is_some(),
        "new_secret": secret.is_some(),
    })
    .to_string();
    let registration = AuthRegistration {
        method,
        jwks,
        jwks_uri,
        new_secret,
    };
    store::apps::set_auth(conn, tenant_id, client_id, registration)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppClientAuthUpdated,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(secret)
}

/// Whether app `client_id` must push its authorization requests to `/par`;
/// false when there is no such app.
pub fn set_require_par(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    required: bool,
    actor: &str,
) -> Result<bool, StoreError> {
    if !store::apps::set_require_par(conn, tenant_id, client_id, required)? {
        return Ok(false);
    }
    let detail = serde_json::json!({ "require_pushed_authorization_requests": required });
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppRequireParUpdated,
        Some(client_id),
        Some(&detail.to_string()),
    )?;
    Ok(true)
}
