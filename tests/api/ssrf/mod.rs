//! Issue 9, items 6 and 14. Calls to identity providers stay on the issuer's
//! host and off link-local, cloud-metadata and (unless allowed) private
//! addresses. A hostile provider whose discovery document sends `jwks_uri`
//! or `token_endpoint` to another host gets nothing from there, least of
//! all the client secret. An email taken from any claim must be marked
//! verified, unless an administrator marked the provider as trusted.
//!
//! Nothing here connects to a non-loopback address: refusals happen before
//! any connection (the connect-time DNS filter is unit-tested in
//! `src/b2b/egress.rs` with fixed DNS answers).

mod email_trust;
mod endpoints;
mod issuers;

use portico::domain::ExternalState;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use portico::b2b::invitation::Target;
use portico::b2b::providers::{self, ProviderSpec};
use portico::store;
use portico::tokens::keys::{self, SigningAlg, SigningKey};

use crate::helpers::b2b::{B2b, b2b, b2b_with};
use crate::helpers::cli::{SECRET_KEY, cli};
use crate::helpers::{Landing, PASSWORD, drive, fresh_database, hidden, query_param};

const ALICE: &str = "alice@contoso.example";
const ANN: &str = "ann@northwind.example";
const CLIENT_ID: &str = "contoso-at-idp";
const SECRET: &str = "the-idp-client-secret-6c1f";

/// One HTTP request a fake server received.
#[derive(Clone, Debug)]
struct Call {
    method: String,
    path: String,
    authorization: Option<String>,
    body: String,
}

fn record(req: &HttpRequest, body: &web::Bytes) -> Call {
    Call {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        authorization: req
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap_or_default().to_owned()),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// "Another host": a server on another port that records every request
/// (and answers a token request with an error).
struct Recorder {
    base: String,
    calls: Mutex<Vec<Call>>,
}

impl Recorder {
    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// `host:port`, as an operator would allow it.
    fn host_port(&self) -> &str {
        self.base.trim_start_matches("http://")
    }
}

async fn recorded(
    recorder: web::Data<Arc<Recorder>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    recorder.calls.lock().unwrap().push(record(&req, &body));
    HttpResponse::BadRequest().json(serde_json::json!({"error": "invalid_grant"}))
}

fn recorder() -> Arc<Recorder> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let recorder = Arc::new(Recorder {
        base: format!("http://{}", listener.local_addr().unwrap()),
        calls: Mutex::new(Vec::new()),
    });
    let data = web::Data::new(recorder.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(recorded))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    recorder
}

/// A fake OpenID provider whose discovery document, and the claims of the
/// ID tokens it issues, the test changes at will.
struct FakeIdp {
    base: String,
    key: SigningKey,
    jwks: serde_json::Value,
    jwks_uri: Mutex<String>,
    token_endpoint: Mutex<String>,
    /// The nonce of the pending sign-in (read from the authorize URL).
    nonce: Mutex<String>,
    /// Claims of the ID token besides iss, sub, aud, exp, iat and nonce.
    claims: Mutex<serde_json::Value>,
    calls: Mutex<Vec<Call>>,
}

impl FakeIdp {
    fn set_jwks_uri(&self, url: String) {
        *self.jwks_uri.lock().unwrap() = url;
    }

    fn set_token_endpoint(&self, url: String) {
        *self.token_endpoint.lock().unwrap() = url;
    }

    fn set_claims(&self, claims: serde_json::Value) {
        *self.claims.lock().unwrap() = claims;
    }
}

async fn idp_discovery(idp: web::Data<Arc<FakeIdp>>) -> HttpResponse {
    let b = &idp.base;
    HttpResponse::Ok().json(serde_json::json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/authorize"),
        "token_endpoint": *idp.token_endpoint.lock().unwrap(),
        "jwks_uri": *idp.jwks_uri.lock().unwrap(),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn idp_jwks(idp: web::Data<Arc<FakeIdp>>) -> HttpResponse {
    HttpResponse::Ok().json(&idp.jwks)
}

async fn idp_token(
    idp: web::Data<Arc<FakeIdp>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    idp.calls.lock().unwrap().push(record(&req, &body));
    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::json!({
        "iss": idp.base,
        "sub": "idp-subject-1",
        "aud": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "nonce": *idp.nonce.lock().unwrap(),
    });
    for (k, v) in idp.claims.lock().unwrap().as_object().unwrap() {
        claims[k] = v.clone();
    }
    HttpResponse::Ok().json(serde_json::json!({
        "access_token": "opaque",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": idp.key.sign("JWT", &claims).unwrap(),
    }))
}

/// Starts a well-behaved fake provider: every endpoint on its own host.
fn fake_idp() -> Arc<FakeIdp> {
    let generated = keys::generate(SigningAlg::Rs256).unwrap();
    let jwks = serde_json::json!({ "keys": [generated.public_jwk.clone()] });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let idp = Arc::new(FakeIdp {
        jwks_uri: Mutex::new(format!("{base}/jwks")),
        token_endpoint: Mutex::new(format!("{base}/token")),
        base,
        key: SigningKey::from_row(&generated.into_row(
            &portico::domain::TenantId::from("fake".to_owned()),
            portico::store::now(),
        ))
        .unwrap(),
        jwks,
        nonce: Mutex::new(String::new()),
        claims: Mutex::new(serde_json::json!({"email": ALICE, "email_verified": true})),
        calls: Mutex::new(Vec::new()),
    });
    let data = web::Data::new(idp.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/.well-known/openid-configuration",
                web::get().to(idp_discovery),
            )
            .route("/jwks", web::get().to(idp_jwks))
            .route("/token", web::post().to(idp_token))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    idp
}

fn spec(issuer: &str, domains: Vec<String>) -> ProviderSpec {
    ProviderSpec {
        display_name: "Fake sign-in".into(),
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SECRET.into()),
        scopes: vec!["email".into()],
        domains,
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa: false,
    }
}

/// Federates Contoso on `app` to the fake provider.
fn federate(app: &crate::helpers::TestApp, idp: &FakeIdp) {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let spec = spec(&idp.base, vec![])
        .validated(portico::domain::IdpRole::Upstream)
        .unwrap();
    app.db
        .write_blocking(|c| providers::federate(c, &app.sealer, &tenant.id, spec, "test"))
        .unwrap();
}

/// Starts a member sign-in at federated Contoso: the response to the
/// authorize request (a redirect to the provider, or an error page).
async fn start_sign_in(b: &B2b, browser: &reqwest::Client) -> reqwest::Response {
    let (url, _) = crate::helpers::authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
    browser.get(url).send().await.unwrap()
}

/// The provider "signs the member in": the browser comes back with a code.
async fn come_back(
    b: &B2b,
    idp: &FakeIdp,
    browser: &reqwest::Client,
    at_idp: &str,
) -> reqwest::Response {
    *idp.nonce.lock().unwrap() = query_param(at_idp, "nonce").unwrap();
    let state = query_param(at_idp, "state").unwrap();
    browser
        .get(format!(
            "{}/callback/home?code=abc&state={state}",
            b.app.issuer("contoso")
        ))
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn member(b: &B2b, email: &str) -> Option<store::users::User> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, email))
        .unwrap()
}

/// One call to the admin API of Contoso.
async fn api(
    b: &B2b,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, String) {
    crate::helpers::api::call(&b.app, method, path, Some(token), body).await
}

fn provider(issuer: &str, domain: &str) -> serde_json::Value {
    serde_json::json!({
        "display_name": "Partner sign-in",
        "issuer": issuer,
        "client_id": "c",
        "domains": [domain],
    })
}
