//! The Device Authorization Grant (RFC 8628): the device endpoint, the
//! user-code page with the tenant's sign-in and consent, and the token
//! endpoint's polling answers.

mod browser;
mod flows;
mod page;
mod policies;
mod polling;
mod registration;

use portico::config::Settings;
use portico::domain::{AuditAction, GrantType};
use portico::store;
use serde_json::Value;

use crate::helpers::{Landing, PASSWORD, TestApp, TestClient, drive, hidden, spawn_app_with};

pub const MEGAN: &str = "megan@contoso.example";
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Contoso with Megan, devices told to poll every second.
pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let app = spawn_app_with(|s| {
        s.device_flow.poll_interval_seconds = 1;
        configure(s);
    })
    .await;
    app.tenant("contoso");
    app.member("contoso", MEGAN);
    app
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// A public client registered for the device grant (and refresh tokens).
pub fn device_client(app: &TestApp, slug: &str) -> TestClient {
    app.app(
        slug,
        true,
        false,
        vec![GrantType::DeviceCode, GrantType::RefreshToken],
        vec![],
    )
}

/// Public clients authenticate by `client_id`; confidential ones by secret.
fn with_client<'a>(client: &'a TestClient, form: &mut Vec<(&'a str, &'a str)>) {
    form.push(("client_id", &client.client_id));
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret));
    }
}

/// POST /device_authorization: (status, body).
pub async fn start_raw(app: &TestApp, client: &TestClient, scope: &str) -> (u16, Value) {
    let mut form = vec![("scope", scope)];
    with_client(client, &mut form);
    let response = reqwest::Client::new()
        .post(format!("{}/device_authorization", app.issuer("contoso")))
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A device authorization that succeeds.
pub async fn start(app: &TestApp, client: &TestClient, scope: &str) -> Value {
    let (status, body) = start_raw(app, client, scope).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// One poll of the token endpoint: (status, body).
pub async fn poll(app: &TestApp, client: &TestClient, device_code: &str) -> (u16, Value) {
    let mut form = vec![("grant_type", DEVICE_GRANT), ("device_code", device_code)];
    with_client(client, &mut form);
    let response = reqwest::Client::new()
        .post(format!("{}/token", app.issuer("contoso")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A poll that is refused with `error`.
pub async fn poll_refused(app: &TestApp, client: &TestClient, device_code: &str, error: &str) {
    let (status, body) = poll(app, client, device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some(error)),
        "{body}"
    );
}

/// The device page's form posted with `typed` in a browser: the answer.
pub async fn enter_code(
    app: &TestApp,
    browser: &reqwest::Client,
    typed: &str,
) -> reqwest::Response {
    let url = format!("{}/device", app.issuer("contoso"));
    let page = app.text(browser, &url).await;
    let csrf = hidden(&page, "csrf_token");
    browser
        .post(&url)
        .form(&[("csrf_token", csrf.as_str()), ("user_code", typed)])
        .send()
        .await
        .unwrap()
}

/// Types the code, then signs in and consents like a person (on whatever
/// servers the journey visits); where the journey ended.
pub async fn approve(
    app: &TestApp,
    browser: &reqwest::Client,
    user_code: &str,
    email: &str,
) -> Landing {
    let response = enter_code(app, browser, user_code).await;
    assert_eq!(response.status(), 303, "the code starts a sign-in");
    let next = response.headers()["location"].to_str().unwrap().to_owned();
    drive(app, browser, &next, email, PASSWORD).await
}

/// An approval in a fresh browser that reaches "you may return to your device".
pub async fn approved(app: &TestApp, user_code: &str, email: &str) {
    approved_in(app, &app.browser(), user_code, email).await;
}

/// An approval in `browser` that reaches "you may return to your device".
pub async fn approved_in(app: &TestApp, browser: &reqwest::Client, user_code: &str, email: &str) {
    match approve(app, browser, user_code, email).await {
        Landing::Page(200, page) => {
            assert!(page.contains("Device connected"), "{page}");
            assert!(page.contains("return to your device"), "{page}");
        }
        other => panic!("the approval did not finish: {other:?}"),
    }
}

/// Types the code and signs in as Megan, up to the consent page (its body).
pub async fn to_consent(app: &TestApp, browser: &reqwest::Client, user_code: &str) -> String {
    let response = enter_code(app, browser, user_code).await;
    let login = response.headers()["location"].to_str().unwrap().to_owned();
    let page = app.text(browser, &login).await;
    let issuer = app.issuer("contoso");
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let step = |path: &str| format!("{issuer}{path}");
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("req", req.as_str()),
        ("email", MEGAN),
    ];
    browser
        .post(step("/login"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let mut with_password = fields.to_vec();
    with_password.push(("password", PASSWORD));
    let signed_in = browser
        .post(step("/login/password"))
        .form(&with_password)
        .send()
        .await
        .unwrap();
    let next = signed_in.headers()["location"].to_str().unwrap().to_owned();
    let consent = app.follow(browser, &next).await;
    assert!(consent.contains("/consent?req="), "{consent}");
    app.text(browser, &consent).await
}

/// Answers the consent page with `decision`: the page shown after.
pub async fn decide(
    app: &TestApp,
    browser: &reqwest::Client,
    consent: &str,
    decision: &str,
) -> String {
    let response = browser
        .post(format!("{}/consent", app.issuer("contoso")))
        .form(&[
            ("csrf_token", hidden(consent, "csrf_token").as_str()),
            ("req", hidden(consent, "req").as_str()),
            ("decision", decision),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The stored device code, looked up by the secret the device holds.
pub fn stored(app: &TestApp, device_code: &str) -> Option<store::device_codes::DeviceCode> {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let hash = portico::crypto::token_hash(device_code);
    app.db
        .read_blocking(|c| store::device_codes::find(c, &tenant.id, &hash))
        .unwrap()
}

pub fn audited(app: &TestApp, action: AuditAction) -> Vec<store::audit::AuditEvent> {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    app.db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

/// A value of the response as text.
pub fn text(body: &Value, name: &str) -> String {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .to_owned()
}
