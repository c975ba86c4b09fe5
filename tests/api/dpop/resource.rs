//! A DPoP-bound access token at UserInfo and introspection (RFC 9449 §6, §7):
//! only under the `DPoP` scheme, with a proof of its key for that request.

use portico::domain::Permission;

use super::{DpopKey, ath, bound_tokens, claims, contoso, userinfo_url};
use crate::helpers::{TestApp, introspect, spawn_app};

/// A member's DPoP-bound access token from a confidential web app.
async fn bound_access_token(app: &TestApp, key: &DpopKey) -> String {
    let client = app.web_app("contoso");
    let tokens = bound_tokens(app, &client, key, "openid profile").await;
    assert_eq!(tokens["token_type"], "DPoP");
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// GET /userinfo with `authorization` and, when given, a `DPoP` proof.
async fn userinfo(app: &TestApp, authorization: &str, proof: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(userinfo_url(app))
        .header("authorization", authorization);
    if let Some(p) = proof {
        request = request.header("DPoP", p);
    }
    request.send().await.unwrap()
}

/// A proof by `key` for GET /userinfo carrying `token`'s hash.
fn userinfo_proof(app: &TestApp, key: &DpopKey, token: &str) -> String {
    let mut claims = claims("GET", &userinfo_url(app), None);
    claims["ath"] = ath(token).into();
    key.proof(&claims)
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn a_bound_token_with_a_proof_of_its_key_reads_userinfo_and_introspects_with_cnf() {
    let app = spawn_app().await;
    contoso(&app);
    let key = DpopKey::es256();
    let token = bound_access_token(&app, &key).await;
    let proof = userinfo_proof(&app, &key, &token);
    let response = userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["sub"].is_string());

    let resource = app.app(
        "contoso",
        false,
        false,
        vec![],
        vec![Permission::TokensIntrospect],
    );
    let described = introspect(&app, "contoso", &resource, &token).await;
    assert_eq!(described["active"], true);
    assert_eq!(described["token_type"], "DPoP");
    assert_eq!(described["cnf"]["jkt"], key.thumbprint());
}

#[tokio::test]
async fn a_bound_token_presented_as_a_bearer_token_is_refused() {
    let app = spawn_app().await;
    contoso(&app);
    let key = DpopKey::rs256();
    let token = bound_access_token(&app, &key).await;
    let proof = userinfo_proof(&app, &key, &token);
    let presented = userinfo(&app, &format!("Bearer {token}"), Some(&proof)).await;
    assert_eq!(presented.status(), 401);
    let challenge = challenge(&presented);
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(challenge.contains("algs=\""), "{challenge}");
    let form = reqwest::Client::new()
        .post(userinfo_url(&app))
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 401);
}

#[tokio::test]
async fn a_bound_token_with_a_proof_of_another_key_is_refused() {
    let app = spawn_app().await;
    contoso(&app);
    let key = DpopKey::es256();
    let token = bound_access_token(&app, &key).await;
    let proof = userinfo_proof(&app, &DpopKey::es256(), &token);
    let response = userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains(r#"error="invalid_dpop_proof""#));
}

#[tokio::test]
async fn a_proof_without_the_tokens_hash_or_for_another_method_is_refused() {
    let app = spawn_app().await;
    contoso(&app);
    let key = DpopKey::es256();
    let token = bound_access_token(&app, &key).await;
    let no_ath = key.proof(&claims("GET", &userinfo_url(&app), None));
    let response = userinfo(&app, &format!("DPoP {token}"), Some(&no_ath)).await;
    assert_eq!(response.status(), 401);
    assert!(challenge(&response).contains(r#"error="invalid_dpop_proof""#));

    let mut post = claims("POST", &userinfo_url(&app), None);
    post["ath"] = ath(&token).into();
    let response = userinfo(&app, &format!("DPoP {token}"), Some(&key.proof(&post))).await;
    assert_eq!(response.status(), 401);

    let missing = userinfo(&app, &format!("DPoP {token}"), None).await;
    assert_eq!(missing.status(), 401);

    let proof = userinfo_proof(&app, &key, &token);
    let ok = userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await;
    assert_eq!(ok.status(), 200);
    let replayed = userinfo(&app, &format!("DPoP {token}"), Some(&proof)).await;
    assert_eq!(replayed.status(), 401, "a proof is good once");
}
