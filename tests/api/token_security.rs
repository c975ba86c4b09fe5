//! The token endpoint's "must nots": replay, PKCE, redirect mismatch, client
//! authentication, refresh reuse, cross-tenant use, revocation, tampering.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::helpers::{
    PASSWORD, TestApp, TestClient, authorize_url, introspect, jwt_payload, query_param, redeem,
    spawn_app, tokens_for_member,
};

async fn code_for(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    email: &str,
    scope: &str,
) -> (String, String) {
    let (url, verifier) = authorize_url(app, slug, client, scope, &[]);
    let back = app.sign_in(&app.browser(), &url, email, PASSWORD).await;
    (query_param(&back, "code").expect("code"), verifier)
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn userinfo_status(app: &TestApp, slug: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/userinfo", app.issuer(slug)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh(app: &TestApp, slug: &str, client: &TestClient, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/token", app.issuer(slug)))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
}

fn setup_contoso(app: &TestApp) -> TestClient {
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    app.web_app("contoso")
}

#[tokio::test]
async fn a_replayed_code_is_rejected_and_revokes_its_tokens() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let (code, verifier) = code_for(
        &app,
        "contoso",
        &client,
        "megan@contoso.example",
        "openid offline_access",
    )
    .await;
    let first: serde_json::Value = redeem(&app, "contoso", &client, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh_token = first["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        introspect(&app, "contoso", &client, &access).await["active"],
        true
    );

    let (status, error) = error_of(redeem(&app, "contoso", &client, &code, &verifier).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
    assert_eq!(
        introspect(&app, "contoso", &client, &access).await["active"],
        false
    );
    assert_eq!(
        introspect(&app, "contoso", &client, &refresh_token).await["active"],
        false
    );
    assert_eq!(userinfo_status(&app, "contoso", &access).await, 401);
    let (_, error) = error_of(refresh(&app, "contoso", &client, &refresh_token).await).await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn a_wrong_code_verifier_or_redirect_uri_is_refused() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let (code, _) = code_for(&app, "contoso", &client, "megan@contoso.example", "openid").await;
    let wrong = "another-verifier-that-is-long-enough-to-be-well-formed-000000000";
    let (status, error) = error_of(redeem(&app, "contoso", &client, &code, wrong).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));

    let (code, verifier) =
        code_for(&app, "contoso", &client, "megan@contoso.example", "openid").await;
    let response = reqwest::Client::new()
        .post(format!("{}/token", app.issuer("contoso")))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(response).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_www_authenticate() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    for (id, secret) in [
        (client.client_id.as_str(), "wrong"),
        ("no-such-client", "wrong"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/token", app.issuer("contoso")))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().contains_key("www-authenticate"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        // The same words whether or not the client exists.
        assert_eq!(body["error_description"], "Client authentication failed.");
    }
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let tokens = tokens_for_member(
        &app,
        "contoso",
        &client,
        "megan@contoso.example",
        "openid offline_access",
    )
    .await;
    let original = tokens["refresh_token"].as_str().unwrap().to_owned();
    let rotated: serde_json::Value = refresh(&app, "contoso", &client, &original)
        .await
        .json()
        .await
        .unwrap();
    let newest = rotated["refresh_token"].as_str().unwrap().to_owned();
    let newest_access = rotated["access_token"].as_str().unwrap().to_owned();

    let (_, error) = error_of(refresh(&app, "contoso", &client, &original).await).await;
    assert_eq!(
        error, "invalid_grant",
        "reuse of a rotated token is refused"
    );
    let (_, error) = error_of(refresh(&app, "contoso", &client, &newest).await).await;
    assert_eq!(error, "invalid_grant", "and the whole family is dead");
    assert_eq!(
        introspect(&app, "contoso", &client, &newest_access).await["active"],
        false
    );
}

#[tokio::test]
async fn tenant_a_codes_and_tokens_are_refused_by_tenant_b() {
    let app = spawn_app().await;
    let contoso = setup_contoso(&app);
    app.tenant("fabrikam");
    let fabrikam = app.web_app("fabrikam");
    let (code, verifier) =
        code_for(&app, "contoso", &contoso, "megan@contoso.example", "openid").await;

    // Contoso's client is unknown at Fabrikam.
    let (status, error) =
        error_of(redeem(&app, "fabrikam", &contoso, &code, &verifier).await).await;
    assert_eq!((status, error.as_str()), (401, "invalid_client"));
    // Fabrikam's own client cannot redeem Contoso's code either.
    let (status, error) =
        error_of(redeem(&app, "fabrikam", &fabrikam, &code, &verifier).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));

    let tokens: serde_json::Value = redeem(&app, "contoso", &contoso, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&app, "contoso", access).await, 200);
    assert_eq!(userinfo_status(&app, "fabrikam", access).await, 401);
    assert_eq!(
        introspect(&app, "fabrikam", &fabrikam, access).await["active"],
        false
    );
    assert_eq!(
        introspect(&app, "contoso", &contoso, access).await["active"],
        true
    );
}

#[tokio::test]
async fn a_revoked_access_token_is_inactive_at_introspection() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let tokens =
        tokens_for_member(&app, "contoso", &client, "megan@contoso.example", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        introspect(&app, "contoso", &client, access).await["active"],
        true
    );
    let response = reqwest::Client::new()
        .post(format!("{}/revoke", app.issuer("contoso")))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        introspect(&app, "contoso", &client, access).await["active"],
        false
    );
    assert_eq!(userinfo_status(&app, "contoso", access).await, 401);
}

#[tokio::test]
async fn tampered_and_unsigned_tokens_are_refused_at_userinfo() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let tokens = tokens_for_member(
        &app,
        "contoso",
        &client,
        "megan@contoso.example",
        "openid email",
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    let parts: Vec<&str> = access.split('.').collect();

    // Change the subject, keep the signature.
    let mut claims = jwt_payload(access);
    claims["sub"] = "someone-else".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    // alg: none, no signature.
    let header = serde_json::json!({"alg": "none", "typ": "at+jwt"});
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        parts[1]
    );
    // HS256 "signed" with the public key material would be an algorithm confusion.
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = jsonwebtoken::decode_header(access).unwrap().kid;
    hs.typ = Some("at+jwt".into());
    let confused = jsonwebtoken::encode(
        &hs,
        &jwt_payload(access),
        &jsonwebtoken::EncodingKey::from_secret(b"x"),
    )
    .unwrap();

    assert_eq!(userinfo_status(&app, "contoso", access).await, 200);
    for bad in [tampered, unsigned, confused, "garbage".to_owned()] {
        let response = reqwest::Client::new()
            .get(format!("{}/userinfo", app.issuer("contoso")))
            .bearer_auth(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{bad} accepted");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("invalid_token"), "{challenge}");
    }
}

#[tokio::test]
async fn malformed_token_requests_get_oauth_errors_not_500s() {
    let app = spawn_app().await;
    let client = setup_contoso(&app);
    let token_url = format!("{}/token", app.issuer("contoso"));
    let http = reqwest::Client::new();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (vec![("grant_type", "password")], "unsupported_grant_type"),
        (
            vec![("grant_type", "authorization_code")],
            "invalid_request",
        ),
        (
            vec![("grant_type", "client_credentials"), ("scope", "nonsense")],
            "invalid_scope",
        ),
        (
            vec![("grant_type", "client_credentials")],
            "unauthorized_client",
        ),
    ];
    for (form, expected) in cases {
        let response = http
            .post(&token_url)
            .basic_auth(&client.client_id, client.secret.as_deref())
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let (status, error) = error_of(response).await;
        assert_eq!(error, expected, "{form:?}");
        assert!(status == 400 || status == 401, "{status}");
    }
    // Duplicate parameters and a non-form body.
    let response = http
        .post(&token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=password")
        .basic_auth(&client.client_id, client.secret.as_deref())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "invalid_request");
    let response = http
        .post(&token_url)
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = http
        .post(format!("{}/t/nowhere/token", app.base))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
