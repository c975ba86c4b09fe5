//! Federated mode: every member sign-in of a tenant goes to one upstream
//! OpenID provider (a second Portico server behind a switchable gate), members
//! are provisioned just in time, and an unreachable or hanging upstream fails
//! clearly and recovers without a restart.

use portico::domain::IdentitySource;
use std::time::Duration;

use diesel::RunQueryDsl;
use openidconnect::TokenResponse;
use portico::admin::provision::{self, AppSpec};
use portico::b2b::providers::{self, ProviderSpec};
use portico::compare::gate::{Gate, Mode};
use portico::domain::IdpRole;
use portico::store;

use crate::helpers::rp::rp_sign_in;
use crate::helpers::{Landing, TestApp, TestClient, jwt_payload, query_param, spawn_app_with};

const ALICE: &str = "alice@contoso.example";

struct Federated {
    host: TestApp,
    upstream: TestApp,
    gate: Gate,
    web: TestClient,
}

impl Federated {
    fn upstream_issuer(&self) -> String {
        format!("{}/t/corp", self.gate.url())
    }

    fn bases(&self) -> [&str; 2] {
        [self.host.base.as_str(), self.gate.url()]
    }

    fn member(&self) -> Option<store::users::User> {
        let tenant = provision::tenant(&self.host.db, "contoso").unwrap();
        self.host
            .db
            .read_blocking(|c| store::users::find_by_email(c, &tenant.id, ALICE))
            .unwrap()
    }
}

fn spec(issuer: String, client_id: String, secret: Option<String>) -> ProviderSpec {
    ProviderSpec {
        display_name: "Corporate sign-in".into(),
        issuer,
        client_id,
        client_secret: secret,
        scopes: vec!["email".into(), "profile".into()],
        domains: vec![],
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa: false,
    }
}

/// The host server with Contoso and its web app, Contoso registered as a
/// client at the upstream's `corp` tenant and federated to it.
async fn federated_host(upstream_db: &portico::store::Db, issuer: String) -> (TestApp, TestClient) {
    let host = spawn_app_with(|s| {
        s.upstream_connect_timeout = Duration::from_millis(500);
        s.upstream_timeout = Duration::from_millis(1500);
    })
    .await;
    host.tenant("contoso");
    let web = host.web_app("contoso");
    let (client, secret) = provision::create_app(
        upstream_db,
        "corp",
        &AppSpec::sign_in_client(
            "Contoso (federated)",
            format!("{}/callback/home", host.issuer("contoso")),
        ),
    )
    .unwrap();
    let tenant = provision::tenant(&host.db, "contoso").unwrap();
    let spec = spec(issuer, client.client_id, secret)
        .validated(IdpRole::Upstream)
        .unwrap();
    host.db
        .write_blocking(|c| providers::federate(c, &host.sealer, &tenant.id, spec, "test"))
        .unwrap();
    (host, web)
}

/// Contoso on the host server, federated to the `corp` tenant of an
/// upstream server reached through a gate.
async fn federated() -> Federated {
    let mut gate = Gate::bind().await.unwrap();
    let public = gate.url().to_owned();
    let upstream = spawn_app_with(move |s| s.public_url = public).await;
    gate.forward_to(upstream.base.trim_start_matches("http://").parse().unwrap());
    upstream.tenant("corp");
    upstream.member("corp", ALICE);
    let (host, web) = federated_host(&upstream.db, format!("{}/t/corp", gate.url())).await;
    Federated {
        host,
        upstream,
        gate,
        web,
    }
}

#[tokio::test]
async fn federated_members_sign_in_upstream_and_are_provisioned_and_updated_just_in_time() {
    let f = federated().await;
    assert!(f.member().is_none());

    // The authorize request goes straight to the upstream: no local password.
    let (url, _) = crate::helpers::authorize_url(&f.host, "contoso", &f.web, "openid", &[]);
    let first_hop = f.host.follow(&f.host.browser(), &url).await;
    assert!(first_hop.starts_with(&f.upstream_issuer()), "{first_hop}");

    // Sign-in through the openidconnect crate as the app; Contoso's own tokens.
    let tokens = rp_sign_in(&f.host, "contoso", &f.web, ALICE, &f.bases())
        .await
        .expect("federated sign-in");
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    let member = f.member().expect("provisioned just in time");
    assert_eq!(id["iss"], f.host.issuer("contoso"));
    assert_eq!(id["sub"], member.id);
    assert_eq!(id["idp"], f.upstream_issuer());
    assert_eq!(id["user_type"], "Member");
    assert_eq!(member.identity_source, IdentitySource::Federated);
    assert!(member.password_hash.is_none());
    assert_eq!(member.display_name, "Test User");

    // The upstream renames her; the next sign-in updates the same member.
    let mut conn = f.upstream.db.conn_for_tests();
    diesel::sql_query(format!(
        "UPDATE users SET display_name = 'Alice Renamed' WHERE email = '{ALICE}'"
    ))
    .execute(&mut *conn)
    .unwrap();
    drop(conn);
    rp_sign_in(&f.host, "contoso", &f.web, ALICE, &f.bases())
        .await
        .expect("second sign-in");
    let again = f.member().unwrap();
    assert_eq!(again.id, member.id);
    assert_eq!(again.display_name, "Alice Renamed");

    let tenant = provision::tenant(&f.host.db, "contoso").unwrap();
    let audit = f
        .host
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 50))
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"member.provisioned"), "{actions:?}");
    assert!(
        actions.contains(&"member.updated_from_upstream"),
        "{actions:?}"
    );
}

/// One authorize request against the federated tenant, bounded by a guard
/// far above the configured upstream timeout so a hang fails the test.
async fn attempt(f: &Federated) -> reqwest::Response {
    let (url, _) = crate::helpers::authorize_url(&f.host, "contoso", &f.web, "openid", &[]);
    tokio::time::timeout(Duration::from_secs(10), f.host.browser().get(url).send())
        .await
        .expect("sign-in must not hang")
        .unwrap()
}

#[tokio::test]
async fn an_unreachable_or_hanging_upstream_fails_clearly_and_sign_in_recovers_without_restart() {
    let f = federated().await;
    for mode in [Mode::Down, Mode::Hung] {
        f.gate.set(mode);
        let response = attempt(&f).await;
        assert_eq!(response.status(), 503, "{mode:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Sign-in is unavailable"), "{page}");
        // The page offers the app its protocol error.
        let start = page
            .find("href=\"http://127.0.0.1:9/callback?")
            .expect("link back");
        let link = page[start + 6..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert_eq!(
            query_param(&link, "error").as_deref(),
            Some("temporarily_unavailable")
        );
        assert_eq!(query_param(&link, "state").as_deref(), Some("st-1"));
        assert_eq!(query_param(&link, "iss"), Some(f.host.issuer("contoso")));
        assert!(f.member().is_none(), "no partial user rows");
    }

    // Back up: sign-in works again; Portico was not restarted.
    f.gate.set(Mode::Up);
    let tokens = rp_sign_in(&f.host, "contoso", &f.web, ALICE, &f.bases()).await;
    assert!(tokens.is_ok(), "{:?}", tokens.err());
    assert!(f.member().is_some());
}

#[tokio::test]
async fn the_upstream_going_down_mid_sign_in_fails_at_the_callback_without_partial_rows() {
    let f = federated().await;
    // The browser reaches the upstream's sign-in; then the upstream goes down
    // before the tenant can redeem the code.
    let browser = f.host.browser();
    let (url, _) = crate::helpers::authorize_url(&f.host, "contoso", &f.web, "openid", &[]);
    let upstream_authorize = f.host.follow(&browser, &url).await;
    let landing = portico::compare::journey::drive_across(
        &[f.gate.url()],
        &browser,
        &upstream_authorize,
        ALICE,
        crate::helpers::PASSWORD,
    )
    .await;
    let Landing::Away(callback) = landing else {
        panic!("expected the upstream to send the browser back, got {landing:?}")
    };
    assert!(callback.contains("/callback/home?"), "{callback}");
    f.gate.set(Mode::Down);
    let response = tokio::time::timeout(Duration::from_secs(10), browser.get(&callback).send())
        .await
        .expect("no hang")
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("not answering"));
    assert!(f.member().is_none(), "no partial user rows");
}

#[tokio::test]
async fn federation_is_configured_through_the_api_and_shown_without_secrets() {
    let f = federated().await;
    let tenant = provision::tenant(&f.host.db, "contoso").unwrap();
    // Back to local to obtain an admin token, then federate through the API.
    f.host
        .db
        .write_blocking(|c| providers::unfederate(c, &tenant.id, "test"))
        .unwrap();
    let token = crate::helpers::api::admin_token(&f.host).await;
    let body = serde_json::json!({
        "display_name": "Corporate sign-in",
        "issuer": f.upstream_issuer(),
        "client_id": "contoso",
        "client_secret": "upstream-secret-value",
    });
    let (status, view, _) = crate::helpers::api::call(
        &f.host,
        reqwest::Method::PUT,
        "/federation",
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["auth_mode"], "federated");
    assert_eq!(view["upstream"]["issuer"], f.upstream_issuer());
    assert_eq!(view["upstream"]["has_client_secret"], true);
    assert!(!view.to_string().contains("upstream-secret-value"));
    // Domains make no sense for an upstream.
    let (status, _, _) = crate::helpers::api::call(
        &f.host,
        reqwest::Method::PUT,
        "/federation",
        Some(&token),
        Some(serde_json::json!({"display_name": "x", "issuer": f.upstream_issuer(), "client_id": "c", "domains": ["a.example"]})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, view, _) = crate::helpers::api::call(
        &f.host,
        reqwest::Method::DELETE,
        "/federation",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(view["auth_mode"], "local");
    assert!(view["upstream"].is_null());
}

#[tokio::test]
async fn a_stopped_and_restarted_upstream_server_is_used_again_without_restarting_portico() {
    use portico::config::Settings;
    use portico::startup::Application;
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database(&dir);
    let sealer = portico::crypto::Sealer::generate().0;
    let start = |bind: &str, public: &str| {
        let mut settings = Settings::new(bind, "http://127.0.0.1", &db_url).unwrap();
        settings.public_url = public.to_owned();
        settings.sealer = Some(sealer.clone());
        Application::build(settings).unwrap()
    };
    let upstream = start("127.0.0.1:0", "");
    let port = upstream.port();
    let (handle, upstream_db) = (upstream.handle(), upstream.state().db.clone());
    tokio::spawn(upstream.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");
    provision::create_tenant(
        &upstream_db,
        "corp",
        "Corp",
        &[],
        portico::tokens::keys::SigningAlg::Rs256,
    )
    .unwrap();
    for who in [ALICE, "bob@contoso.example"] {
        provision::create_member(
            &upstream_db,
            "corp",
            who,
            "Test User",
            crate::helpers::PASSWORD,
            false,
        )
        .unwrap();
    }
    let (host, web) = federated_host(&upstream_db, format!("{base}/t/corp")).await;
    let bases = [host.base.as_str(), base.as_str()];
    assert!(
        rp_sign_in(&host, "contoso", &web, ALICE, &bases)
            .await
            .is_ok()
    );

    // The upstream process stops: sign-in fails clearly; nobody new appears.
    handle.stop(false).await;
    let (url, _) = crate::helpers::authorize_url(&host, "contoso", &web, "openid", &[]);
    let response = tokio::time::timeout(Duration::from_secs(10), host.browser().get(url).send())
        .await
        .expect("no hang")
        .unwrap();
    assert_eq!(response.status(), 503);
    let tenant = provision::tenant(&host.db, "contoso").unwrap();
    let bob = || {
        host.db
            .read_blocking(|c| store::users::find_by_email(c, &tenant.id, "bob@contoso.example"))
            .unwrap()
    };
    assert!(bob().is_none());

    // It starts again on the same address: Portico uses it at once.
    let again = start(&format!("127.0.0.1:{port}"), &base);
    tokio::spawn(again.run_until_stopped());
    let tokens = rp_sign_in(&host, "contoso", &web, "bob@contoso.example", &bases).await;
    assert!(tokens.is_ok(), "{:?}", tokens.err());
    assert!(bob().is_some());
}

#[tokio::test]
async fn a_federated_tenant_never_accepts_a_local_password_and_links_existing_members() {
    let f = federated().await;
    let tenant = provision::tenant(&f.host.db, "contoso").unwrap();
    // Carol was a local member with a password before the tenant federated.
    const CAROL: &str = "carol@contoso.example";
    f.host.member("contoso", CAROL);
    let carol_before = f
        .host
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, CAROL))
        .unwrap()
        .unwrap();
    f.host
        .db
        .write_blocking(|c| providers::unfederate(c, &tenant.id, "test"))
        .unwrap();
    let token = crate::helpers::api::admin_token(&f.host).await;

    // A sign-in starts while the tenant is local...
    let browser = f.host.browser();
    let page = f.host.login_page(&browser, "contoso", &f.web).await;
    let (csrf, req) = (
        crate::helpers::hidden(&page, "csrf_token"),
        crate::helpers::hidden(&page, "req"),
    );
    // ...then the tenant federates (through the API, which every replica
    // sees within its cache time; this one at once).
    let (client, secret) = provision::create_app(
        &f.upstream.db,
        "corp",
        &AppSpec::sign_in_client(
            "Contoso again",
            format!("{}/callback/home", f.host.issuer("contoso")),
        ),
    )
    .unwrap();
    let (status, _, _) = crate::helpers::api::call(
        &f.host,
        reqwest::Method::PUT,
        "/federation",
        Some(&token),
        Some(serde_json::json!({
            "display_name": "Corporate sign-in",
            "issuer": f.upstream_issuer(),
            "client_id": client.client_id,
            "client_secret": secret,
        })),
    )
    .await;
    assert_eq!(status, 200);
    let response = browser
        .post(format!("{}/login/password", f.host.issuer("contoso")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("req", req.as_str()),
            ("email", CAROL),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&f.upstream_issuer()), "{location}");
    assert!(
        response.cookies().all(|c| c.name() != "portico_session"),
        "a local password must not start a session"
    );

    // Carol signs in upstream: the same member, now without a password here.
    f.upstream.member("corp", CAROL);
    rp_sign_in(&f.host, "contoso", &f.web, CAROL, &f.bases())
        .await
        .expect("federated sign-in");
    let carol = f
        .host
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, CAROL))
        .unwrap()
        .unwrap();
    assert_eq!(carol.id, carol_before.id);
    assert!(carol_before.password_hash.is_some());
    assert!(carol.password_hash.is_none());
    assert_eq!(carol.identity_source, IdentitySource::Federated);
}
