//! Registering how an app authenticates: on the admin API (`PATCH
//! /api/v1/apps/{client_id}`) and the CLI (`portico app create|auth`),
//! with bad registrations refused.

use portico::domain::TokenAuthMethod;
use portico::store;
use portico::tokens::keys::SigningAlg;
use reqwest::Method;

use super::{ClientKey, app_with_client, claims, token_with};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{SECRET_KEY, cli, cli_json, stored_app};
use crate::helpers::fresh_database;

#[tokio::test]
async fn an_app_registers_its_keys_on_the_api() {
    let (app, client) = app_with_client().await;
    let admin = admin_token(&app).await;
    let path = format!("/apps/{}", client.client_id);
    let key = ClientKey::new(SigningAlg::Rs256);
    let patch =
        |body: serde_json::Value| call(&app, Method::PATCH, &path, Some(&admin), Some(body));

    let bad = [
        serde_json::json!({ "token_endpoint_auth_method": "private_key_jwt" }),
        serde_json::json!({ "token_endpoint_auth_method": "none" }),
        serde_json::json!({ "token_endpoint_auth_method": "private_key_jwt",
                            "jwks": { "keys": [ { "kty": "oct", "k": "c2VjcmV0" } ] } }),
        serde_json::json!({ "token_endpoint_auth_method": "private_key_jwt",
                            "jwks_uri": "http://169.254.169.254/keys" }),
        serde_json::json!({ "token_endpoint_auth_method": "client_secret_basic",
                            "jwks": key.jwks() }),
        serde_json::json!({ "token_endpoint_auth_method": "private_key_jwt_please" }),
    ];
    for body in bad {
        assert_eq!(patch(body.clone()).await.0, 400, "{body}");
    }

    let (status, body, _) = patch(serde_json::json!({
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": key.jwks(),
    }))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_endpoint_auth_method"], "private_key_jwt");
    assert!(body.get("client_secret").is_none());
    let assertion = key.sign(&claims(&client.client_id, &app.issuer("contoso")));
    assert_eq!(token_with(&app, &assertion).await.status(), 200);

    let (status, body, _) =
        patch(serde_json::json!({ "token_endpoint_auth_method": "client_secret_jwt" })).await;
    assert_eq!(status, 200);
    assert!(
        body["client_secret"]
            .as_str()
            .is_some_and(|s| s.len() >= 43)
    );
}

#[test]
fn an_app_registers_its_keys_on_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let key = ClientKey::new(SigningAlg::Es256);
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, key.jwks().to_string()).unwrap();
    let created = cli_json(
        &db,
        &format!(
            "app create --tenant contoso --name Batch --grant client_credentials \
             --token-endpoint-auth-method private_key_jwt --jwks-file {} --json",
            jwks_file.display()
        ),
    );
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let stored = || stored_app(&db, "contoso", &client_id);
    let app = stored();
    assert_eq!(app.auth.method, Some(TokenAuthMethod::PrivateKeyJwt));
    assert_eq!(app.auth.jwks.as_ref().map(|j| j.keys.len()), Some(1));

    let switched = cli_json(
        &db,
        &format!(
            "app auth --tenant contoso --client-id {client_id} \
             --token-endpoint-auth-method client_secret_jwt --json"
        ),
    );
    let secret = switched["client_secret"].as_str().unwrap();
    let app = stored();
    assert_eq!(app.auth.method, Some(TokenAuthMethod::ClientSecretJwt));
    assert!(app.auth.jwks.is_none());
    // Sealed with the server key, bound to this client.
    let sealer = portico::crypto::Sealer::from_base64(SECRET_KEY).unwrap();
    let context = store::apps::secret_context(&app.tenant_id, &client_id);
    assert_eq!(
        sealer
            .open(&context, app.auth.secret_sealed.as_deref().unwrap())
            .unwrap(),
        secret
    );
    assert!(
        sealer
            .open(
                &store::apps::secret_context(&app.tenant_id, "other"),
                app.auth.secret_sealed.as_deref().unwrap()
            )
            .is_err()
    );
}
