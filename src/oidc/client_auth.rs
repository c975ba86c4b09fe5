//! Client authentication at the token, revocation and introspection endpoints:
//! client_secret_basic and client_secret_post (RFC 6749 §2.3.1), or `none`
//! for public clients (RFC 7591 §2).

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::token_hash;
use crate::domain::ClientType;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::tokens::TenantContext;

/// Credentials as presented, before they are checked.
struct Presented {
    client_id: String,
    secret: Option<String>,
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
fn form_decode(s: &str) -> Option<String> {
    let spaced = s.replace('+', "%20");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

fn presented(
    req: &HttpRequest,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> OAuthResult<Presented> {
    let invalid = |detail: &str| OAuthError::new(ErrorCode::InvalidClient, detail);
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| rest.trim().to_owned())
        });
    match basic {
        Some(encoded) => {
            if form_secret.is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "more than one client authentication method",
                ));
            }
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
            if form_client_id.is_some_and(|f| f != id) {
                return Err(invalid("client_id differs between header and body"));
            }
            Ok(Presented {
                client_id: id,
                secret: Some(secret),
            })
        }
        None => {
            let id = form_client_id.ok_or_else(|| invalid("no client authentication"))?;
            Ok(Presented {
                client_id: id.to_owned(),
                secret: form_secret.map(str::to_owned),
            })
        }
    }
}

/// Authenticates the calling client of this tenant. Every failure is the same
/// `invalid_client`, so responses never reveal whether a client exists.
pub async fn authenticate(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> OAuthResult<Arc<Client>> {
    let presented = presented(req, form_client_id, form_secret)?;
    let client = state
        .tenants
        .client(&ctx.tenant.id, &presented.client_id)
        .await?;
    let client = match client {
        Some(c) => c,
        None => {
            return Err(OAuthError::new(
                ErrorCode::InvalidClient,
                format!("unknown client {}", presented.client_id),
            ));
        }
    };
    match (client.client_type, &presented.secret, &client.secret_hash) {
        (ClientType::Confidential, Some(secret), Some(stored)) => {
            let ok: bool = token_hash(secret)
                .as_bytes()
                .ct_eq(stored.as_bytes())
                .into();
            if ok {
                Ok(client)
            } else {
                Err(OAuthError::new(
                    ErrorCode::InvalidClient,
                    "wrong client secret",
                ))
            }
        }
        (ClientType::Public, None, _) => Ok(client),
        (ClientType::Public, Some(_), _) => Err(OAuthError::new(
            ErrorCode::InvalidClient,
            "public client presented a secret",
        )),
        _ => Err(OAuthError::new(
            ErrorCode::InvalidClient,
            "confidential client without a secret",
        )),
    }
}

/// Like [`authenticate`], but only confidential clients pass (introspection).
pub async fn authenticate_confidential(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> OAuthResult<Arc<Client>> {
    let client = authenticate(state, ctx, req, form_client_id, form_secret).await?;
    if client.client_type != ClientType::Confidential {
        return Err(OAuthError::new(
            ErrorCode::InvalidClient,
            "public clients cannot use this endpoint",
        ));
    }
    Ok(client)
}
