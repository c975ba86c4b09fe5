//! The token endpoint binds tokens to the proof's key (RFC 9449 §5, §6) and
//! demands its nonce (§8); a public client's refresh token stays bound.

use portico::domain::GrantType;

use super::{
    DpopKey, bound_tokens, claims, code_for, code_form, contoso, dpop_token, error_of, nonce_of,
    post_token, service, token_url,
};
use crate::helpers::{authorize_url, jwt_payload, query_param, spawn_app, spawn_app_with};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

#[tokio::test]
async fn a_proof_without_the_servers_nonce_is_answered_with_one_to_retry_with() {
    let app = spawn_app().await;
    contoso(&app);
    let client = service(&app);
    let key = DpopKey::es256();
    let first = post_token(
        &app,
        &client,
        CLIENT_CREDENTIALS,
        Some(&key.proof(&claims("POST", &token_url(&app), None))),
    )
    .await;
    let nonce = nonce_of(&first).expect("DPoP-Nonce header");
    assert_eq!(error_of(first).await, (400, "use_dpop_nonce".into()));

    let wrong = key.proof(&claims("POST", &token_url(&app), Some("made-up")));
    let refused = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&wrong)).await;
    assert_eq!(error_of(refused).await, (400, "use_dpop_nonce".into()));

    let retry = key.proof(&claims("POST", &token_url(&app), Some(&nonce)));
    let response = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&retry)).await;
    assert_eq!(response.status(), 200);
    assert!(nonce_of(&response).is_some(), "the next nonce comes along");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let access = jwt_payload(body["access_token"].as_str().unwrap());
    assert_eq!(access["cnf"]["jkt"], key.thumbprint());
}

#[tokio::test]
async fn with_nonces_turned_off_a_proof_without_one_is_taken() {
    let app = spawn_app_with(|s| s.dpop.nonce_at_token_endpoint = false).await;
    contoso(&app);
    let client = service(&app);
    let proof = DpopKey::es256().proof(&claims("POST", &token_url(&app), None));
    let response = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&proof)).await;
    assert_eq!(response.status(), 200);
    assert!(nonce_of(&response).is_none());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
}

#[tokio::test]
async fn without_a_proof_tokens_stay_bearer_tokens() {
    let app = spawn_app().await;
    contoso(&app);
    let client = service(&app);
    let response = post_token(&app, &client, CLIENT_CREDENTIALS, None).await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(jwt_payload(body["access_token"].as_str().unwrap())["cnf"].is_null());
}

#[tokio::test]
async fn a_public_clients_refresh_token_needs_a_proof_of_the_same_key() {
    let app = spawn_app().await;
    contoso(&app);
    let client = app.app(
        "contoso",
        true,
        false,
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        vec![],
    );
    let key = DpopKey::es256();
    let tokens = bound_tokens(&app, &client, &key, "openid offline_access").await;
    assert_eq!(tokens["token_type"], "DPoP");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];

    let other = dpop_token(&app, &client, &DpopKey::rs256(), &form).await;
    assert_eq!(error_of(other).await, (400, "invalid_grant".into()));
    let bare = post_token(&app, &client, &form, None).await;
    assert_eq!(error_of(bare).await, (400, "invalid_grant".into()));

    // The refusals used nothing up: the key's holder still refreshes.
    let response = dpop_token(&app, &client, &key, &form).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let access = jwt_payload(body["access_token"].as_str().unwrap());
    assert_eq!(access["cnf"]["jkt"], key.thumbprint());
    let next = body["refresh_token"].as_str().unwrap();
    let bare = post_token(
        &app,
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", next)],
        None,
    )
    .await;
    assert_eq!(
        error_of(bare).await,
        (400, "invalid_grant".into()),
        "the rotated token is bound too"
    );
}

#[tokio::test]
async fn a_confidential_clients_refresh_token_is_not_bound() {
    let app = spawn_app().await;
    contoso(&app);
    let client = app.web_app("contoso");
    let key = DpopKey::rs256();
    let tokens = bound_tokens(&app, &client, &key, "openid offline_access").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let response = post_token(&app, &client, &form, None).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn an_app_registered_for_dpop_is_refused_without_a_proof() {
    let app = spawn_app().await;
    contoso(&app);
    let client = service(&app);
    portico::admin::provision::require_dpop(&app.db, "contoso", &client.client_id).unwrap();
    let bare = post_token(&app, &client, CLIENT_CREDENTIALS, None).await;
    assert_eq!(error_of(bare).await, (400, "invalid_dpop_proof".into()));
    let response = dpop_token(&app, &client, &DpopKey::es256(), CLIENT_CREDENTIALS).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn discovery_lists_the_proof_algorithms() {
    let app = spawn_app().await;
    contoso(&app);
    let doc: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        app.issuer("contoso")
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let algs = doc["dpop_signing_alg_values_supported"].as_array().unwrap();
    for alg in ["ES256", "PS256", "RS256"] {
        assert!(algs.iter().any(|a| a == alg), "{alg} in {algs:?}");
    }
    assert!(!algs.iter().any(|a| a.as_str().unwrap().starts_with("HS")));
}

#[tokio::test]
async fn a_code_bound_at_authorize_is_redeemed_only_with_a_proof_of_that_key() {
    let app = spawn_app().await;
    contoso(&app);
    let client = app.web_app("contoso");
    let key = DpopKey::es256();
    let jkt = key.thumbprint();
    let bound = [("dpop_jkt", jkt.as_str())];

    let (code, verifier) = code_for(&app, &client, "openid", &bound).await;
    let form = code_form(&client, &code, &verifier);
    let other = dpop_token(&app, &client, &DpopKey::es256(), &form).await;
    assert_eq!(error_of(other).await, (400, "invalid_grant".into()));
    let (code, verifier) = code_for(&app, &client, "openid", &bound).await;
    let bare = post_token(&app, &client, &code_form(&client, &code, &verifier), None).await;
    assert_eq!(error_of(bare).await, (400, "invalid_grant".into()));

    let (code, verifier) = code_for(&app, &client, "openid", &bound).await;
    let response = dpop_token(&app, &client, &key, &code_form(&client, &code, &verifier)).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        jwt_payload(body["access_token"].as_str().unwrap())["cnf"]["jkt"],
        jkt
    );

    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[("dpop_jkt", "short")]);
    let back = app.follow(&app.browser(), &url).await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("invalid_request")
    );
}
