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

use portico::domain::ExternalState;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use portico::b2b::invitation::Target;
use portico::b2b::providers::{self, ProviderSpec};
use portico::domain::IdpRole;
use portico::store;
use portico::tokens::keys::{self, SigningAlg, SigningKey};

use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::cli::{SECRET_KEY, cli};
use crate::helpers::{
    Landing, PASSWORD, drive, fresh_database, hidden, query_param, spawn_app_with,
};

const ALICE: &str = "alice@contoso.example";
const ANN: &str = "ann@northwind.example";
const CLIENT_ID: &str = "contoso-at-idp";
const SECRET: &str = "the-idp-client-secret-6c1f";

/// `b2b()` on a server with other settings.
async fn b2b_with(configure: impl FnOnce(&mut portico::config::Settings) + 'static) -> B2b {
    let mail = crate::smtp::start().await;
    let url = mail.url.clone();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        configure(s);
    })
    .await;
    app.tenant("contoso");
    app.tenant("proseware");
    app.member("contoso", "megan@contoso.example");
    app.member("proseware", GUEST);
    let web = app.web_app("contoso");
    B2b { app, mail, web }
}

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
        key: SigningKey::from_row(&generated.into_row("fake")).unwrap(),
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
        .validated(IdpRole::Upstream)
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

#[tokio::test]
async fn a_jwks_uri_on_another_host_is_never_fetched_and_the_guest_sees_a_clear_page() {
    let b = b2b().await;
    let elsewhere = recorder();
    let idp = fake_idp();
    idp.set_jwks_uri(format!("{}/jwks", elsewhere.base));
    let tenant = b.contoso();
    let spec = spec(&idp.base, vec!["northwind.example".into()])
        .validated(IdpRole::Guests)
        .unwrap();
    b.app
        .db
        .write_blocking(|c| {
            providers::add_guest_provider(c, &b.app.sealer, &tenant.id, spec, "test")
        })
        .unwrap();

    let link = b.invite(ANN, Target::Tenant);
    let browser = b.app.browser();
    let page = b.app.text(&browser, &link).await;
    assert!(page.contains("Continue with Fake sign-in"), "{page}");
    let response = browser
        .post(&link)
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");
    assert!(
        elsewhere.calls().is_empty(),
        "the other host was called: {:?}",
        elsewhere.calls()
    );
    assert_eq!(
        b.guest(ANN).external_state,
        Some(ExternalState::PendingAcceptance)
    );
}

#[tokio::test]
async fn a_token_endpoint_on_another_host_never_receives_the_client_secret() {
    let b = b2b().await;
    let elsewhere = recorder();
    let idp = fake_idp();
    federate(&b.app, &idp);

    // (1) Discovery sends the token endpoint elsewhere: refused before the
    // browser leaves, with the page that offers the app its error.
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let response = start_sign_in(&b, &b.app.browser()).await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");
    assert!(page.contains("temporarily_unavailable"), "{page}");

    // (2) The provider changes its discovery document while the member is
    // signing in there: the code is not redeemed elsewhere either.
    idp.set_token_endpoint(format!("{}/token", idp.base));
    let browser = b.app.browser();
    let response = start_sign_in(&b, &browser).await;
    assert_eq!(response.status(), 303);
    let at_idp = location(&response);
    assert!(at_idp.starts_with(&idp.base), "{at_idp}");
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let response = come_back(&b, &idp, &browser, &at_idp).await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");

    assert!(
        elsewhere.calls().is_empty(),
        "the other host was called: {:?}",
        elsewhere.calls()
    );
    assert!(idp.calls.lock().unwrap().is_empty());
    assert!(member(&b, ALICE).is_none());
}

#[tokio::test]
async fn an_operator_allowed_endpoint_host_is_called_and_others_still_are_not() {
    // The same hostile document on a server whose operator allows the other
    // host for this issuer: the token request (with the secret) goes there,
    // which is also what shows the test above would notice a leak.
    let elsewhere = recorder();
    let idp = fake_idp();
    let allowed = format!("{}={}", idp.base, elsewhere.host_port());
    let b = b2b_with(move |s| {
        s.egress.endpoint_hosts = vec![allowed.parse().unwrap()];
    })
    .await;
    federate(&b.app, &idp);
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let browser = b.app.browser();
    let response = start_sign_in(&b, &browser).await;
    assert_eq!(response.status(), 303);
    let at_idp = location(&response);
    let response = come_back(&b, &idp, &browser, &at_idp).await;
    assert_eq!(response.status(), 403, "{}", response.text().await.unwrap());
    let calls = elsewhere.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("POST", "/token")
    );
    assert!(calls[0].body.contains("code=abc"), "{:?}", calls[0]);
    let basic = calls[0]
        .authorization
        .as_deref()
        .and_then(|h| h.strip_prefix("Basic "))
        .expect("client secret sent with HTTP Basic");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("{CLIENT_ID}:{SECRET}")
    );

    // A host the operator did not allow is still refused.
    let third = recorder();
    idp.set_token_endpoint(format!("{}/token", third.base));
    let response = start_sign_in(&b, &b.app.browser()).await;
    assert_eq!(response.status(), 503);
    assert!(third.calls().is_empty());
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

#[tokio::test]
async fn link_local_metadata_and_private_issuers_are_refused_by_the_api() {
    let b = b2b().await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let refused = [
        ("http://169.254.169.254/", "metadata"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[fe80::1]/", "link-local"),
        ("https://2852039166/", "metadata"),
        ("https://metadata.google.internal/", "metadata"),
        ("https://10.0.0.1/", "private network"),
        ("https://192.168.1.20:8443/idp", "private network"),
    ];
    for (i, (issuer, why)) in refused.iter().enumerate() {
        let domain = format!("d{i}.example");
        let (status, body, content_type) = api(
            &b,
            &token,
            reqwest::Method::POST,
            "/identity-providers",
            Some(provider(issuer, &domain)),
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{issuer}: {body}"
        );
        assert!(body["detail"].as_str().unwrap().contains(why), "{body}");
    }
    // The federation upstream follows the same rules.
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(serde_json::json!({
            "display_name": "Corp", "issuer": "https://169.254.169.254/", "client_id": "c",
        })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (_, view, _) = api(&b, &token, reqwest::Method::GET, "/federation", None).await;
    assert_eq!(view["auth_mode"], "local");
    // Loopback stays usable; public names are fine.
    for (issuer, domain) in [
        ("http://127.0.0.1:9/t/x", "loop.example"),
        ("https://login.partner.example/", "partner.example"),
    ] {
        let (status, body, _) = api(
            &b,
            &token,
            reqwest::Method::POST,
            "/identity-providers",
            Some(provider(issuer, domain)),
        )
        .await;
        assert_eq!(status, 201, "{issuer}: {body}");
    }
}

#[tokio::test]
async fn private_issuers_are_accepted_once_the_operator_allows_private_networks() {
    let b = b2b_with(|s| s.egress.allow_private_networks = true).await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(provider("https://10.0.0.1/", "intranet.example")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Link-local and metadata addresses stay refused.
    let (status, body, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(provider("https://169.254.169.254/", "meta.example")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

fn portico(db: &str, args: &[&str], allow_private: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .args(args)
        .args(["--database-url", db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .env_remove("PORTICO_IDP_ALLOW_PRIVATE_NETWORKS")
        .stdin(Stdio::null());
    if allow_private {
        command.arg("--idp-allow-private-networks");
    }
    command.output().unwrap()
}

#[test]
fn the_cli_refuses_metadata_and_private_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
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
    let add = |issuer: &str, domain: &str| {
        vec![
            "idp".to_owned(),
            "add".into(),
            "--tenant".into(),
            "contoso".into(),
            "--name".into(),
            "Partner".into(),
            "--issuer".into(),
            issuer.into(),
            "--client-id".into(),
            "c".into(),
            "--domain".into(),
            domain.into(),
        ]
    };
    let run = |args: &[String], allow: bool| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        portico(&db, &args, allow)
    };
    for (issuer, allow) in [
        ("https://169.254.169.254/", false),
        ("https://169.254.169.254/", true),
        ("https://10.0.0.1/", false),
    ] {
        let output = run(&add(issuer, "a.example"), allow);
        assert!(!output.status.success(), "{issuer} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refused"), "{stderr}");
    }
    let output = run(&add("https://10.0.0.1/", "a.example"), true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(added["email_verified_trusted"], false);
    let id = added["id"].as_str().unwrap();

    // The email trust flag, through `idp update`.
    let update = |value: &str| {
        vec![
            "idp".to_owned(),
            "update".into(),
            "--tenant".into(),
            "contoso".into(),
            "--id".into(),
            id.into(),
            "--email-verified-trusted".into(),
            value.into(),
        ]
    };
    // Updating re-checks the issuer: a private one needs the setting.
    assert!(!run(&update("true"), false).status.success());
    let output = run(&update("true"), true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let updated: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(updated["email_verified_trusted"], true);

    // Federation too.
    let output = portico(
        &db,
        &[
            "federation",
            "set",
            "--tenant",
            "contoso",
            "--name",
            "Corp",
            "--issuer",
            "https://[fe80::1]/",
            "--client-id",
            "c",
        ],
        true,
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("link-local"));
}

#[tokio::test]
async fn an_email_from_a_custom_claim_must_be_verified_unless_the_admin_trusts_the_provider() {
    let b = b2b().await;
    // The admin's token first: once federated, Contoso members sign in there.
    let token = crate::helpers::api::admin_token(&b.app).await;
    let idp = fake_idp();
    // The provider puts the address in `mail` and says nothing about
    // whether it is verified.
    idp.set_claims(serde_json::json!({"mail": ALICE}));
    let upstream = |trusted: Option<bool>| {
        let mut body = serde_json::json!({
            "display_name": "Corp", "issuer": idp.base, "client_id": CLIENT_ID,
            "client_secret": SECRET, "scopes": ["email"], "email_claim": "mail",
        });
        if let Some(t) = trusted {
            body["email_verified_trusted"] = t.into();
        }
        body
    };
    let (status, view, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(upstream(None)),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["upstream"]["email_verified_trusted"], false);

    let sign_in = || async {
        let browser = b.app.browser();
        let response = start_sign_in(&b, &browser).await;
        assert_eq!(response.status(), 303);
        come_back(&b, &idp, &browser, &location(&response)).await
    };
    let response = sign_in().await;
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("No email address"), "{page}");
    assert!(member(&b, ALICE).is_none());

    // `email_verified: false` is no better; `true` is accepted.
    idp.set_claims(serde_json::json!({"mail": ALICE, "email_verified": false}));
    assert_eq!(sign_in().await.status(), 403);
    assert!(member(&b, ALICE).is_none());
    idp.set_claims(serde_json::json!({"mail": ALICE, "email_verified": true}));
    assert_eq!(sign_in().await.status(), 303);
    assert!(member(&b, ALICE).is_some());

    // Marked trusted by the admin: the unverified claim is accepted.
    let bob = "bob@contoso.example";
    idp.set_claims(serde_json::json!({"mail": bob, "sub": "idp-subject-2"}));
    *idp.calls.lock().unwrap() = Vec::new();
    let (status, view, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(upstream(Some(true))),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["upstream"]["email_verified_trusted"], true);
    let (_, view, _) = api(&b, &token, reqwest::Method::GET, "/federation", None).await;
    assert_eq!(view["upstream"]["email_verified_trusted"], true);
    let response = sign_in().await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    assert!(member(&b, bob).is_some());
}

#[tokio::test]
async fn the_email_trust_flag_is_set_through_the_api_and_shown_in_the_portal() {
    let b = b2b().await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let (status, created, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(serde_json::json!({
            "display_name": "Northwind sign-in",
            "issuer": "https://login.northwind.example/",
            "client_id": "c",
            "domains": ["northwind.example"],
            "email_claim": "upn",
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email_verified_trusted"], false);
    let path = format!("/identity-providers/{}", created["id"].as_str().unwrap());
    let (status, _, _) = api(
        &b,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(serde_json::json!({"email_verified_trusted": "yes"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, updated, _) = api(
        &b,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(serde_json::json!({"email_verified_trusted": true})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["email_verified_trusted"], true);
    let (_, list, _) = api(
        &b,
        &token,
        reqwest::Method::GET,
        "/identity-providers",
        None,
    )
    .await;
    assert_eq!(
        list["identity_providers"][0]["email_verified_trusted"],
        true
    );

    let browser = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &format!("{}/admin", b.app.issuer("contoso")),
        "admin@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(
        page.contains("emails from the upn claim are trusted as verified"),
        "{page}"
    );
}
