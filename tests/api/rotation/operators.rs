//! Rotation as operators start it: the admin API's refusals, two tenants
//! rotating independently, and `portico keys` (list, rotate, `--now`).

use std::time::Duration;

use portico::domain::GrantType;

use super::{fetch_jwks, kid_of, kids, listed, quick_rotation};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{cli, cli_refuses};
use crate::helpers::{fresh_database, spawn_app_with};

#[tokio::test]
async fn tenants_rotate_independently_and_the_api_refuses_what_would_break_relying_parties() {
    // The admin's access token must outlive this test's two seconds.
    let app = spawn_app_with(|s| {
        quick_rotation(s);
        s.lifetimes.access_token = chrono::TimeDelta::minutes(5);
    })
    .await;
    app.tenant("contoso");
    app.tenant("fabrikam");
    let grants = || vec![GrantType::ClientCredentials];
    let fabrikam_app = app.app("fabrikam", false, false, grants(), vec![]);
    let contoso_app = app.app("contoso", false, false, grants(), vec![]);
    let kid_at = |slug: &'static str, client| {
        let app = &app;
        async move {
            kid_of(
                app.client_token(slug, client).await["access_token"]
                    .as_str()
                    .unwrap(),
            )
        }
    };
    let fabrikam_kid = kid_at("fabrikam", &fabrikam_app).await;
    let contoso_kid = kid_at("contoso", &contoso_app).await;
    let fabrikam_jwks = kids(&fetch_jwks(&app, "fabrikam").await.0);
    let admin = admin_token(&app).await;
    let rotate = |body: serde_json::Value| {
        call(
            &app,
            reqwest::Method::POST,
            "/keys/rotation",
            Some(&admin),
            Some(body),
        )
    };

    let (status, body, _) = rotate(serde_json::json!({"now": true})).await;
    assert_eq!(status, 400, "now without force: {body}");
    let soon = (chrono::Utc::now() + chrono::TimeDelta::milliseconds(500)).to_rfc3339();
    let (status, body, _) = rotate(serde_json::json!({"at": soon})).await;
    assert_eq!(
        status, 400,
        "a switch before the pre-publication ends: {body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("unknown kid"),
        "{body}"
    );
    let (status, body, _) = rotate(serde_json::json!({"at": "tomorrow"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, scheduled, _) = rotate(serde_json::json!({})).await;
    assert_eq!(status, 201, "{scheduled}");
    let (status, body, _) = rotate(serde_json::json!({})).await;
    assert_eq!(status, 409, "one rotation at a time: {body}");
    assert_eq!(listed(&app, &admin).await.len(), 2);

    tokio::time::sleep(Duration::from_millis(2300)).await;
    let new_kid = kid_at("contoso", &contoso_app).await;
    assert_eq!(new_kid, scheduled["kid"].as_str().unwrap());
    assert_ne!(new_kid, contoso_kid);
    assert_eq!(
        kid_at("fabrikam", &fabrikam_app).await,
        fabrikam_kid,
        "fabrikam's key stays"
    );
    assert_eq!(kids(&fetch_jwks(&app, "fabrikam").await.0), fabrikam_jwks);
    assert!(fabrikam_jwks.iter().all(|k| *k != new_kid));
}

/// `keys list` as (kid, state) pairs.
fn states(db: &str) -> Vec<(String, String)> {
    cli(db, &["keys", "list", "--tenant", "contoso"])
        .lines()
        .skip(1)
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words[0].to_owned(), words[2].to_owned())
        })
        .collect()
}

fn printed_kid(out: &str) -> String {
    out.split_whitespace()
        .skip_while(|w| *w != "key")
        .nth(1)
        .unwrap_or_else(|| panic!("no kid in {out}"))
        .to_owned()
}

#[test]
fn the_cli_publishes_the_next_key_first_and_switches_at_once_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let first = states(&db);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].1, "current");

    let help = cli(&db, &["keys", "rotate", "--help"]);
    assert!(help.contains("--force"), "{help}");
    let refused = cli_refuses(&db, &["keys", "rotate", "--tenant", "contoso", "--now"]);
    assert!(refused.contains("--force"), "{refused}");
    let refused = cli_refuses(
        &db,
        &[
            "keys",
            "rotate",
            "--tenant",
            "contoso",
            "--key-prepublish",
            "10",
        ],
    );
    assert!(refused.contains("JWKS max-age"), "{refused}");

    let out = cli(&db, &["keys", "rotate", "--tenant", "contoso"]);
    assert!(out.starts_with("Published next key"), "{out}");
    let next = printed_kid(&out);
    let listed = states(&db);
    assert!(
        listed.contains(&(next.clone(), "next".into())),
        "{listed:?}"
    );
    assert!(
        listed.contains(&(first[0].0.clone(), "current".into())),
        "{listed:?}"
    );
    let refused = cli_refuses(&db, &["keys", "rotate", "--tenant", "contoso"]);
    assert!(refused.contains("already scheduled"), "{refused}");

    let out = cli(
        &db,
        &["keys", "rotate", "--tenant", "contoso", "--now", "--force"],
    );
    assert!(out.starts_with("New current key"), "{out}");
    let forced = printed_kid(&out);
    let listed = states(&db);
    assert!(listed.contains(&(forced, "current".into())), "{listed:?}");
    assert!(
        listed.contains(&(first[0].0.clone(), "retired".into())),
        "{listed:?}"
    );
    assert!(
        listed.iter().all(|(kid, _)| *kid != next),
        "the waiting key was replaced: {listed:?}"
    );
}
