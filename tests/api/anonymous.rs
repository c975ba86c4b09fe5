//! Anonymous input is hostile (issue 9, items 8-12): what a caller who has
//! proved nothing can make the server keep (cache entries, metric series,
//! rows) stays bounded, a stranger cannot lock a guest out, and the
//! email-first step tells a stranger nothing about a guest's state. The
//! memory items are measured (entries, bytes, rows), not timed.

use std::sync::Arc;

use diesel::RunQueryDsl;
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::b2b::policy::Policy;
use portico::domain::AuditAction;
use portico::state::AppState;
use portico::store;

use crate::helpers::b2b::{B2b, GUEST, b2b, code_in, email_step, submit_code};
use crate::helpers::{
    Landing, PASSWORD, TestApp, authorize_url, drive, fresh_database, hidden, query_param,
    spawn_app, spawn_app_with,
};

/// A random string of `len` URL-safe characters.
fn noise(len: usize) -> String {
    let mut s = String::with_capacity(len + 43);
    while s.len() < len {
        s.push_str(&portico::crypto::random_token());
    }
    s.truncate(len);
    s
}

/// Runs one SQL statement, in the PostgreSQL or else the SQLite dialect.
fn exec_either(app: &TestApp, postgres: &str, sqlite: &str) {
    let mut conn = app.db.conn_for_tests();
    diesel::sql_query(postgres)
        .execute(&mut *conn)
        .or_else(|_| diesel::sql_query(sqlite).execute(&mut *conn))
        .unwrap();
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *app.db.conn_for_tests())
        .unwrap()
        .n
}

// ---- item 8: unknown client ids ----

/// A server whose state the test can inspect.
struct Inspectable {
    base: String,
    state: Arc<AppState>,
    _dir: tempfile::TempDir,
}

async fn spawn_inspectable() -> Inspectable {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database(&dir);
    let mut settings =
        portico::config::Settings::new("127.0.0.1:0", "http://127.0.0.1", &db_url).unwrap();
    settings.public_url = String::new();
    let app = portico::startup::Application::build(settings).unwrap();
    let (port, state) = (app.port(), app.state());
    tokio::spawn(app.run_until_stopped());
    Inspectable {
        base: format!("http://127.0.0.1:{port}"),
        state,
        _dir: dir,
    }
}

#[tokio::test]
async fn unknown_client_ids_cost_no_memory_however_long_or_many() {
    let app = spawn_inspectable().await;
    portico::admin::provision::create_tenant(
        &app.state.db,
        "contoso",
        "Contoso",
        &[],
        portico::tokens::keys::SigningAlg::Rs256,
    )
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = format!("{}/t/contoso/authorize", app.base);
    // Made-up client ids: 20 of 60 KB in the query (near the longest URL a
    // client library builds), 20 of 120 KB in a form body, 200 short ones.
    let ids = (0..20)
        .map(|_| (false, noise(60_000)))
        .chain((0..20).map(|_| (true, noise(120_000))))
        .chain((0..200).map(|_| (false, noise(36))));
    for (in_body, client_id) in ids {
        let params = [
            ("client_id", client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
        ];
        let request = if in_body {
            http.post(&authorize).form(&params)
        } else {
            http.get(&authorize).query(&params)
        };
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            400,
            "an unknown client gets the error page"
        );
    }
    assert_eq!(
        app.state.tenants.cached_clients(),
        0,
        "client ids that do not exist must not be cached"
    );
    // A real client is still cached (and looked up) as before.
    let (client, _) = portico::admin::provision::create_app(
        &app.state.db,
        "contoso",
        &portico::admin::provision::AppSpec::sign_in_client(
            "App",
            "http://127.0.0.1:9/callback".into(),
        ),
    )
    .unwrap();
    let response = http
        .get(&authorize)
        .query(&[
            ("client_id", client.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(app.state.tenants.cached_clients(), 1);
}

// ---- item 9: /metrics ----

#[tokio::test]
async fn made_up_http_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let metrics = || async {
        http.get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let hostile = |i: usize| {
        let name = format!("M{i:04}{}", "X".repeat(60));
        reqwest::Method::from_bytes(name.as_bytes()).unwrap()
    };
    // Warm up: one series each for the label values these requests use.
    for path in ["/healthz", "/nowhere"] {
        http.request(hostile(0), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    // (The first scrape adds the series of /metrics itself.)
    metrics().await;
    let before = metrics().await.len();
    for i in 1..=200 {
        let path = if i % 2 == 0 { "/healthz" } else { "/nowhere" };
        http.request(hostile(i), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
    }
    let after = metrics().await;
    // Only counters already there change (a few digits each).
    assert!(
        after.len() <= before + 256,
        "/metrics grew from {before} to {} bytes:\n{after}",
        after.len()
    );
    assert!(after.contains("method=\"other\""), "{after}");
    assert!(
        !after.contains("XXXXXXXX"),
        "a made-up method became a label"
    );
}

// ---- item 10: passcode lock-out ----

const KIM: &str = "kim@freemail.example";

/// A fresh Contoso sign-in page in `browser` (for the web app).
async fn login_page(b: &B2b, browser: &reqwest::Client) -> String {
    b.app.login_page(browser, "contoso", &b.web).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Moves every passcode of the app two minutes into the past (past the
/// one-a-minute gap; still inside the hour).
fn age_passcodes(b: &B2b) {
    exec_either(
        &b.app,
        "UPDATE email_passcodes SET created_at = created_at - INTERVAL '2 minutes'",
        "UPDATE email_passcodes SET created_at = datetime(created_at, '-2 minutes')",
    );
}

/// `who`, invited to Contoso, redeems with a mailed passcode (mails #0, #1).
async fn passcode_guest(b: &B2b, who: &str) {
    let link = b.invite(who, Target::Tenant);
    let browser = b.app.browser();
    let page = b.app.text(&browser, &link).await;
    let csrf = hidden(&page, "csrf_token");
    let response = browser
        .post(&link)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let page_url = b.app.absolute(&location(&response));
    let code = code_in(&b.mail.wait_for(who, 1).await);
    let response = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(b.guest(who).home_issuer.as_deref(), Some("mail"));
}

#[tokio::test]
async fn a_stranger_asking_for_a_guests_passcode_neither_cancels_it_nor_locks_the_guest_out() {
    let b = b2b().await;
    passcode_guest(&b, KIM).await;
    let mut mails = 2;

    // The guest asks for a code in browser A.
    let guest = b.app.browser();
    let guest_page = login_page(&b, &guest).await;
    let response = email_step(&b, &guest, &guest_page, KIM).await;
    assert_eq!(response.status(), 303);
    let guest_code_url = b.app.absolute(&location(&response));
    let guest_code = code_in(&b.mail.wait_for(KIM, mails).await);
    mails += 1;

    // A stranger in browser B types the guest's address again and again
    // until refused: the refusal comes from the stranger's own allowance.
    let stranger = b.app.browser();
    let stranger_page = login_page(&b, &stranger).await;
    let mut sent = 0;
    let refused = loop {
        let response = email_step(&b, &stranger, &stranger_page, KIM).await;
        match response.status().as_u16() {
            303 => sent += 1,
            429 => break response.text().await.unwrap(),
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
        assert!(sent <= 10, "the stranger is never refused");
        age_passcodes(&b);
    };
    assert!(sent >= 1, "a browser may ask for a code: {refused}");
    assert!(sent <= 5, "{sent} codes for one browser in an hour");
    b.mail.wait_for(KIM, mails + sent - 1).await;
    mails += sent;

    // The code the guest already holds still works.
    let response = submit_code(
        &guest,
        &guest_code_url,
        &hidden(&guest_page, "csrf_token"),
        &guest_code,
    )
    .await;
    assert_eq!(
        response.status(),
        303,
        "the guest's code was cancelled: {}",
        response.text().await.unwrap()
    );
    assert!(location(&response).contains("/authorize/continue"));

    // And the guest can still get a fresh code (another browser of theirs).
    let again = b.app.browser();
    let page = login_page(&b, &again).await;
    let response = email_step(&b, &again, &page, KIM).await;
    assert_eq!(
        response.status(),
        303,
        "the stranger locked the guest out: {}",
        response.text().await.unwrap()
    );
    let code_url = b.app.absolute(&location(&response));
    let code = code_in(&b.mail.wait_for(KIM, mails).await);
    let response = submit_code(&again, &code_url, &hidden(&page, "csrf_token"), &code).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).contains("/authorize/continue"));
}

// ---- item 11: anonymous writes ----

/// A portal sign-in request for `slug` with `state`, as anyone can send it.
fn portal_authorize(app: &TestApp, slug: &str, state: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer(slug))).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", portico::oidc::clients::PORTAL_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair(
            "redirect_uri",
            &format!(
                "{}{}",
                app.issuer(slug),
                portico::oidc::routes::ADMIN_SIGNED_IN
            ),
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
        .find(|e| e.action == AuditAction::SignInRefused)
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

// ---- item 12: the email step tells no guest state ----

/// The email step's answer with the random parts (flow state, nonce, PKCE
/// challenge, cookie values) left out.
async fn answer_shape(b: &B2b, browser: &reqwest::Client, email: &str) -> (String, String) {
    let page = login_page(b, browser).await;
    let response = email_step(b, browser, &page, email).await;
    let status = response.status().as_u16();
    let cookies: Vec<String> = response
        .cookies()
        .map(|c| format!("{} path={:?}", c.name(), c.path()))
        .collect();
    let mut url = response
        .headers()
        .get("location")
        .map(|l| url::Url::parse(l.to_str().unwrap()).unwrap());
    let params: Vec<(String, String)> = url
        .as_ref()
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| {
                    let keep = matches!(k.as_ref(), "client_id" | "redirect_uri" | "scope");
                    (
                        k.into_owned(),
                        if keep { v.into_owned() } else { "…".into() },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(u) = url.as_mut() {
        u.set_query(None);
    }
    let body = response.text().await.unwrap();
    let shape = format!("{status} {url:?} {params:?} {cookies:?} {body}");
    // Where it sends the browser, without the query.
    let location = url.map(|u| u.to_string()).unwrap_or_default();
    (shape, location)
}

#[tokio::test]
async fn the_email_step_answers_alike_for_every_guest_state_and_the_home_tells_the_state() {
    let b = b2b().await;
    let (pending, blocked, removed, expired) = (
        "pending@proseware.example",
        "blocked@proseware.example",
        "removed@proseware.example",
        "expired@proseware.example",
    );
    for who in [pending, blocked, removed, expired] {
        b.app.member("proseware", who);
    }
    for who in [GUEST, blocked, removed, expired] {
        let link = b.invite(who, Target::Tenant);
        let (_, landing) = b.redeem(&link, who).await;
        assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
    }
    b.invite(pending, Target::Tenant);
    let tenant = b.contoso();
    guests::act_on_guest(&b.app.db, &tenant, "test", blocked, GuestAction::Block).unwrap();
    guests::act_on_guest(&b.app.db, &tenant, "test", removed, GuestAction::Remove).unwrap();
    exec_either(
        &b.app,
        &format!(
            "UPDATE users SET access_expires_at = created_at WHERE user_type = 'guest' AND email = '{expired}'"
        ),
        &format!(
            "UPDATE users SET access_expires_at = created_at WHERE user_type = 'guest' AND email = '{expired}'"
        ),
    );

    // Before any credential: the same answer for every one of them, and for
    // an address of the same home that never was a guest.
    let (accepted_shape, home) = answer_shape(&b, &b.app.browser(), GUEST).await;
    assert!(
        home.starts_with(&b.app.issuer("proseware")),
        "the email step sends a guest to the home: {accepted_shape}"
    );
    for who in [
        pending,
        blocked,
        removed,
        expired,
        "other@proseware.example",
    ] {
        let (shape, _) = answer_shape(&b, &b.app.browser(), who).await;
        assert_eq!(
            shape, accepted_shape,
            "{who} is told apart before signing in"
        );
    }

    // After signing in at the home, each learns where they stand.
    for (who, expected) in [
        (pending, "not been accepted"),
        (blocked, "has been removed"),
        (removed, "no access to Contoso Ltd"),
        (expired, "has expired"),
    ] {
        let browser = b.app.browser();
        let page = login_page(&b, &browser).await;
        let response = email_step(&b, &browser, &page, who).await;
        assert_eq!(response.status(), 303);
        let landing = drive(&b.app, &browser, &location(&response), who, PASSWORD).await;
        let Landing::Page(403, page) = landing else {
            panic!("{who}: {landing:?}")
        };
        assert!(page.contains(expected), "{who}: {page}");
    }
    // The accepted guest gets through.
    let (url, _) = authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
    let Landing::Away(back) = drive(&b.app, &b.app.browser(), &url, GUEST, PASSWORD).await else {
        panic!("the accepted guest is refused")
    };
    assert!(query_param(&back, "code").is_some(), "{back}");
}

#[tokio::test]
async fn passcode_guests_get_a_passcode_whatever_their_state_and_learn_it_after() {
    let b = b2b().await;
    let (pending, blocked) = ("pat@freemail.example", "bo@freemail.example");
    passcode_guest(&b, KIM).await;
    passcode_guest(&b, blocked).await;
    b.invite(pending, Target::Tenant);
    let tenant = b.contoso();
    guests::act_on_guest(&b.app.db, &tenant, "test", blocked, GuestAction::Block).unwrap();

    // Before any credential: a passcode page, alike for all three.
    let mut shapes = Vec::new();
    for who in [KIM, pending, blocked] {
        let browser = b.app.browser();
        let page = login_page(&b, &browser).await;
        let response = email_step(&b, &browser, &page, who).await;
        let status = response.status().as_u16();
        assert_eq!(status, 303, "{who} is told apart before any credential");
        let to = location(&response);
        let cookies: Vec<String> = response.cookies().map(|c| c.name().to_owned()).collect();
        let (path, _id) = to.rsplit_once('/').unwrap();
        shapes.push(format!("{status} {path} {cookies:?}"));
        // After the code: where each stands.
        let mails = if who == pending { 1 } else { 2 };
        let code = code_in(&b.mail.wait_for(who, mails).await);
        let page_url = b.app.absolute(&to);
        let response = submit_code(&browser, &page_url, &hidden(&page, "csrf_token"), &code).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        match who {
            KIM => assert_eq!(status, 303, "{text}"),
            w if w == pending => {
                assert_eq!(status, 403);
                assert!(text.contains("not been accepted"), "{text}");
            }
            _ => {
                assert_eq!(status, 403);
                assert!(text.contains("has been removed"), "{text}");
            }
        }
    }
    assert!(
        shapes[0].starts_with("303 /t/contoso/passcode"),
        "{shapes:?}"
    );
    assert!(
        shapes.iter().all(|s| *s == shapes[0]),
        "told apart before any credential: {shapes:?}"
    );
}
