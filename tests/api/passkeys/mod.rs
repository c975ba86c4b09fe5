//! Passkeys over their JSON endpoints with a software authenticator:
//! registration, the second factor of a password sign-in, passwordless
//! sign-in, and every assertion that must be refused (wrong origin, RP id,
//! signature, challenge, a counter that goes backwards, a replay).

mod authenticator;
mod browser;
mod refusals;

use reqwest::StatusCode;
use serde_json::{Value, json};

use authenticator::SoftKey;
use portico::domain::AuditAction;
use portico::store;

use crate::helpers::{
    PASSWORD, TestApp, TestClient, authorize_url, hidden, jwt_payload, query_param, redeem,
    spawn_app, spawn_app_on_localhost,
};

const MEGAN: &str = "megan@contoso.example";

/// The value of an HTML attribute (the first one of that name on the page).
fn attribute(page: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

async fn post_json(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    csrf: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = browser
        .post(app.absolute(path))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The amr of an ID token as a sorted list, whether the claim holds one
/// value per method (RFC 8176) or the methods as one space-separated string.
fn amr_of(id_token: &str) -> Vec<String> {
    let claims = jwt_payload(id_token);
    let mut methods: Vec<String> = claims["amr"]
        .as_array()
        .expect("amr claim")
        .iter()
        .flat_map(|v| v.as_str().unwrap().split_whitespace().map(str::to_owned))
        .collect();
    methods.sort();
    methods
}

struct Registered {
    app: TestApp,
    client: TestClient,
    key: SoftKey,
    /// Signed in with Megan's password, holding the page's CSRF token.
    browser: reqwest::Client,
    csrf: String,
}

/// Megan signs in with her password and registers a software passkey.
async fn megan_with_a_passkey() -> Registered {
    megan_with_a_key(SoftKey::new).await
}

/// The same with the authenticator `make` builds for the server's origin.
async fn megan_with_a_key(make: impl FnOnce(&str) -> SoftKey) -> Registered {
    let app = spawn_app_on_localhost().await;
    app.tenant("contoso");
    app.member("contoso", MEGAN);
    let client = app.web_app("contoso");
    let browser = app.browser();
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    app.sign_in(&browser, &url, MEGAN, PASSWORD).await;
    let page = app.text(&browser, "/t/contoso/account/passkeys").await;
    assert!(page.contains("You have no passkey yet."), "{page}");
    let csrf = attribute(&page, "data-csrf");
    let (status, options) = post_json(
        &app,
        &browser,
        "/t/contoso/account/passkeys/register/start",
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    // Level 3 next to userVerification "preferred" makes Chromium refuse.
    assert_eq!(
        options["publicKey"]["extensions"]["credentialProtectionPolicy"],
        "userVerificationOptionalWithCredentialIDList"
    );
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "preferred"
    );
    let mut key = make(&app.base);
    let credential = key.create(&options);
    let (status, body) = post_json(
        &app,
        &browser,
        "/t/contoso/account/passkeys/register/finish",
        &csrf,
        json!({ "name": "Test key", "credential": credential }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let page = app.text(&browser, "/t/contoso/account/passkeys").await;
    assert!(page.contains("Test key"), "{page}");
    Registered {
        app,
        client,
        key,
        browser,
        csrf,
    }
}

/// A fresh browser on the sign-in page: (browser, CSRF token, request id, PKCE verifier).
async fn at_sign_in(r: &Registered) -> (reqwest::Client, String, String, String) {
    let browser = r.app.browser();
    let (url, verifier) = authorize_url(&r.app, "contoso", &r.client, "openid", &[]);
    let login = r.app.follow(&browser, &url).await;
    let page = r.app.text(&browser, &login).await;
    assert!(page.contains("Sign in with a passkey"), "{page}");
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    (browser, csrf, req, verifier)
}

async fn start(
    r: &Registered,
    browser: &reqwest::Client,
    csrf: &str,
    path: &str,
    req: &str,
) -> Value {
    let (status, options) = post_json(&r.app, browser, path, csrf, json!({ "req": req })).await;
    assert_eq!(status, 200, "{options}");
    options
}

async fn finish(
    r: &Registered,
    browser: &reqwest::Client,
    csrf: &str,
    path: &str,
    credential: Value,
) -> (StatusCode, Value) {
    post_json(
        &r.app,
        browser,
        path,
        csrf,
        json!({ "credential": credential }),
    )
    .await
}

/// Follows a finished sign-in to the app and redeems its code: the ID token.
async fn id_token_after(
    r: &Registered,
    browser: &reqwest::Client,
    redirect: &str,
    verifier: &str,
) -> String {
    let back = r.app.sign_in(browser, redirect, MEGAN, "unused").await;
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    let response = redeem(&r.app, "contoso", &r.client, &code, verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    tokens["id_token"].as_str().unwrap().to_owned()
}

fn audit_actions(app: &TestApp) -> Vec<AuditAction> {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    app.db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 100))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

const SIGNIN_START: &str = "/t/contoso/login/passkey/start";
const SIGNIN_FINISH: &str = "/t/contoso/login/passkey/finish";

/// A passwordless sign-in from the sign-in page: the ID token's amr.
async fn passwordless(r: &mut Registered) -> Vec<String> {
    let (browser, csrf, req, verifier) = at_sign_in(r).await;
    let options = start(r, &browser, &csrf, SIGNIN_START, &req).await;
    // Usernameless: the server names no credential, the authenticator picks.
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let assertion = r.key.get(&options);
    let (status, body) = finish(r, &browser, &csrf, SIGNIN_FINISH, assertion).await;
    assert_eq!(status, 200, "{body}");
    let redirect = body["redirect"].as_str().unwrap().to_owned();
    assert!(redirect.contains("/authorize/continue?req="), "{redirect}");
    amr_of(&id_token_after(r, &browser, &redirect, &verifier).await)
}

#[tokio::test]
async fn a_discoverable_passkey_signs_in_without_a_password_as_hwk_user_mfa() {
    let mut r = megan_with_a_passkey().await;
    assert_eq!(passwordless(&mut r).await, ["hwk", "mfa", "user"]);
    let actions = audit_actions(&r.app);
    assert!(actions.contains(&AuditAction::PasskeyAdded), "{actions:?}");
    assert!(actions.contains(&AuditAction::PasskeyUsed), "{actions:?}");
}

#[tokio::test]
async fn a_synced_passkey_signs_in_as_swk() {
    let mut r = megan_with_a_key(|origin| {
        let mut key = SoftKey::new(origin);
        key.backup_eligible = true;
        key
    })
    .await;
    assert_eq!(passwordless(&mut r).await, ["mfa", "swk", "user"]);
}

/// Megan, signed in with her password (amr "pwd"), answers a new request
/// that asks her to sign in again with her passkey as the second factor:
/// the amr of the ID token the app gets.
async fn after_a_second_factor(r: &mut Registered) -> Vec<String> {
    let (url, verifier) = authorize_url(
        &r.app,
        "contoso",
        &r.client,
        "openid",
        &[("prompt", "login")],
    );
    let login = r.app.follow(&r.browser, &url).await;
    let page = r.app.text(&r.browser, &login).await;
    let req = hidden(&page, "req");
    let (status, options) = post_json(
        &r.app,
        &r.browser,
        "/t/contoso/login/mfa/passkey/start",
        &r.csrf,
        json!({ "req": req }),
    )
    .await;
    assert_eq!(status, 200, "{options}");
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1, "{options}");
    assert_eq!(options["publicKey"]["userVerification"], "preferred");
    let assertion = r.key.get(&options);
    let (status, body) = post_json(
        &r.app,
        &r.browser,
        "/t/contoso/login/mfa/passkey/finish",
        &r.csrf,
        json!({ "credential": assertion }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let redirect = body["redirect"].as_str().unwrap();
    amr_of(&id_token_after(r, &r.browser, redirect, &verifier).await)
}

#[tokio::test]
async fn a_passkey_is_the_second_factor_of_a_password_sign_in() {
    let mut r = megan_with_a_passkey().await;
    assert_eq!(
        after_a_second_factor(&mut r).await,
        ["hwk", "mfa", "pwd", "user"]
    );
}

#[tokio::test]
async fn a_key_that_does_not_verify_its_user_is_a_second_factor_but_never_signs_in_alone() {
    let mut r = megan_with_a_key(|origin| {
        let mut key = SoftKey::new(origin);
        key.verifies_user = false;
        key
    })
    .await;
    // No "user": the authenticator did not verify who held it.
    assert_eq!(after_a_second_factor(&mut r).await, ["hwk", "mfa", "pwd"]);
    let (browser, csrf, req, _) = at_sign_in(&r).await;
    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let assertion = r.key.get(&options);
    let (status, body) = finish(&r, &browser, &csrf, SIGNIN_FINISH, assertion).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn a_server_whose_public_url_is_an_ip_address_offers_no_passkeys() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", MEGAN);
    let client = app.web_app("contoso");
    let browser = app.browser();
    let page = app.login_page(&browser, "contoso", &client).await;
    assert!(!page.contains("Sign in with a passkey"), "{page}");
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let (status, body) =
        post_json(&app, &browser, SIGNIN_START, &csrf, json!({ "req": req })).await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not available"),
        "{body}"
    );
}
