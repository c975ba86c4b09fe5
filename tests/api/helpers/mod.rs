//! `spawn_app()` boots the whole server on port 0 with a fresh database
//! (SQLite in a temp dir, or a new PostgreSQL database when PORTICO_TEST_PG_URL
//! is set), plus typed helpers for walking the sign-in pages as a browser would.

pub mod api;
pub mod b2b;
pub mod cli;
pub mod net;
pub mod rp;

use base64::Engine;
use diesel::{Connection, RunQueryDsl};
use portico::admin::provision::{self, AppSpec};
use portico::config::Settings;
use portico::domain::{GrantType, Permission};
use portico::startup::Application;
use portico::store::Db;
use portico::tokens::keys::SigningAlg;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The server's secret key, for configuring upstream client secrets.
    pub sealer: portico::crypto::Sealer,
    _dir: tempfile::TempDir,
}

/// A fresh, empty database URL for one test.
pub fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("PORTICO_TEST_PG_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("portico_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&server).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            let (prefix, _) = server.rsplit_once('/').expect("PG URL has a database path");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("portico.db").display()),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = fresh_database(&dir);
    let mut settings = Settings::new("127.0.0.1:0", "http://127.0.0.1", &db_url).expect("settings");
    settings.public_url = String::new();
    settings.sealer = Some(portico::crypto::Sealer::generate().0);
    configure(&mut settings);
    let sealer = settings.sealer.clone().expect("a secret key");
    let app = Application::build(settings).expect("app builds");
    let port = app.port();
    let db = app.state().db.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        db,
        sealer,
        _dir: dir,
    }
}

/// A server whose public URL names a host, `http://localhost:{port}`, as
/// WebAuthn needs (an IP address is no relying-party id).
pub async fn spawn_app_on_localhost() -> TestApp {
    let port = net::free_port();
    let mut app = spawn_app_with(|settings| {
        settings.bind = format!("127.0.0.1:{port}");
        settings.public_url = format!("http://localhost:{port}");
    })
    .await;
    app.base = format!("http://localhost:{port}");
    app
}

pub struct TestClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

impl TestApp {
    pub fn issuer(&self, slug: &str) -> String {
        format!("{}/t/{slug}", self.base)
    }

    pub fn tenant(&self, slug: &str) {
        let name = format!("{}{} Ltd", slug[..1].to_uppercase(), &slug[1..]);
        provision::create_tenant(
            &self.db,
            slug,
            &name,
            &[format!("{slug}.example")],
            SigningAlg::Rs256,
        )
        .expect("tenant");
    }

    pub fn tenant_with_alg(&self, slug: &str, alg: SigningAlg) {
        provision::create_tenant(&self.db, slug, slug, &[], alg).expect("tenant");
    }

    pub fn member(&self, slug: &str, email: &str) {
        provision::create_member(&self.db, slug, email, "Test User", PASSWORD, false)
            .expect("member");
    }

    /// A confidential web app with code + refresh, consent required.
    pub fn web_app(&self, slug: &str) -> TestClient {
        self.app(
            slug,
            false,
            false,
            vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            vec![],
        )
    }

    pub fn app(
        &self,
        slug: &str,
        public: bool,
        first_party: bool,
        grants: Vec<GrantType>,
        permissions: Vec<Permission>,
    ) -> TestClient {
        let redirect_uri = "http://127.0.0.1:9/callback".to_owned();
        let spec = AppSpec {
            client_id: None,
            name: "Test App".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec!["http://127.0.0.1:9/logged-out".into()],
            public,
            first_party,
            grants,
            permissions,
        };
        let (client, secret) = provision::create_app(&self.db, slug, &spec).expect("app");
        TestClient {
            client_id: client.client_id,
            secret,
            redirect_uri,
        }
    }

    /// A cookie-keeping browser that does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Drives login (and consent when shown) from an authorize URL to the
    /// redirect back to the app; returns that final Location.
    pub async fn sign_in(
        &self,
        browser: &reqwest::Client,
        authorize_url: &str,
        email: &str,
        password: &str,
    ) -> String {
        let mut location = self.follow(browser, authorize_url).await;
        if location.contains("/login?") {
            let page = self.text(browser, &location).await;
            let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
            let slug_base = location.split("/login?").next().unwrap().to_owned();
            let page = browser
                .post(self.absolute(&format!("{slug_base}/login")))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("req", req.as_str()),
                    ("email", email),
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
                .post(self.absolute(&format!("{slug_base}/login/password")))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("req", req.as_str()),
                    ("email", email),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                303,
                "sign-in failed: {}",
                response.text().await.unwrap()
            );
            let next = response.headers()["location"].to_str().unwrap().to_owned();
            location = self.follow(browser, &next).await;
        }
        if location.contains("/consent?") {
            let page = self.text(browser, &location).await;
            let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
            let slug_base = location.split("/consent?").next().unwrap().to_owned();
            let response = browser
                .post(self.absolute(&format!("{slug_base}/consent")))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("req", req.as_str()),
                    ("decision", "allow"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303);
            location = response.headers()["location"].to_str().unwrap().to_owned();
        }
        location
    }

    /// A browser signed in as `email` (a new member of `slug`) through a
    /// query-mode request of `client` for `openid`, consent given if asked.
    pub async fn signed_in_member(
        &self,
        slug: &str,
        client: &TestClient,
        email: &str,
    ) -> reqwest::Client {
        self.member(slug, email);
        let browser = self.browser();
        let (url, _) = authorize_url(self, slug, client, "openid", &[]);
        let back = self.sign_in(&browser, &url, email, PASSWORD).await;
        assert!(query_param(&back, "code").is_some(), "{back}");
        browser
    }

    /// Answers the consent page `page` of `slug` with `decision` (allow, deny).
    pub async fn decide_consent(
        &self,
        browser: &reqwest::Client,
        slug: &str,
        page: &str,
        decision: &str,
    ) -> reqwest::Response {
        browser
            .post(format!("{}/consent", self.issuer(slug)))
            .form(&[
                ("csrf_token", hidden(page, "csrf_token").as_str()),
                ("req", hidden(page, "req").as_str()),
                ("decision", decision),
            ])
            .send()
            .await
            .unwrap()
    }

    /// GETs `url` and returns the Location of the redirect it answers with,
    /// following redirects that stay on this server's `/authorize/continue`.
    pub async fn follow(&self, browser: &reqwest::Client, url: &str) -> String {
        let response = browser.get(self.absolute(url)).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "expected a redirect from {url}, got {}",
            response.status()
        );
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The body of a page this browser GETs (relative URLs are on this app).
    pub async fn text(&self, browser: &reqwest::Client, url: &str) -> String {
        browser
            .get(self.absolute(url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The sign-in page a fresh authorization request for `client` lands on.
    pub async fn login_page(
        &self,
        browser: &reqwest::Client,
        slug: &str,
        client: &TestClient,
    ) -> String {
        let (url, _) = authorize_url(self, slug, client, "openid", &[]);
        let login = self.follow(browser, &url).await;
        assert!(login.contains("/login?req="), "{login}");
        self.text(browser, &login).await
    }

    pub fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_owned()
        }
    }

    /// The tenant's discovery document.
    pub async fn discovery(&self, slug: &str) -> serde_json::Value {
        reqwest::get(format!(
            "{}/.well-known/openid-configuration",
            self.issuer(slug)
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
    }

    /// A client_credentials token for a confidential client.
    pub async fn client_token(&self, slug: &str, client: &TestClient) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}/token", self.issuer(slug)))
            .basic_auth(&client.client_id, client.secret.as_deref())
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// The value of a hidden form field in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The unverified payload of a JWT, for asserting claims after verification.
pub fn jwt_payload(token: &str) -> serde_json::Value {
    let part = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON payload")
}

/// An authorize URL with PKCE for `client`; returns (url, verifier).
pub fn authorize_url(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    scope: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let verifier = "a-very-long-pkce-verifier-with-enough-entropy-0123456789abcdef".to_owned();
    let challenge = {
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer(slug))).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", scope)
        .append_pair("state", "st-1")
        .append_pair("nonce", "n-1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    (url.to_string(), verifier)
}

/// Redeems a code at the token endpoint with client_secret_post.
pub async fn redeem(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("code_verifier", verifier),
        ("client_id", client.client_id.as_str()),
    ];
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret));
    }
    reqwest::Client::new()
        .post(format!("{}/token", app.issuer(slug)))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// RFC 7662 introspection of `token` by `client` (client_secret_basic).
pub async fn introspect(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    token: &str,
) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/introspect", app.issuer(slug)))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The refresh_token grant for `client` (client_secret_basic).
pub async fn refresh(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    refresh_token: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/token", app.issuer(slug)))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap()
}

/// Full sign-in of a fresh member to a fresh web app; returns the token response.
pub async fn tokens_for_member(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    email: &str,
    scope: &str,
) -> serde_json::Value {
    let browser = app.browser();
    let (url, verifier) = authorize_url(app, slug, client, scope, &[]);
    let back = app.sign_in(&browser, &url, email, PASSWORD).await;
    let code = query_param(&back, "code").expect("code in redirect");
    let response = redeem(app, slug, client, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub use portico::compare::journey::Landing;

/// Walks a browser journey on this app (see [`portico::compare::journey::drive`]).
pub async fn drive(
    app: &TestApp,
    browser: &reqwest::Client,
    start: &str,
    email: &str,
    password: &str,
) -> Landing {
    portico::compare::journey::drive(&app.base, browser, start, email, password).await
}
