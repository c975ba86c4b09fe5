//! Health, readiness, metrics, discovery/route agreement, key rotation, logout.

use crate::helpers::{PASSWORD, authorize_url, query_param, spawn_app, tokens_for_member};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        http.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let client = app.app(
        "contoso",
        false,
        false,
        vec![portico::domain::GrantType::ClientCredentials],
        vec![],
    );
    assert!(app.client_token("contoso", &client).await["access_token"].is_string());
    let metrics = http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("portico_tokens_issued_total{grant_type=\"client_credentials\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/t/{tenant}/token\""),
        "routes are labelled by pattern"
    );
}

#[tokio::test]
async fn every_advertised_endpoint_is_mounted() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let http = reqwest::Client::new();
    let doc: serde_json::Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            app.issuer("contoso")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], app.issuer("contoso"));
    for key in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
        "device_authorization_endpoint",
    ] {
        let url = doc[key].as_str().unwrap();
        assert!(url.starts_with(&app.issuer("contoso")));
        let status = http.get(url).send().await.unwrap().status().as_u16();
        assert_ne!(status, 404, "{key} {url} is not mounted");
    }
    assert_eq!(
        http.get(format!(
            "{}/t/nowhere/.well-known/openid-configuration",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .status(),
        404
    );
}

#[tokio::test]
async fn a_rotated_key_signs_new_tokens_and_the_old_one_stays_published() {
    let app = spawn_app_with_short_cache().await;
    app.tenant("contoso");
    let client = app.app(
        "contoso",
        false,
        false,
        vec![portico::domain::GrantType::ClientCredentials],
        vec![],
    );
    let old_token = app.client_token("contoso", &client).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let old_kid = jsonwebtoken::decode_header(&old_token)
        .unwrap()
        .kid
        .unwrap();

    // Forced, at once: the scheduled rotation has its own tests (rotation/).
    let plan = portico::tokens::rotation::Plan {
        switch: portico::tokens::rotation::Switch::Now,
        prepublish: chrono::TimeDelta::zero(),
        forced: true,
        retention: chrono::TimeDelta::minutes(15),
    };
    let new_kid = portico::admin::provision::rotate_key(&app.db, "contoso", &plan, "test")
        .unwrap()
        .kid;
    assert_ne!(new_kid, old_kid);
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let new_token = app.client_token("contoso", &client).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        jsonwebtoken::decode_header(&new_token)
            .unwrap()
            .kid
            .unwrap(),
        new_kid
    );
    let jwks: serde_json::Value = reqwest::get(format!("{}/jwks", app.issuer("contoso")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
    // Tokens signed by the retired key still introspect as active.
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/introspect", app.issuer("contoso")))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("token", old_token.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["active"], true);
}

async fn spawn_app_with_short_cache() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|s| s.cache_ttl = std::time::Duration::from_millis(100)).await
}

#[tokio::test]
async fn logout_ends_the_session_and_returns_only_to_registered_uris() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let browser = app.browser();
    let (url, verifier) = authorize_url(&app, "contoso", &client, "openid", &[]);
    let back = app
        .sign_in(&browser, &url, "megan@contoso.example", PASSWORD)
        .await;
    let tokens: serde_json::Value = crate::helpers::redeem(
        &app,
        "contoso",
        &client,
        &query_param(&back, "code").unwrap(),
        &verifier,
    )
    .await
    .json()
    .await
    .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();

    // An unregistered post-logout URI is refused with a page.
    let evil = format!(
        "{}/logout?id_token_hint={id_token}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
        app.issuer("contoso")
    );
    let response = browser.get(&evil).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());

    let good = format!(
        "{}/logout?id_token_hint={id_token}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Flogged-out&state=bye",
        app.issuer("contoso")
    );
    let location = app.follow(&browser, &good).await;
    assert_eq!(location, "http://127.0.0.1:9/logged-out?state=bye");
    // The session is gone: prompt=none now fails.
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[("prompt", "none")]);
    let back = app.follow(&browser, &url).await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn consent_is_asked_once_and_denial_goes_back_as_access_denied() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    tokens_for_member(&app, "contoso", &client, "megan@contoso.example", "openid").await;
    // A new browser signs in again; the consent already given is remembered.
    let browser = app.browser();
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    let login = app.follow(&browser, &url).await;
    assert!(login.contains("/login?"));
    let back = app
        .sign_in(&browser, &url, "megan@contoso.example", PASSWORD)
        .await;
    assert!(query_param(&back, "code").is_some());
    // prompt=consent asks again; denying returns access_denied with state.
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[("prompt", "consent")]);
    let consent = app.follow(&browser, &url).await;
    assert!(consent.contains("/consent?"), "{consent}");
    let page = app.text(&browser, &consent).await;
    let response = browser
        .post(format!("{}/consent", app.issuer("contoso")))
        .form(&[
            (
                "csrf_token",
                crate::helpers::hidden(&page, "csrf_token").as_str(),
            ),
            ("req", crate::helpers::hidden(&page, "req").as_str()),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(location, "state").as_deref(), Some("st-1"));
}

#[tokio::test]
async fn the_sweeper_removes_only_what_has_expired() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let tokens = tokens_for_member(
        &app,
        "contoso",
        &client,
        "megan@contoso.example",
        "openid offline_access",
    )
    .await;
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    app.follow(&app.browser(), &url).await; // leaves a pending request
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE auth_requests SET expires_at = created_at"),
        &mut *app.db.conn_for_tests(),
    )
    .unwrap();
    let removed = app
        .db
        .write_blocking(portico::store::sweep::expired)
        .unwrap();
    assert_eq!(removed, 1, "only the expired request goes");
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refreshed = crate::helpers::refresh(&app, "contoso", &client, refresh_token).await;
    assert_eq!(refreshed.status(), 200, "live refresh tokens survive");
}
