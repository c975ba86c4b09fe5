//! Two `portico serve` processes over one PostgreSQL database behave as one
//! provider: a session started on one is honoured by the other, a code issued
//! by one redeems at the other (once), and a key rotated through the CLI
//! reaches both without a restart. Runs only when PORTICO_TEST_PG_URL is set.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::helpers::cli::{BIN, SECRET_KEY, cli};
use crate::helpers::net::free_port;
use crate::helpers::{PASSWORD, fresh_database, hidden, jwt_payload, query_param};

const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const EMAIL: &str = "megan@contoso.example";

/// The server processes; killed even when the test panics.
pub struct Replicas(pub Vec<Child>);

impl Drop for Replicas {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Web {
    client_id: String,
    secret: String,
}

fn serve(db: &str, port: u16, public_url: &str) -> Child {
    serve_with(db, port, public_url, &[])
}

/// `portico serve` on `port`, with more flags.
pub fn serve_with(db: &str, port: u16, public_url: &str, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            public_url,
        ])
        .args(["--database-url", db])
        .args(extra)
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("portico serve starts")
}

/// Polls /healthz until the replica answers 200 (at most ~15 s).
pub async fn wait_healthy(http: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("replica {base} exited early: {status}");
        }
        if let Ok(response) = http.get(format!("{base}/healthz")).send().await
            && response.status() == 200
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "replica {base} not healthy within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn no_redirects(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect from {}, got {}",
        response.url(),
        response.status()
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn absolute(base: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{base}{url}")
    } else {
        url.to_owned()
    }
}

/// An authorize URL at `base` (the replica's own address) with PKCE; returns
/// (url, verifier).
fn authorize_url(base: &str, web: &Web) -> (String, String) {
    let verifier = format!("scale-out-verifier-{}", uuid::Uuid::new_v4().simple());
    let challenge = {
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    let mut url = url::Url::parse(&format!("{base}/t/contoso/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &web.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid email")
        .append_pair("state", "st-1")
        .append_pair("nonce", "n-1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    (url.to_string(), verifier)
}

/// Walks the sign-in pages at `base` like a browser; returns the final
/// redirect to the app and the session cookie's value.
async fn sign_in(base: &str, web: &Web) -> (String, String, String) {
    let browser = no_redirects(true);
    let (url, verifier) = authorize_url(base, web);
    let login = location(&browser.get(&url).send().await.unwrap());
    assert!(
        login.starts_with("/t/contoso/login?req="),
        "login page expected, got {login}"
    );
    let page = browser
        .get(absolute(base, &login))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let page = browser
        .post(format!("{base}/t/contoso/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("req", req.as_str()),
            ("email", EMAIL),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Enter password"),
        "password page expected: {page}"
    );
    let response = browser
        .post(format!("{base}/t/contoso/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("req", req.as_str()),
            ("email", EMAIL),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "sign-in failed");
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("portico_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("sign-in sets the session cookie");
    assert!(!session.is_empty());
    let next = location(&response);
    let back = location(&browser.get(absolute(base, &next)).send().await.unwrap());
    (back, verifier, session)
}

/// GET /authorize at `base` with only the session cookie: a signed-in person
/// goes straight back to the app. Returns (redirect, verifier).
async fn authorize_with_session(base: &str, web: &Web, session: &str) -> (String, String) {
    let (url, verifier) = authorize_url(base, web);
    let response = no_redirects(false)
        .get(&url)
        .header("cookie", format!("portico_session={session}"))
        .send()
        .await
        .unwrap();
    (location(&response), verifier)
}

/// The code in a redirect back to the app, after checking state and iss.
fn code_from(back: &str, issuer: &str) -> String {
    assert!(
        back.starts_with(&format!("{REDIRECT_URI}?")),
        "redirect to the app expected, got {back}"
    );
    assert_eq!(
        query_param(back, "state").as_deref(),
        Some("st-1"),
        "{back}"
    );
    assert_eq!(query_param(back, "iss").as_deref(), Some(issuer), "{back}");
    query_param(back, "code").unwrap_or_else(|| panic!("no code in {back}"))
}

async fn redeem(base: &str, web: &Web, code: &str, verifier: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/t/contoso/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
            ("client_id", &web.client_id),
            ("client_secret", &web.secret),
        ])
        .send()
        .await
        .unwrap()
}

/// Redeems and returns the ID token, after checking the response.
async fn id_token(base: &str, web: &Web, code: &str, verifier: &str) -> String {
    let response = redeem(base, web, code, verifier).await;
    assert_eq!(response.status(), 200, "code redemption at {base}");
    let tokens: serde_json::Value = response.json().await.unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    tokens["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token in {tokens}"))
        .to_owned()
}

/// The JWKS of a replica: the raw document and its kids in order.
async fn jwks(base: &str) -> (String, Vec<String>) {
    let response = reqwest::get(format!("{base}/t/contoso/jwks"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let kids = doc["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .map(|k| k["kid"].as_str().expect("every key has a kid").to_owned())
        .collect();
    (body, kids)
}

/// Verifies `token` against the JWKS document (signature, issuer, audience);
/// returns the kid from its header.
fn verify(token: &str, jwks_body: &str, issuer: &str, audience: &str) -> String {
    let header = jsonwebtoken::decode_header(token).expect("JWT header");
    let kid = header.kid.clone().expect("ID token header names its kid");
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(jwks_body).expect("JWKS parses");
    let jwk = set
        .find(&kid)
        .unwrap_or_else(|| panic!("kid {kid} is not in the JWKS"));
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("JWK is a key");
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).expect("ID token verifies");
    kid
}

#[tokio::test]
async fn two_replicas_share_sessions_codes_and_keys() {
    if !matches!(std::env::var("PORTICO_TEST_PG_URL"), Ok(v) if !v.is_empty()) {
        eprintln!("note: PORTICO_TEST_PG_URL is not set; skipping the two-replica test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fresh_database(&dir);
    assert!(
        db.starts_with("postgres"),
        "scale-out needs PostgreSQL, got {db}"
    );

    // Provisioned through the CLI, as an operator would.
    cli(
        &db,
        &[
            "tenant",
            "create",
            "contoso",
            "--name",
            "Contoso",
            "--domain",
            "contoso.example",
        ],
    );
    cli(
        &db,
        &[
            "user",
            "create",
            "--tenant",
            "contoso",
            "--email",
            EMAIL,
            "--name",
            "Megan",
            "--password",
            PASSWORD,
        ],
    );
    let created = cli(
        &db,
        &[
            "app",
            "create",
            "--tenant",
            "contoso",
            "--name",
            "Web",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--first-party",
            "--json",
        ],
    );
    let created: serde_json::Value =
        serde_json::from_str(created.trim()).expect("app create --json prints JSON");
    let web = Web {
        client_id: created["client_id"].as_str().expect("client_id").to_owned(),
        secret: created["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned(),
    };

    // Two replicas; one public URL (A's), so one issuer.
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let issuer = format!("{a}/t/contoso");
    let mut replicas = Replicas(vec![serve(&db, port_a, &a), serve(&db, port_b, &a)]);
    let http = reqwest::Client::new();
    wait_healthy(&http, &a, &mut replicas.0[0]).await;
    wait_healthy(&http, &b, &mut replicas.0[1]).await;
    let discovery: serde_json::Value = http
        .get(format!("{b}/t/contoso/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["issuer"],
        issuer.as_str(),
        "both replicas publish A's issuer"
    );

    // Sign in on A.
    let (back, verifier, session) = sign_in(&a, &web).await;
    let code = code_from(&back, &issuer);

    // (b) A's code redeems at B, and only once: A then refuses the replay.
    let token = id_token(&b, &web, &code, &verifier).await;
    let first = jwt_payload(&token);
    assert_eq!(first["iss"], issuer.as_str());
    assert_eq!(first["aud"], web.client_id.as_str());
    assert_eq!(first["email"], EMAIL);
    assert_eq!(first["nonce"], "n-1");
    let replay = redeem(&a, &web, &code, &verifier).await;
    assert_eq!(
        replay.status(),
        400,
        "a code redeemed at B must be spent at A too"
    );
    let replay: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(replay["error"], "invalid_grant");

    // (a) Without the session, B asks for sign-in; with A's session cookie,
    // B goes straight back to the app, and that code redeems at A.
    let (url, _) = authorize_url(&b, &web);
    let to_login = location(&no_redirects(false).get(&url).send().await.unwrap());
    assert!(
        to_login.starts_with("/t/contoso/login?req="),
        "no session: login expected, got {to_login}"
    );
    let (back, verifier) = authorize_with_session(&b, &web, &session).await;
    let code = code_from(&back, &issuer);
    let token = id_token(&a, &web, &code, &verifier).await;
    let second = jwt_payload(&token);
    assert_eq!(
        second["sub"], first["sub"],
        "B's code is for the person who signed in on A"
    );
    assert_eq!(
        second["auth_time"], first["auth_time"],
        "B reused A's session, no new sign-in"
    );

    // (c) Key rotation through the CLI while both run.
    let (jwks_a, before) = jwks(&a).await;
    let (_, before_b) = jwks(&b).await;
    assert!(!before.is_empty());
    assert_eq!(before, before_b, "one database, one JWKS");
    let old_kid = verify(&token, &jwks_a, &issuer, &web.client_id);
    assert!(before.contains(&old_kid));
    let before: HashSet<String> = before.into_iter().collect();

    // At once (forced): this is about replicas picking up a new key; the
    // scheduled rotation has its own tests (rotation/).
    let rotated = cli(
        &db,
        &["keys", "rotate", "--tenant", "contoso", "--now", "--force"],
    );
    let printed = rotated
        .split_whitespace()
        .skip_while(|w| *w != "key")
        .nth(1)
        .unwrap_or_else(|| panic!("no kid in {rotated:?}"))
        .to_owned();
    assert!(
        !before.contains(&printed),
        "rotation printed an old kid {printed}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut new_kids = Vec::new();
    for base in [&a, &b] {
        let new_kid = loop {
            let (_, kids) = jwks(base).await;
            if let Some(new) = kids.iter().find(|k| !before.contains(*k)) {
                let all: HashSet<&String> = kids.iter().collect();
                assert!(
                    before.iter().all(|old| all.contains(old)),
                    "{base}: the old key must stay published after rotation: {kids:?}"
                );
                break new.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{base} never published the rotated key"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        new_kids.push(new_kid);
    }
    assert_eq!(new_kids[0], printed, "A publishes the key the CLI created");
    assert_eq!(new_kids[1], printed, "B publishes the key the CLI created");

    // New tokens from either replica are signed with the new key.
    for base in [&a, &b] {
        let (back, verifier) = authorize_with_session(base, &web, &session).await;
        let code = code_from(&back, &issuer);
        let token = id_token(base, &web, &code, &verifier).await;
        let (jwks_now, _) = jwks(base).await;
        let kid = verify(&token, &jwks_now, &issuer, &web.client_id);
        assert_eq!(
            kid, printed,
            "{base} signs new ID tokens with the rotated key"
        );
        assert_ne!(kid, old_kid);
    }

    drop(replicas);
}
