//! Item 11: what one anonymous caller can make the server write stays bounded.

use super::*;

// ---- item 11: anonymous writes ----

/// A portal sign-in request for `slug` with `state`, as anyone can send it.
fn portal_authorize(app: &TestApp, slug: &str, state: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer(slug))).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", portico::oidc::clients::PORTAL_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair(
            "redirect_uri",
            &format!("{}{}", app.issuer(slug), portico::routes::ADMIN_SIGNED_IN),
        )
        .append_pair("scope", "openid")
        .append_pair("state", state)
        .append_pair("code_challenge", &noise(43))
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

#[tokio::test]
async fn authorization_requests_one_ip_can_make_the_server_store_are_bounded() {
    // 10 password attempts per IP a minute: 20 stored requests.
    let app = spawn_app_with(|s| s.throttling.per_ip_per_minute = 10).await;
    app.tenant("contoso");
    let http = app.browser();
    // Echoed values are capped: an over-long state is refused, not stored.
    let response = http
        .get(portal_authorize(&app, "contoso", &noise(2049)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );
    let mut throttled = 0;
    for _ in 0..80 {
        let response = http
            .get(portal_authorize(&app, "contoso", &noise(2000)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let back = location(&response);
        if query_param(&back, "error").as_deref() == Some("temporarily_unavailable") {
            throttled += 1;
            assert_eq!(query_param(&back, "state").map(|s| s.len()), Some(2000));
        }
    }
    let rows = count(&app, "SELECT COUNT(*) AS n FROM auth_requests");
    let bytes = count(
        &app,
        "SELECT CAST(COALESCE(SUM(LENGTH(state)), 0) AS BIGINT) AS n FROM auth_requests",
    );
    // The GCRA refills one every three seconds while the test runs.
    assert!(
        rows <= 25,
        "{rows} authorization requests stored for one IP"
    );
    assert!(
        bytes <= 25 * 2048,
        "{bytes} bytes of state stored for one IP"
    );
    assert!(throttled >= 55, "{throttled} requests throttled");
}

#[tokio::test]
async fn the_email_step_writes_a_bounded_number_of_rows_for_one_ip() {
    let app = spawn_app_with(|s| s.throttling.per_ip_per_minute = 5).await;
    app.tenant("contoso");
    app.tenant("proseware");
    let web = app.web_app("contoso");
    let browser = app.browser();
    let page = app.login_page(&browser, "contoso", &web).await;
    let mut refused = 0;
    for i in 0..40 {
        let response = browser
            .post(format!("{}/login", app.issuer("contoso")))
            .form(&[
                ("csrf_token", hidden(&page, "csrf_token").as_str()),
                ("req", hidden(&page, "req").as_str()),
                ("email", &format!("made-up-{i}@proseware.example")),
            ])
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused += 1;
        }
    }
    // Home round trips and audit rows for addresses nobody proved.
    let written = count(&app, "SELECT COUNT(*) AS n FROM home_flows")
        + count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_events WHERE target LIKE 'made-up-%' OR actor LIKE 'made-up-%'",
        );
    // 10 a minute for the IP, one of which the authorization request took.
    assert!(written <= 12, "{written} rows written for one IP");
    assert!(refused >= 25, "{refused} refused");
}

#[tokio::test]
async fn the_email_step_never_names_a_typed_address_as_the_actor() {
    let b = b2b().await;
    // A pending guest whose only home is a passcode, which the policy turned
    // off: refused before any credential, and audited as an attempt.
    b.invite(KIM, Target::Tenant);
    let tenant = b.contoso();
    let policy = Policy {
        otp_enabled: false,
        ..Policy::default()
    };
    b.app
        .db
        .write_blocking(|c| store::policies::put(c, &tenant.id, &policy, "test"))
        .unwrap();
    let browser = b.app.browser();
    let page = login_page(&b, &browser).await;
    let response = email_step(&b, &browser, &page, KIM).await;
    assert_eq!(response.status(), 403);
    // An address of a known home that is no guest here.
    let page = login_page(&b, &browser).await;
    email_step(&b, &browser, &page, "nobody@proseware.example").await;

    let audit = b
        .app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 500))
        .unwrap();
    for typed in [KIM, "nobody@proseware.example"] {
        assert!(
            !audit.iter().any(|e| e.actor.contains(typed)),
            "{typed} named as an actor: {audit:?}"
        );
    }
    let attempt = audit
        .iter()
        .find(|e| e.action == portico::domain::AuditAction::SignInRefused)
        .expect("the refusal is audited");
    assert_eq!(attempt.actor, "anonymous");
    assert!(
        attempt
            .detail
            .as_deref()
            .is_some_and(|d| d.contains(&format!("unauthenticated attempt for {KIM}"))),
        "{attempt:?}"
    );
}
