//! DPoP (RFC 9449): proofs built here with jsonwebtoken over fresh RSA and
//! P-256 keys, sent to the token endpoint and to UserInfo.

mod admin;
mod refusals;
mod resource;
mod token;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portico::domain::GrantType;
use portico::tokens::keys::{SigningAlg, generate};
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, TestApp, TestClient, authorize_url, query_param};

/// A client's DPoP key pair.
pub struct DpopKey {
    alg: Algorithm,
    key: EncodingKey,
    jwk: Jwk,
}

impl DpopKey {
    pub fn es256() -> DpopKey {
        let generated = generate(SigningAlg::Es256).unwrap();
        DpopKey {
            alg: Algorithm::ES256,
            key: EncodingKey::from_ec_der(&generated.private_pkcs8),
            jwk: public_jwk(generated.public_jwk),
        }
    }

    pub fn rs256() -> DpopKey {
        let generated = generate(SigningAlg::Rs256).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(&generated.private_pkcs8)
        );
        DpopKey {
            alg: Algorithm::RS256,
            key: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            jwk: public_jwk(generated.public_jwk),
        }
    }

    /// The RFC 7638 thumbprint, as `cnf.jkt` should carry it.
    pub fn thumbprint(&self) -> String {
        self.jwk.thumbprint(ThumbprintHash::SHA256).unwrap()
    }

    pub fn proof(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(self.alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }

    /// A proof with a header of the test's making, signed by this key.
    pub fn signed(&self, header: &serde_json::Value, claims: &serde_json::Value) -> String {
        compact(header, claims, &self.key, self.alg)
    }
}

/// A compact JWS of `header` and `claims`, signed with `key`.
pub fn compact(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    key: &EncodingKey,
    alg: Algorithm,
) -> String {
    let encode = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let input = format!("{}.{}", encode(header), encode(claims));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// The key's public members only (kid, use and alg dropped).
fn public_jwk(mut jwk: serde_json::Value) -> Jwk {
    let obj = jwk.as_object_mut().unwrap();
    for member in ["kid", "use", "alg"] {
        obj.remove(member);
    }
    serde_json::from_value(jwk).unwrap()
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The claims of a fresh proof for `htm` `htu`.
pub fn claims(htm: &str, htu: &str, nonce: Option<&str>) -> serde_json::Value {
    let mut claims = serde_json::json!({
        "jti": uuid::Uuid::new_v4().to_string(),
        "htm": htm,
        "htu": htu,
        "iat": now(),
    });
    if let Some(n) = nonce {
        claims["nonce"] = n.into();
    }
    claims
}

/// `ath`: base64url(SHA-256(access token)).
pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

pub fn token_url(app: &TestApp) -> String {
    format!("{}/token", app.issuer("contoso"))
}

pub fn userinfo_url(app: &TestApp) -> String {
    format!("{}/userinfo", app.issuer("contoso"))
}

/// A tenant `contoso` with one member.
pub fn contoso(app: &TestApp) {
    app.tenant("contoso");
    app.member("contoso", "ann@contoso.example");
}

/// A token request with `proof` (when given) and client_secret_post or a
/// public client's id.
pub async fn post_token(
    app: &TestApp,
    client: &TestClient,
    form: &[(&str, &str)],
    proof: Option<&str>,
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    form.push(("client_id", &client.client_id));
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret));
    }
    let mut request = reqwest::Client::new().post(token_url(app)).form(&form);
    if let Some(p) = proof {
        request = request.header("DPoP", p);
    }
    request.send().await.unwrap()
}

/// The server's current nonce: a first attempt at `form` with a nonce-less
/// proof is answered `use_dpop_nonce` with a `DPoP-Nonce` (§8), and uses
/// nothing up.
pub async fn server_nonce(
    app: &TestApp,
    client: &TestClient,
    key: &DpopKey,
    form: &[(&str, &str)],
) -> String {
    let proof = key.proof(&claims("POST", &token_url(app), None));
    let response = post_token(app, client, form, Some(&proof)).await;
    let nonce = nonce_of(&response).expect("the server gives a nonce");
    assert_eq!(error_of(response).await, (400, "use_dpop_nonce".into()));
    nonce
}

pub fn nonce_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("dpop-nonce")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Sends the token request as a client does: with a proof by `key`, again
/// with the nonce the server asks for.
pub async fn dpop_token(
    app: &TestApp,
    client: &TestClient,
    key: &DpopKey,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let nonce = server_nonce(app, client, key, form).await;
    let proof = key.proof(&claims("POST", &token_url(app), Some(&nonce)));
    post_token(app, client, form, Some(&proof)).await
}

/// A signed-in member's code and PKCE verifier for `client`, asked for
/// with `extra` authorization parameters.
pub async fn code_for(
    app: &TestApp,
    client: &TestClient,
    scope: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let (url, verifier) = authorize_url(app, "contoso", client, scope, extra);
    let back = app
        .sign_in(&app.browser(), &url, "ann@contoso.example", PASSWORD)
        .await;
    (query_param(&back, "code").expect("code"), verifier)
}

/// The form redeeming `code`.
pub fn code_form<'a>(
    client: &'a TestClient,
    code: &'a str,
    verifier: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &client.redirect_uri),
        ("code_verifier", verifier),
    ]
}

/// Tokens of the code flow for `client`, bound to `key`.
pub async fn bound_tokens(
    app: &TestApp,
    client: &TestClient,
    key: &DpopKey,
    scope: &str,
) -> serde_json::Value {
    let (code, verifier) = code_for(app, client, scope, &[]).await;
    let response = dpop_token(app, client, key, &code_form(client, &code, &verifier)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A confidential app that may use client credentials.
pub fn service(app: &TestApp) -> TestClient {
    app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![],
    )
}

/// The status and `error` of an OAuth error answer.
pub async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}
