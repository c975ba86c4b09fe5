//! Calling the admin API as an administrator or with any bearer token.

use portico::domain::GrantType;

use super::{PASSWORD, TestApp, tokens_for_member};

pub async fn admin_token(app: &TestApp) -> String {
    portico::admin::provision::create_member(
        &app.db,
        "contoso",
        "admin@contoso.example",
        "Ada Admin",
        PASSWORD,
        true,
    )
    .unwrap();
    let portal = app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let tokens =
        tokens_for_member(app, "contoso", &portal, "admin@contoso.example", "openid").await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, String) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}/api/v1{path}", app.issuer("contoso")));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        content_type,
    )
}
