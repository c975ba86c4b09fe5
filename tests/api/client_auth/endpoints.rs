//! The happy paths: a client registered for private_key_jwt (RS256 and
//! ES256 keys, inline) or client_secret_jwt gets a token, introspects it and
//! revokes it, authenticating each time with a fresh assertion; discovery
//! says so.

use portico::domain::TokenAuthMethod;
use portico::tokens::keys::SigningAlg;

use super::{
    app_with_client, claims, hmac_assertion, key_client, post_with_assertion, register, token_with,
};
use crate::helpers::TestApp;

/// Token, introspection, revocation, introspection again, each call with
/// a new assertion from `assertion()`.
async fn token_introspect_revoke(app: &TestApp, assertion: impl Fn() -> String) {
    let response = token_with(app, &assertion()).await;
    assert_eq!(response.status(), 200, "token: {:?}", response.text().await);
    let body: serde_json::Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let introspect = |a: String| {
        let token = token.clone();
        async move {
            let response =
                post_with_assertion(app, "/introspect", &a, &[("token", token.as_str())]).await;
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    assert_eq!(introspect(assertion()).await["active"], true);
    let revoked = post_with_assertion(app, "/revoke", &assertion(), &[("token", &token)]).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(introspect(assertion()).await["active"], false);
}

#[tokio::test]
async fn private_key_jwt_rs256_at_token_introspection_and_revocation() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    let aud = app.issuer("contoso");
    token_introspect_revoke(&app, || key.sign(&claims(&client.client_id, &aud))).await;
}

#[tokio::test]
async fn private_key_jwt_es256_with_the_token_endpoint_as_audience() {
    let (app, client, key) = key_client(SigningAlg::Es256).await;
    let token_endpoint = format!("{}/token", app.issuer("contoso"));
    token_introspect_revoke(&app, || {
        let mut c = claims(&client.client_id, "");
        // An array holding an accepted audience is accepted too.
        c["aud"] = serde_json::json!(["https://elsewhere.example", token_endpoint]);
        key.sign(&c)
    })
    .await;
}

#[tokio::test]
async fn client_secret_jwt_at_token_introspection_and_revocation() {
    let (app, client) = app_with_client().await;
    let secret = register(&app, &client, TokenAuthMethod::ClientSecretJwt, None, None)
        .expect("a new secret");
    assert_ne!(
        Some(&secret),
        client.secret.as_ref(),
        "a new secret is issued"
    );
    let aud = app.issuer("contoso");
    token_introspect_revoke(&app, || {
        hmac_assertion(&secret, &claims(&client.client_id, &aud))
    })
    .await;
}

#[tokio::test]
async fn discovery_lists_the_methods_and_algorithms() {
    let (app, _) = app_with_client().await;
    let doc = app.discovery("contoso").await;
    let methods = &doc["token_endpoint_auth_methods_supported"];
    for m in [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "none",
    ] {
        assert!(methods.as_array().unwrap().iter().any(|v| v == m), "{m}");
    }
    assert!(
        !doc["introspection_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "none")
    );
    for field in [
        "token_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
    ] {
        assert_eq!(
            doc[field],
            serde_json::json!(["HS256", "RS256", "PS256", "ES256"]),
            "{field}"
        );
    }
}
