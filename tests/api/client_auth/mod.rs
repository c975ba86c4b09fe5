//! Issue 13: client authentication with keys (RFC 7523 §2.2 and §3, OIDC
//! Core §9). The openidconnect crate authenticates clients only with a
//! secret (Basic or form), so these tests build the assertions themselves
//! and call the endpoints over raw HTTP: the token, introspection and
//! revocation endpoints, each with the failures RFC 7523 §3 lists.

mod endpoints;
mod failures;
mod jwks_uri;
mod registration;

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use portico::admin::client_auth::{self, ClientAuthSpec};
use portico::admin::provision;
use portico::domain::egress::EgressPolicy;
use portico::domain::{GrantType, TokenAuthMethod};
use portico::tokens::keys::{self, SigningAlg, SigningKey};

use crate::helpers::{TestApp, TestClient, spawn_app};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client key pair: the private half signs, the public half is registered.
pub struct ClientKey {
    pub signing: SigningKey,
    pub public_jwk: serde_json::Value,
}

impl ClientKey {
    pub fn new(alg: SigningAlg) -> ClientKey {
        let generated = keys::generate(alg).expect("key");
        let public_jwk = generated.public_jwk.clone();
        let row = generated.into_row(&String::from("test").into(), portico::store::now());
        ClientKey {
            signing: SigningKey::from_row(&row).expect("signing key"),
            public_jwk,
        }
    }

    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.public_jwk] })
    }

    pub fn sign(&self, claims: &serde_json::Value) -> String {
        self.signing.sign("JWT", claims).expect("signed")
    }
}

/// The claims of a good assertion from `client_id` to `aud`.
pub fn claims(client_id: &str, aud: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "jti": uuid::Uuid::new_v4().to_string(),
        "iat": now,
        "exp": now + 60,
    })
}

/// An HS256 assertion under `secret` (client_secret_jwt).
pub fn hmac_assertion(secret: &str, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signed")
}

/// A server with tenant `contoso` and one confidential client_credentials app.
pub async fn app_with_client() -> (TestApp, TestClient) {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![],
    );
    (app, client)
}

/// [`app_with_client`], the client registered for private_key_jwt with a
/// new key of `alg`, inline.
pub async fn key_client(alg: SigningAlg) -> (TestApp, TestClient, ClientKey) {
    let (app, client) = app_with_client().await;
    let key = ClientKey::new(alg);
    let jwks = Some(key.jwks());
    register(&app, &client, TokenAuthMethod::PrivateKeyJwt, jwks, None);
    (app, client, key)
}

/// Registers how `client` authenticates, as the CLI and the API do;
/// answers a new secret for client_secret_jwt.
pub fn register(
    app: &TestApp,
    client: &TestClient,
    method: TokenAuthMethod,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
) -> Option<String> {
    let tenant = provision::tenant(&app.db, "contoso").expect("tenant");
    let spec = ClientAuthSpec {
        method,
        jwks: jwks.map(|j| j.to_string()),
        jwks_uri,
    };
    app.db
        .write_blocking(|c| {
            client_auth::register(
                c,
                Some(&app.sealer),
                &EgressPolicy::default(),
                &tenant.id,
                &client.client_id,
                spec,
                "test",
            )
        })
        .expect("registered")
}

/// POSTs `form` plus the assertion to an endpoint of contoso.
pub async fn post_with_assertion(
    app: &TestApp,
    endpoint: &str,
    assertion: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    fields.push(("client_assertion_type", ASSERTION_TYPE));
    fields.push(("client_assertion", assertion));
    reqwest::Client::new()
        .post(format!("{}{endpoint}", app.issuer("contoso")))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// A client_credentials request at the token endpoint.
pub async fn token_with(app: &TestApp, assertion: &str) -> reqwest::Response {
    post_with_assertion(
        app,
        "/token",
        assertion,
        &[("grant_type", "client_credentials")],
    )
    .await
}

/// Status and `error` of an answer.
pub async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// A server on 127.0.0.1 publishing a key set the test can change, and
/// counting how often it was fetched.
pub struct KeyServer {
    pub url: String,
    pub jwks: Mutex<serde_json::Value>,
    pub fetches: Mutex<usize>,
}

async fn serve_jwks(server: web::Data<Arc<KeyServer>>) -> HttpResponse {
    *server.fetches.lock().unwrap() += 1;
    let jwks = server.jwks.lock().unwrap().clone();
    HttpResponse::Ok().json(jwks)
}

pub fn key_server(jwks: serde_json::Value) -> Arc<KeyServer> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Arc::new(KeyServer {
        url: format!("http://{}/jwks.json", listener.local_addr().unwrap()),
        jwks: Mutex::new(jwks),
        fetches: Mutex::new(0),
    });
    let data = web::Data::new(server.clone());
    let http = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/jwks.json", web::get().to(serve_jwks))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(http);
    server
}
