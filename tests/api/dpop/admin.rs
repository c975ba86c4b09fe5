//! Apps made to use DPoP (RFC 9449 §5.2 `dpop_bound_access_tokens`) on the
//! admin API and the CLI, and a bound app token at the admin API.

use portico::domain::{GrantType, Permission};
use reqwest::Method;

use super::{DpopKey, ath, claims, contoso, dpop_token, error_of, post_token};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::cli;
use crate::helpers::{TestApp, fresh_database, spawn_app};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

/// GET /api/v1/users with `authorization` and, when given, a proof.
async fn list_users(app: &TestApp, authorization: &str, proof: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .get(users_url(app))
        .header("authorization", authorization);
    if let Some(p) = proof {
        request = request.header("DPoP", p);
    }
    request.send().await.unwrap().status().as_u16()
}

fn users_url(app: &TestApp) -> String {
    format!("{}/api/v1/users", app.issuer("contoso"))
}

#[tokio::test]
async fn an_app_made_to_use_dpop_on_the_api_calls_the_api_with_proofs_only() {
    let app = spawn_app().await;
    contoso(&app);
    let admin = admin_token(&app).await;
    let client = app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::UsersReadWrite],
    );
    let path = format!("/apps/{}", client.client_id);
    let on = serde_json::json!({ "dpop_bound_access_tokens": true });
    let (status, body, _) = call(&app, Method::PATCH, &path, Some(&admin), Some(on)).await;
    assert_eq!(
        (status, body["dpop_bound_access_tokens"].as_bool()),
        (200, Some(true))
    );
    let nothing = serde_json::json!({});
    let (status, _, _) = call(&app, Method::PATCH, &path, Some(&admin), Some(nothing)).await;
    assert_eq!(status, 400);

    let bare = post_token(&app, &client, CLIENT_CREDENTIALS, None).await;
    assert_eq!(error_of(bare).await, (400, "invalid_dpop_proof".into()));
    let key = DpopKey::es256();
    let response = dpop_token(&app, &client, &key, CLIENT_CREDENTIALS).await;
    let body: serde_json::Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();

    let mut proof = claims("GET", &users_url(&app), None);
    proof["ath"] = ath(token).into();
    let proof = key.proof(&proof);
    assert_eq!(
        list_users(&app, &format!("Bearer {token}"), Some(&proof)).await,
        401
    );
    assert_eq!(list_users(&app, &format!("DPoP {token}"), None).await, 401);
    assert_eq!(
        list_users(&app, &format!("DPoP {token}"), Some(&proof)).await,
        200
    );
}

#[test]
fn an_app_is_made_to_use_dpop_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let created: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "app",
            "create",
            "--tenant",
            "contoso",
            "--name",
            "Daemon",
            "--grant",
            "client_credentials",
            "--dpop-bound-access-tokens",
            "--json",
        ],
    ))
    .unwrap();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let db = portico::store::Db::connect(&db).unwrap();
    let tenant = portico::admin::provision::tenant(&db, "contoso").unwrap();
    let app = db
        .read_blocking(move |c| portico::store::apps::find(c, &tenant.id, &client_id))
        .unwrap()
        .unwrap();
    assert!(app.dpop_bound_access_tokens);
}
