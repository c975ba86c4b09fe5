//! The pushed authorization request endpoint (RFC 9126 §2): an
//! authenticated client pushes the parameters of an authorization request,
//! checked as `/authorize` checks them, and gets a `request_uri` to send the
//! browser with (once, within a minute).

use actix_web::{HttpRequest, HttpResponse, web};

use super::authorize::pushed::{self, LIFETIME, URI_PREFIX};
use super::client_auth::{self, ClientCredentials};
use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::crypto::{random_token, token_hash};
use crate::state::AppState;
use crate::store::{self, now};

/// The largest pushed request read (an `/authorize` URL's parameters are
/// bounded the same way by `authorize/request.rs`).
const MAX_PUSHED_BYTES: usize = 8 * 1024;

/// Unexpired pushed requests one client may have waiting.
const MAX_LIVE_PER_CLIENT: i64 = 100;

/// Parameters that authenticate the client: not part of the request.
const CREDENTIALS: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

fn invalid_request(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, detail)
}

/// The form's fields, each at most once, and the client credentials among them.
fn parse(body: &[u8]) -> OAuthResult<(Vec<(String, String)>, ClientCredentials)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(body).into_owned() {
        if fields.iter().any(|(seen, _)| *seen == k) {
            return Err(invalid_request(format!("parameter {k} repeated")));
        }
        fields.push((k, v));
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let credentials = ClientCredentials {
        client_id: get("client_id"),
        client_secret: get("client_secret"),
        client_assertion_type: get("client_assertion_type"),
        client_assertion: get("client_assertion"),
    };
    Ok((fields, credentials))
}

/// POST /par: 201 with `request_uri` and `expires_in` (§2.2), or an error
/// answer (§2.3).
pub async fn post_par(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    if body.len() > MAX_PUSHED_BYTES {
        return Err(invalid_request("pushed request too large"));
    }
    let (fields, credentials) = parse(&body)?;
    let client = client_auth::authenticate(&state, &ctx, &req, &credentials).await?;
    if fields.iter().any(|(k, _)| k == "request_uri") {
        return Err(invalid_request(
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    let mut request = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields
        .iter()
        .filter(|(k, _)| !CREDENTIALS.contains(&k.as_str()))
    {
        request.append_pair(k, v);
    }
    if credentials.client_id.is_none() {
        request.append_pair("client_id", &client.client_id);
    }
    let params = request.finish();
    pushed::check(&state, &ctx, params.as_bytes()).await?;

    let request_uri = format!("{URI_PREFIX}{}", random_token());
    let (tenant_id, client_id, hash) = (
        ctx.tenant.id.clone(),
        client.client_id.clone(),
        token_hash(&request_uri),
    );
    let expires_at = now() + chrono::TimeDelta::seconds(LIFETIME);
    let saved = state
        .db
        .write(move |c| {
            store::pushed_requests::save(
                c,
                &tenant_id,
                &client_id,
                &hash,
                &params,
                expires_at,
                MAX_LIVE_PER_CLIENT,
            )
        })
        .await?;
    if !saved {
        return Err(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "too many pushed requests waiting for this client",
        ));
    }
    Ok(
        super::no_store(HttpResponse::Created()).json(serde_json::json!({
            "request_uri": request_uri,
            "expires_in": LIFETIME,
        })),
    )
}
