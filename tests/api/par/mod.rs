//! Issue 13: Pushed Authorization Requests (RFC 9126). The openidconnect
//! crate does not push requests, so the tests push with raw HTTP (the
//! RFC's §2.1 example shape) and then sign in through `/authorize` with
//! the `request_uri` as a browser would.

use diesel::prelude::*;
use portico::store::schema::pushed_requests;

use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{cli, cli_json, stored_app};
use crate::helpers::{
    PASSWORD, TestApp, TestClient, authorize_url, fresh_database, query_param, redeem, spawn_app,
};

const ALICE: &str = "alice@contoso.example";

async fn fixture() -> (TestApp, TestClient) {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", ALICE);
    let client = app.web_app("contoso");
    (app, client)
}

/// The parameters of a good authorization request for `client` (PKCE,
/// state `st-1`), and its verifier.
fn request_params(app: &TestApp, client: &TestClient) -> (Vec<(String, String)>, String) {
    let (url, verifier) = authorize_url(app, "contoso", client, "openid", &[]);
    let url = url::Url::parse(&url).unwrap();
    (url.query_pairs().into_owned().collect(), verifier)
}

/// POSTs `params` to /par, the client authenticating with Basic.
async fn push(
    app: &TestApp,
    client: &TestClient,
    params: &[(String, String)],
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/par", app.issuer("contoso")))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(params)
        .send()
        .await
        .unwrap()
}

/// A pushed good request: its `request_uri` and PKCE verifier.
async fn pushed(app: &TestApp, client: &TestClient) -> (String, String) {
    let (params, verifier) = request_params(app, client);
    let response = push(app, client, &params).await;
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 60);
    let uri = body["request_uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    (uri, verifier)
}

fn authorize_with(app: &TestApp, client_id: &str, request_uri: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer("contoso"))).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri);
    url.to_string()
}

/// What /authorize answers a browser at once: status and Location.
async fn first_answer(app: &TestApp, url: &str) -> (u16, String) {
    let response = app.browser().get(url).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn a_pushed_request_signs_in_once() {
    let (app, client) = fixture().await;
    let (uri, verifier) = pushed(&app, &client).await;
    let url = authorize_with(&app, &client.client_id, &uri);
    let back = app.sign_in(&app.browser(), &url, ALICE, PASSWORD).await;
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-1"));
    let code = query_param(&back, "code").expect("code");
    let tokens = redeem(&app, "contoso", &client, &code, &verifier).await;
    assert_eq!(tokens.status(), 200);
    // Used once: the same request_uri is refused, on a page (no redirect).
    assert_eq!(first_answer(&app, &url).await, (400, String::new()));
}

#[tokio::test]
async fn an_expired_request_uri_is_refused() {
    let (app, client) = fixture().await;
    let (uri, _) = pushed(&app, &client).await;
    let past = portico::store::now() - chrono::TimeDelta::seconds(1);
    app.db
        .write_blocking(|c| {
            diesel::update(pushed_requests::table)
                .set(pushed_requests::expires_at.eq(past))
                .execute(c)
                .map_err(portico::store::StoreError::from)
        })
        .unwrap();
    let url = authorize_with(&app, &client.client_id, &uri);
    assert_eq!(first_answer(&app, &url).await, (400, String::new()));
}

#[tokio::test]
async fn another_clients_request_uri_is_refused_and_left_alone() {
    let (app, client) = fixture().await;
    let other = app.web_app("contoso");
    let (uri, _) = pushed(&app, &client).await;
    let stolen = authorize_with(&app, &other.client_id, &uri);
    assert_eq!(first_answer(&app, &stolen).await, (400, String::new()));
    // Naming both clients is no way around it.
    let own = authorize_with(&app, &client.client_id, &uri);
    let both = format!("{own}&client_id={}", other.client_id);
    assert_eq!(first_answer(&app, &both).await, (400, String::new()));
    // The owner can still use it.
    let (status, location) = first_answer(&app, &own).await;
    assert_eq!(status, 303);
    assert!(location.contains("/login?"), "{location}");
}

#[tokio::test]
async fn an_app_that_must_push_refuses_plain_requests() {
    let (app, client) = fixture().await;
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    app.db
        .write_blocking(|c| {
            portico::admin::client_auth::set_require_par(
                c,
                &tenant.id,
                &client.client_id,
                true,
                "test",
            )
        })
        .unwrap();
    let (plain, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    let (status, location) = first_answer(&app, &plain).await;
    assert_eq!(status, 303);
    assert!(location.starts_with(&client.redirect_uri), "{location}");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-1"));
    let (uri, _) = pushed(&app, &client).await;
    let (status, location) =
        first_answer(&app, &authorize_with(&app, &client.client_id, &uri)).await;
    assert_eq!(status, 303);
    assert!(location.contains("/login?"), "{location}");
}

#[tokio::test]
async fn an_invalid_pushed_request_is_refused_at_par() {
    let (app, client) = fixture().await;
    let (good, _) = request_params(&app, &client);
    let with = |name: &str, value: &str| {
        let mut params: Vec<(String, String)> =
            good.iter().filter(|(k, _)| k != name).cloned().collect();
        params.push((name.to_owned(), value.to_owned()));
        params
    };
    let cases = [
        (
            with("redirect_uri", "https://attacker.example/cb"),
            "invalid_request",
        ),
        (with("response_type", "token"), "unsupported_response_type"),
        (with("scope", "openid unknown-scope"), "invalid_scope"),
        (
            with("request_uri", "urn:ietf:params:oauth:request_uri:x"),
            "invalid_request",
        ),
        (with("client_id", "someone-else"), "invalid_client"),
    ];
    for (params, error) in cases {
        let response = push(&app, &client, &params).await;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{params:?}");
        assert_eq!(status, if error == "invalid_client" { 401 } else { 400 });
    }
    // Unauthenticated: no secret.
    let anonymous = reqwest::Client::new()
        .post(format!("{}/par", app.issuer("contoso")))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // Too large.
    let huge = with("ui_locales", &"x".repeat(10_000));
    assert_eq!(push(&app, &client, &huge).await.status(), 400);
}

#[tokio::test]
async fn discovery_advertises_par() {
    let (app, _) = fixture().await;
    let doc = app.discovery("contoso").await;
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        format!("{}/par", app.issuer("contoso"))
    );
    assert_eq!(doc["require_pushed_authorization_requests"], false);
}

#[tokio::test]
async fn the_switch_is_set_on_the_api() {
    let (app, client) = fixture().await;
    let admin = admin_token(&app).await;
    let path = format!("/apps/{}", client.client_id);
    let on = serde_json::json!({ "require_pushed_authorization_requests": true });
    let (status, body, _) = call(&app, reqwest::Method::PATCH, &path, Some(&admin), Some(on)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["require_pushed_authorization_requests"], true);
    let (plain, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    let (_, location) = first_answer(&app, &plain).await;
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request")
    );
    let bad = serde_json::json!({ "require_pushed_authorization_requests": "yes" });
    let (status, _, _) = call(&app, reqwest::Method::PATCH, &path, Some(&admin), Some(bad)).await;
    assert_eq!(status, 400);
}

#[test]
fn the_switch_is_set_on_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let created = cli_json(
        &db,
        "app create --tenant contoso --name Web --grant authorization_code \
         --redirect-uri https://web.example/cb --require-par --json",
    );
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let required = || stored_app(&db, "contoso", &client_id).require_pushed_authorization_requests;
    assert!(required());
    cli(
        &db,
        &[
            "app",
            "par",
            "--tenant",
            "contoso",
            "--client-id",
            &client_id,
            "--off",
        ],
    );
    assert!(!required());
}
