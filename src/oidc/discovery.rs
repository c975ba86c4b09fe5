//! OpenID Provider metadata (OpenID Connect Discovery 1.0 §3 and §4).

use actix_web::{HttpResponse, web};

use super::client_auth::{PRIVATE_KEY_ALGS, SECRET_ALGS};
use super::error::OAuthResult;
use crate::domain::{Acr, GrantType, Scope, TokenAuthMethod};
use crate::routes;
use crate::state::AppState;
use crate::tokens::SigningAlg;

pub async fn get_discovery(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(ctx.discovery.clone()))
}

/// Client authentication methods (`client_auth.rs`); `none` where public
/// clients are served (token, revocation; introspection is for
/// confidential clients only).
fn auth_methods(public_too: bool) -> Vec<&'static str> {
    TokenAuthMethod::ALL
        .iter()
        .filter(|m| public_too || **m != TokenAuthMethod::None)
        .map(|m| m.as_str())
        .collect()
}

/// The algorithms of client assertions (client_secret_jwt, private_key_jwt).
fn assertion_algs() -> Vec<String> {
    SECRET_ALGS
        .iter()
        .chain(PRIVATE_KEY_ALGS.iter())
        .map(|a| format!("{a:?}"))
        .collect()
}

/// The metadata document of the issuer, serialised once per tenant context.
pub fn document(issuer: &str, alg: SigningAlg) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert("issuer".into(), issuer.into());
    for (name, path) in routes::ADVERTISED {
        doc.insert((*name).into(), format!("{issuer}{path}").into());
    }
    let alg = alg.as_str();
    let extra = serde_json::json!({
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": GrantType::ALL.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg],
        "userinfo_signing_alg_values_supported": [alg],
        "scopes_supported": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "azp", "sid", "tid",
            "user_type", "idp", "name", "preferred_username", "email", "email_verified"
        ],
        "token_endpoint_auth_methods_supported": auth_methods(true),
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs(),
        "introspection_endpoint_auth_methods_supported": auth_methods(false),
        "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs(),
        "revocation_endpoint_auth_methods_supported": auth_methods(true),
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs(),
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": Acr::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "claims_parameter_supported": true,
        "request_parameter_supported": false,
        // `request_uri` is accepted only as issued by the PAR endpoint
        // (RFC 9126 §4); request objects by reference are not fetched.
        "request_uri_parameter_supported": false,
        "require_pushed_authorization_requests": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "dpop_signing_alg_values_supported": crate::tokens::dpop::algorithm_names(),
    });
    if let serde_json::Value::Object(extra) = extra {
        doc.extend(extra);
    }
    serde_json::Value::Object(doc).to_string()
}
