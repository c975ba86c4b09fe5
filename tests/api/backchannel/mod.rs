//! Issue 13: OpenID Connect Back-Channel Logout 1.0. ID tokens carry `sid`;
//! when a session ends (RP-initiated logout, an administrator's revocation,
//! blocking, removing, expiring or resetting a guest) every app with a
//! session in it, and a back-channel logout URI, receives a signed Logout
//! Token — checked here as an RP must (§2.6): signature against the
//! tenant's JWKS, `typ`, `iss`, `aud`, `events`, `sid`/`sub`, no `nonce`.
//! The apps are test servers on 127.0.0.1 that record what they receive.

mod delivery;
mod guests;
mod registration;
mod sessions;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use portico::store::apps::BackchannelLogout;
use portico::store::{self, logout_outbox::LogoutMessage};

use crate::helpers::{
    PASSWORD, TestApp, TestClient, authorize_url, query_param, redeem, spawn_app_with,
};

pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A server whose logout outbox is polled often and retried soon.
pub async fn spawn() -> TestApp {
    spawn_app_with(fast).await
}

pub fn fast(settings: &mut portico::config::Settings) {
    settings.logout_poll = Duration::from_millis(100);
    settings.logout_retry = Duration::from_millis(400);
    settings.access_expiry_poll = Duration::from_millis(200);
    settings.mail_poll = Duration::from_millis(100);
}

/// An app's back end: receives Logout Tokens at `/bc/...` and records them.
pub struct LogoutRp {
    pub base: String,
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// How many more requests it answers 503 (an app having trouble).
    failing: Arc<AtomicUsize>,
}

/// One POST the app received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub content_type: String,
    pub logout_token: Option<String>,
}

impl LogoutRp {
    /// Listening already.
    pub fn up() -> LogoutRp {
        let rp = LogoutRp::down();
        rp.start();
        rp
    }

    /// Its address is chosen, nothing listens there yet.
    pub fn down() -> LogoutRp {
        let port = crate::helpers::net::free_port();
        LogoutRp {
            base: format!("http://127.0.0.1:{port}"),
            port,
            received: Arc::default(),
            failing: Arc::default(),
        }
    }

    /// Starts listening at its address.
    pub fn start(&self) {
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port)).expect("bind the RP");
        let data = web::Data::new((self.received.clone(), self.failing.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
    }

    /// Answers the next `n` requests with 503.
    pub fn fail_next(&self, n: usize) {
        self.failing.store(n, Ordering::SeqCst);
    }

    pub fn uri(&self, name: &str) -> String {
        format!("{}/bc/{name}", self.base)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The Logout Tokens received at `/bc/{name}`.
    pub fn tokens(&self, name: &str) -> Vec<String> {
        let path = format!("/bc/{name}");
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .filter_map(|r| r.logout_token)
            .collect()
    }

    /// Waits (up to 15 s) until `/bc/{name}` has received `n` tokens.
    pub async fn wait_for(&self, name: &str, n: usize) -> Vec<String> {
        for _ in 0..150 {
            let tokens = self.tokens(name);
            if tokens.len() >= n {
                return tokens;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{name} received {:?}, expected {n} tokens", self.received());
    }
}

type Shared = (Arc<Mutex<Vec<Received>>>, Arc<AtomicUsize>);

async fn record(shared: web::Data<Shared>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let logout_token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned());
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let ok = req.method() == "POST" && logout_token.is_some();
    let (received, failing) = &**shared;
    received.lock().unwrap().push(Received {
        path: req.path().to_owned(),
        content_type,
        logout_token,
    });
    let failing = failing
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        HttpResponse::ServiceUnavailable().finish()
    } else if ok {
        HttpResponse::Ok().finish()
    } else {
        HttpResponse::BadRequest().finish()
    }
}

/// Registers `client`'s back-channel logout URI as an administrator would.
pub fn register(app: &TestApp, slug: &str, client: &TestClient, uri: &str, session_required: bool) {
    let tenant = portico::admin::provision::tenant(&app.db, slug).unwrap();
    let registration =
        portico::admin::logout::registration(Some(uri), session_required, &Default::default())
            .unwrap();
    let found = app
        .db
        .write_blocking(|c| {
            portico::admin::logout::set_app_backchannel(
                c,
                &tenant.id,
                &client.client_id,
                registration.as_ref(),
                "test",
            )
        })
        .unwrap();
    assert!(found);
}

/// A database with tenant contoso and its app CRM, created by the CLI with
/// a back-channel logout URI that requires `sid`; returns CRM's client id.
pub fn cli_crm(db: &str) -> String {
    use crate::helpers::cli::cli;
    cli(db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let created: serde_json::Value = serde_json::from_str(&cli(
        db,
        &[
            "app",
            "create",
            "--tenant",
            "contoso",
            "--name",
            "CRM",
            "--redirect-uri",
            "https://crm.contoso.example/cb",
            "--backchannel-logout-uri",
            "https://crm.contoso.example/bc",
            "--backchannel-logout-session-required",
            "--json",
        ],
    ))
    .unwrap();
    created["client_id"].as_str().unwrap().to_owned()
}

/// The registration stored for `client`.
pub fn registration(app: &TestApp, slug: &str, client_id: &str) -> Option<BackchannelLogout> {
    let tenant = portico::admin::provision::tenant(&app.db, slug).unwrap();
    app.db
        .read_blocking(|c| store::apps::find(c, &tenant.id, client_id))
        .unwrap()
        .expect("app exists")
        .backchannel_logout
}

/// Signs `email` in to `client` in `browser` (password and consent when
/// asked); returns the token response of the code exchange.
pub async fn sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    client: &TestClient,
    email: &str,
) -> serde_json::Value {
    let (url, verifier) = authorize_url(app, slug, client, "openid offline_access", &[]);
    let back = app.sign_in(browser, &url, email, PASSWORD).await;
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    let response = redeem(app, slug, client, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// RP-initiated logout at `slug` with an ID token hint, in `browser`.
pub async fn logout(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    id_token: &str,
) -> reqwest::Response {
    browser
        .get(format!("{}/logout", app.issuer(slug)))
        .query(&[("id_token_hint", id_token)])
        .send()
        .await
        .unwrap()
}

/// The logout outbox of tenant `slug`.
pub fn outbox(app: &TestApp, slug: &str) -> Vec<LogoutMessage> {
    let tenant = portico::admin::provision::tenant(&app.db, slug).unwrap();
    app.db
        .read_blocking(|c| store::logout_outbox::list(c, &tenant.id, 100))
        .unwrap()
}

/// Verifies a Logout Token as the app must (Back-Channel Logout 1.0 §2.6)
/// for `client_id` of tenant `slug`; returns its claims.
pub async fn verify(app: &TestApp, slug: &str, client_id: &str, token: &str) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWS");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"), "explicit typing");
    let kid = header.kid.expect("a kid");
    let jwks: serde_json::Value = reqwest::get(format!("{}/jwks", app.issuer(slug)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} not in the tenant's JWKS"));
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[app.issuer(slug)]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["iss", "aud", "exp", "iat"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .expect("signature, iss, aud and exp verify")
        .claims;
    assert_eq!(claims["events"], serde_json::json!({ EVENT: {} }));
    assert!(claims.get("nonce").is_none(), "a Logout Token has no nonce");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(claims["sub"].is_string() || claims["sid"].is_string());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    let now = chrono::Utc::now().timestamp();
    assert!((now - 60..=now + 5).contains(&iat), "iat {iat} is now");
    assert!(exp > iat && exp - iat <= 300, "a short exp: {}", exp - iat);
    claims
}
