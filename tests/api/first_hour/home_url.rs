//! An app's home page: set through the admin API and the CLI, refused
//! unless it is https (or http on a loopback address).

use std::process::{Command, Stdio};

use portico::store;
use reqwest::Method;

use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{BIN, SECRET_KEY, cli};
use crate::helpers::{fresh_database, spawn_app};

#[tokio::test]
async fn the_admin_api_sets_checks_and_clears_an_apps_home_page() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let token = admin_token(&app).await;
    let web = app.web_app("contoso");
    let path = format!("/apps/{}", web.client_id);
    let set = serde_json::json!({"home_url": "https://app.example/home"});
    let (status, body, _) = call(&app, Method::PATCH, &path, Some(&token), Some(set)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["home_url"], "https://app.example/home");
    assert_eq!(body["require_mfa"], false);
    for bad in [
        "http://app.example/",
        "javascript:alert(1)",
        "/home",
        "https://u:p@app.example/",
    ] {
        let patch = serde_json::json!({"home_url": bad});
        let (status, body, kind) =
            call(&app, Method::PATCH, &path, Some(&token), Some(patch)).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(kind.starts_with("application/problem+json"), "{kind}");
        assert!(
            body["detail"].as_str().unwrap().contains("home_url"),
            "{body}"
        );
    }
    let (status, _, _) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&token),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 400);
    let unknown = serde_json::json!({"home_url": "https://app.example/"});
    let (status, _, _) = call(
        &app,
        Method::PATCH,
        "/apps/nope",
        Some(&token),
        Some(unknown),
    )
    .await;
    assert_eq!(status, 404);
    let clear = serde_json::json!({"home_url": null});
    let (status, body, _) = call(&app, Method::PATCH, &path, Some(&token), Some(clear)).await;
    assert_eq!(
        (status, body["home_url"].clone()),
        (200, serde_json::Value::Null)
    );
    let (_, audit, _) = call(&app, Method::GET, "/audit?limit=50", Some(&token), None).await;
    let changes = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "app.home_url_updated")
        .count();
    assert_eq!(changes, 2, "{audit}");
}

#[test]
fn the_cli_sets_and_clears_an_apps_home_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let base = ["app", "create", "--tenant", "contoso", "--name", "Web"];
    let refused = Command::new(BIN)
        .args(base)
        .args([
            "--redirect-uri",
            "https://app.example/cb",
            "--home-url",
            "http://app.example/",
        ])
        .args(["--database-url", &db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("must use https"), "{stderr}");

    let created = cli(
        &db,
        &[&base[..], &["--redirect-uri", "https://app.example/cb"]].concat(),
    );
    let client_id = created
        .lines()
        .find_map(|l| l.strip_prefix("client_id:"))
        .unwrap()
        .trim()
        .to_owned();
    let home = |db_url: &str| {
        let db = store::Db::connect(db_url).unwrap();
        let tenant = portico::admin::provision::tenant(&db, "contoso").unwrap();
        db.read_blocking(|c| store::apps::home_url_of(c, &tenant.id, &client_id))
            .unwrap()
            .map(|u| u.as_str().to_owned())
    };
    let update = [
        "app",
        "update",
        "--tenant",
        "contoso",
        "--client-id",
        &client_id,
    ];
    cli(
        &db,
        &[&update[..], &["--home-url", "http://127.0.0.1:3000/"]].concat(),
    );
    assert_eq!(home(&db).as_deref(), Some("http://127.0.0.1:3000/"));
    cli(&db, &[&update[..], &["--clear-home-url"]].concat());
    assert_eq!(home(&db), None);
}
