//! Password guessing (issue 10): throttled everywhere, yet a stranger cannot
//! lock an account's owner out of a browser they signed in from (device
//! cookies), and password checks past the hashing bound are told to come back
//! (503 + Retry-After) instead of piling up.

use crate::helpers::{PASSWORD, TestApp, TestClient, authorize_url, hidden, spawn_app_with};

const OWNER: &str = "megan@contoso.example";

async fn app() -> (TestApp, TestClient) {
    let app = spawn_app_with(|s| {
        // Everyone here comes from 127.0.0.1; the per-IP limit is not under test.
        s.throttling.per_ip_per_minute = 10_000;
    })
    .await;
    app.tenant("contoso");
    app.member("contoso", OWNER);
    let web = app.web_app("contoso");
    (app, web)
}

/// One password attempt in `browser`; returns the status and the response.
async fn attempt(
    app: &TestApp,
    browser: &reqwest::Client,
    client: &TestClient,
    password: &str,
) -> reqwest::Response {
    // prompt=login: the sign-in page even where this browser has a session.
    let (url, _) = authorize_url(app, "contoso", client, "openid", &[("prompt", "login")]);
    let login = app.follow(browser, &url).await;
    assert!(login.contains("/login?req="), "{login}");
    let page = app.text(browser, &login).await;
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let base = app.issuer("contoso");
    browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", &csrf),
            ("req", &req),
            ("email", &OWNER.into()),
        ])
        .send()
        .await
        .unwrap();
    browser
        .post(format!("{base}/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("req", req.as_str()),
            ("email", OWNER),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stranger_guessing_cannot_lock_the_owner_out_of_their_own_browser() {
    let (app, web) = app().await;
    let owners_browser = app.browser();
    assert_eq!(
        attempt(&app, &owners_browser, &web, PASSWORD)
            .await
            .status(),
        303
    );

    // A stranger spends the account's limit (and more) from another browser.
    let stranger = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            attempt(&app, &stranger, &web, "guess")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    // The owner, in the browser they signed in from, still gets in...
    assert_eq!(
        attempt(&app, &owners_browser, &web, PASSWORD)
            .await
            .status(),
        303
    );
    // ...while any other browser stays locked, even with the right password.
    assert_eq!(
        attempt(&app, &app.browser(), &web, PASSWORD).await.status(),
        429
    );
    // And guessing in the owner's browser is throttled too.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            attempt(&app, &owners_browser, &web, "guess")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

#[tokio::test]
async fn a_forged_or_foreign_device_cookie_earns_nothing() {
    let (app, web) = app().await;
    app.member("contoso", "other@contoso.example");
    // A device cookie earned by another account does not exempt this one.
    let browser = app.browser();
    let other = authorize_url(&app, "contoso", &web, "openid", &[]).0;
    app.sign_in(&browser, &other, "other@contoso.example", PASSWORD)
        .await;
    let mut last = 0;
    for _ in 0..12 {
        last = attempt(&app, &browser, &web, "guess")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    assert_eq!(attempt(&app, &browser, &web, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn password_checks_past_the_hashing_bound_are_told_to_retry() {
    let app = spawn_app_with(|s| {
        s.throttling.password_hash_concurrency = 0;
        s.throttling.password_hash_queue = 0;
    })
    .await;
    app.tenant("contoso");
    app.member("contoso", OWNER);
    let web = app.web_app("contoso");
    let response = attempt(&app, &app.browser(), &web, PASSWORD).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let page = response.text().await.unwrap();
    assert!(page.contains("Try again in a few seconds"), "{page}");
}
