//! /authorize and the sign-in pages: errors as pages before the redirect URI
//! is trusted, PKCE rules, CSRF, and password throttling.

use crate::helpers::{PASSWORD, authorize_url, hidden, query_param, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_unregistered_redirect_uri_shows_a_page_and_does_not_redirect() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = app.web_app("contoso");
    let http = app.browser();
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &[]);
    for (from, to) in [
        (
            "http%3A%2F%2F127.0.0.1%3A9%2Fcallback",
            "https%3A%2F%2Fevil.example%2Fcallback",
        ),
        (
            "http%3A%2F%2F127.0.0.1%3A9%2Fcallback",
            "http%3A%2F%2F127.0.0.1%3A9%2Fcallback%2Fextra",
        ),
        ("client_id=", "client_id=unknown-"),
    ] {
        let bad = url.replacen(from, to, 1);
        assert_ne!(bad, url);
        let response = http.get(&bad).send().await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        assert!(response.headers().get("location").is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("Contoso Ltd"), "the page names the tenant");
        assert!(!page.contains("evil.example"));
    }
}

#[tokio::test]
async fn protocol_errors_after_the_redirect_uri_is_verified_go_back_to_the_app() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let public = app.app(
        "contoso",
        true,
        false,
        vec![portico::domain::GrantType::AuthorizationCode],
        vec![],
    );
    let http = app.browser();
    let base = format!(
        "{}/authorize?client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&state=xyz",
        app.issuer("contoso"),
        public.client_id
    );
    let cases = [
        (
            "&response_type=token&scope=openid",
            "unsupported_response_type",
        ),
        ("&response_type=code&scope=openid", "invalid_request"), // public client without PKCE
        (
            "&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
            "invalid_request",
        ),
        (
            "&response_type=code&scope=openid%20admin&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            "invalid_scope",
        ),
    ];
    for (extra, expected) in cases {
        let location = app.follow(&http, &format!("{base}{extra}")).await;
        assert!(
            location.starts_with("http://127.0.0.1:9/callback?"),
            "{location}"
        );
        assert_eq!(
            query_param(&location, "error").as_deref(),
            Some(expected),
            "{extra}"
        );
        assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
        assert_eq!(query_param(&location, "iss"), Some(app.issuer("contoso")));
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let browser = app.browser();
    let page = app.login_page(&browser, "contoso", &client).await;
    let req = hidden(&page, "req");
    let post = format!("{}/login/password", app.issuer("contoso"));
    for csrf in ["", "forged-token-value-forged-token-value-00000"] {
        let response = browser
            .post(&post)
            .form(&[
                ("csrf_token", csrf),
                ("req", &req),
                ("email", "megan@contoso.example"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "csrf {csrf:?}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "no session was started"
        );
    }
    // A different browser (no CSRF cookie) presenting a valid-looking token also fails.
    let other = app.browser();
    let response = other
        .post(&post)
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("req", &req),
            ("email", "megan@contoso.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn password_guessing_is_throttled_per_account() {
    let app = spawn_app_with(|s| {
        s.throttling.per_account_per_minute = 3;
        s.throttling.per_ip_per_minute = 1000;
    })
    .await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let browser = app.browser();
    let page = app.login_page(&browser, "contoso", &client).await;
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let attempt = |password: &'static str| {
        let browser = browser.clone();
        let (csrf, req) = (csrf.clone(), req.clone());
        let post = format!("{}/login/password", app.issuer("contoso"));
        async move {
            browser
                .post(post)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("req", req.as_str()),
                    ("email", "megan@contoso.example"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong password").await, 401);
    }
    assert_eq!(
        attempt("wrong password").await,
        429,
        "the fourth guess is throttled"
    );
    assert_eq!(
        attempt(PASSWORD).await,
        429,
        "even the right password waits"
    );
}

#[tokio::test]
async fn unknown_accounts_and_wrong_passwords_look_the_same() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let browser = app.browser();
    let page = app.login_page(&browser, "contoso", &client).await;
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    let mut bodies = Vec::new();
    for email in ["megan@contoso.example", "nobody@contoso.example"] {
        let response = browser
            .post(format!("{}/login/password", app.issuer("contoso")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("req", req.as_str()),
                ("email", email),
                ("password", "nope-nope-nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        bodies.push(response.text().await.unwrap().replace(email, "EMAIL"));
    }
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn the_per_account_limit_holds_across_replicas_sharing_a_database() {
    // Two servers over one database: guesses alternate between them.
    let first = spawn_app_with(|s| {
        s.throttling.per_account_per_minute = 4;
        s.throttling.per_ip_per_minute = 1000;
    })
    .await;
    let mut settings =
        portico::config::Settings::new("127.0.0.1:0", "http://127.0.0.1", "unused").unwrap();
    settings.public_url = String::new();
    settings.throttling.per_account_per_minute = 4;
    settings.throttling.per_ip_per_minute = 1000;
    let second = portico::startup::Application::build_with_db(settings, first.db.clone()).unwrap();
    let second_base = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    first.tenant("contoso");
    first.member("contoso", "megan@contoso.example");
    let client = first.web_app("contoso");
    let browser = first.browser();
    let page = first.login_page(&browser, "contoso", &client).await;
    let (csrf, req) = (hidden(&page, "csrf_token"), hidden(&page, "req"));
    // The shared count is per calendar minute: start well inside one.
    let second_now = chrono::Timelike::second(&chrono::Utc::now());
    if second_now >= 55 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second_now))).await;
    }
    let mut statuses = Vec::new();
    let plain = reqwest::Client::new();
    for i in 0..6 {
        let base = if i % 2 == 0 {
            &first.base
        } else {
            &second_base
        };
        let status = plain
            .post(format!("{base}/t/contoso/login/password"))
            .header("cookie", format!("portico_csrf={csrf}"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("req", req.as_str()),
                ("email", "megan@contoso.example"),
                ("password", "wrong password"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(status);
    }
    // Each replica alone saw three guesses, under its own limit of four; the
    // shared count stops the fifth.
    assert_eq!(statuses, vec![401, 401, 401, 401, 429, 429], "{statuses:?}");
}
