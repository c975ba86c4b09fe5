//! Registration (§2.2–§2.3) through the admin API and the CLI, URIs checked
//! for syntax and against the egress rules; discovery (§2.1) advertises
//! exactly this; ID tokens carry the session's `sid`, refreshed ones too.

use portico::store::Db;

use super::{cli_crm, registration, sign_in, spawn};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{cli, cli_failure};
use crate::helpers::{fresh_database, jwt_payload, refresh};

#[tokio::test]
async fn apps_register_their_back_channel_through_the_api() {
    let app = spawn().await;
    app.tenant("contoso");
    let admin = admin_token(&app).await;
    let crm = app.web_app("contoso");
    let path = format!("/apps/{}/backchannel-logout", crm.client_id);
    let put =
        |body: serde_json::Value| call(&app, reqwest::Method::PUT, &path, Some(&admin), Some(body));

    let (status, body, _) = put(serde_json::json!({
        "backchannel_logout_uri": "https://crm.contoso.example/bc?x=1",
        "backchannel_logout_session_required": true
    }))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["backchannel_logout_uri"],
        "https://crm.contoso.example/bc?x=1"
    );
    assert_eq!(body["backchannel_logout_session_required"], true);
    let stored = registration(&app, "contoso", &crm.client_id).unwrap();
    assert_eq!(stored.uri.as_str(), "https://crm.contoso.example/bc?x=1");
    assert!(stored.session_required);

    for (uri, why) in [
        ("http://crm.contoso.example/bc", "https"),
        ("https://crm.contoso.example/bc#top", "fragment"),
        ("crm.contoso.example/bc", "absolute"),
        ("https://169.254.169.254/latest/meta-data", "never called"),
        ("https://metadata.google.internal/bc", "metadata"),
        ("https://10.1.2.3/bc", "private network"),
        ("https://user:pw@crm.contoso.example/bc", "credentials"),
    ] {
        let (status, body, kind) = put(serde_json::json!({ "backchannel_logout_uri": uri })).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(kind.starts_with("application/problem+json"));
        assert!(
            body["detail"].as_str().unwrap().contains(why),
            "{uri}: {body}"
        );
    }
    let (status, _, _) =
        put(serde_json::json!({ "backchannel_logout_session_required": true })).await;
    assert_eq!(status, 400, "session_required without a URI");
    let (status, _, _) = put(serde_json::json!({ "backchannel_logout_uri": 7 })).await;
    assert_eq!(status, 400);
    assert!(
        registration(&app, "contoso", &crm.client_id).is_some(),
        "refusals change nothing"
    );

    let (status, body, _) = put(serde_json::json!({ "backchannel_logout_uri": null })).await;
    assert_eq!(
        (status, &body["backchannel_logout_uri"]),
        (200, &serde_json::Value::Null)
    );
    assert!(registration(&app, "contoso", &crm.client_id).is_none());

    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        "/apps/no-such-app/backchannel-logout",
        Some(&admin),
        Some(serde_json::json!({ "backchannel_logout_uri": "https://x.example/bc" })),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        &path,
        None,
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 401);

    // An app's token, even one that may change policies, may not send
    // another app's logout tokens (who signed out) to itself.
    let service = app.app(
        "contoso",
        false,
        false,
        vec![portico::domain::GrantType::ClientCredentials],
        vec![portico::domain::Permission::PoliciesReadWrite],
    );
    let token = app.client_token("contoso", &service).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = serde_json::json!({ "backchannel_logout_uri": "https://service.example/bc" });
    let (status, problem, _) =
        call(&app, reqwest::Method::PUT, &path, Some(&token), Some(body)).await;
    assert_eq!(status, 403, "{problem}");
    assert!(registration(&app, "contoso", &crm.client_id).is_none());
}

#[test]
fn apps_register_their_back_channel_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    let client_id = cli_crm(&db);
    let stored = || {
        let conn = Db::connect(&db).unwrap();
        let tenant = portico::admin::provision::tenant(&conn, "contoso").unwrap();
        conn.read_blocking(|c| portico::store::apps::find(c, &tenant.id, &client_id))
            .unwrap()
            .unwrap()
            .backchannel_logout
    };
    let registered = stored().expect("registered at creation");
    assert_eq!(registered.uri.as_str(), "https://crm.contoso.example/bc");
    assert!(registered.session_required);

    // Private networks only where the operator allows them.
    let private = [
        "app",
        "backchannel",
        "--tenant",
        "contoso",
        "--client-id",
        &client_id,
        "--backchannel-logout-uri",
        "https://10.0.0.7/bc",
    ];
    assert!(cli_failure(&db, &private).contains("private network"));
    assert!(stored().unwrap().session_required, "unchanged");
    let mut allowed = private.to_vec();
    allowed.push("--idp-allow-private-networks");
    cli(&db, &allowed);
    let registered = stored().unwrap();
    assert_eq!(registered.uri.as_str(), "https://10.0.0.7/bc");
    assert!(!registered.session_required);

    // An app created with a bad URI is not created at all.
    let bad = cli_failure(
        &db,
        &[
            "app",
            "create",
            "--tenant",
            "contoso",
            "--name",
            "Bad",
            "--redirect-uri",
            "https://b.example/cb",
            "--backchannel-logout-uri",
            "http://b.example/bc",
        ],
    );
    assert!(bad.contains("https"), "{bad}");
    let conn = Db::connect(&db).unwrap();
    let tenant = portico::admin::provision::tenant(&conn, "contoso").unwrap();
    let apps = conn
        .read_blocking(|c| portico::store::apps::list(c, &tenant.id))
        .unwrap();
    assert_eq!(apps.len(), 1);

    // Without a URI: removed.
    cli(&db, &private[..6]);
    assert!(stored().is_none());
}

#[tokio::test]
async fn discovery_advertises_back_channel_logout_with_sessions() {
    let app = spawn().await;
    app.tenant("contoso");
    let doc: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        app.issuer("contoso")
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    assert!(
        doc["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&"sid".into())
    );
    assert!(doc.get("frontchannel_logout_supported").is_none());
}

#[tokio::test]
async fn id_tokens_carry_the_session_and_refreshed_ones_keep_it() {
    let app = spawn().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let crm = app.web_app("contoso");
    let browser = app.browser();
    let tokens = sign_in(&app, &browser, "contoso", &crm, "megan@contoso.example").await;
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    let sid = id["sid"].as_str().expect("sid").to_owned();
    // An identifier of the session, not its cookie: presented as the
    // cookie, it signs nobody in.
    let (url, _) = crate::helpers::authorize_url(&app, "contoso", &crm, "openid", &[]);
    let response = app
        .browser()
        .get(&url)
        .header("cookie", format!("portico_session={sid}"))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/login?"), "{location}");

    let refreshed: serde_json::Value = refresh(
        &app,
        "contoso",
        &crm,
        tokens["refresh_token"].as_str().unwrap(),
    )
    .await
    .json()
    .await
    .unwrap();
    let again = jwt_payload(refreshed["id_token"].as_str().expect("an ID token"));
    assert_eq!(again["sid"], sid.as_str());

    // Another browser, another session, another sid.
    let other = sign_in(
        &app,
        &app.browser(),
        "contoso",
        &crm,
        "megan@contoso.example",
    )
    .await;
    assert_ne!(
        jwt_payload(other["id_token"].as_str().unwrap())["sid"],
        sid.as_str()
    );
}
