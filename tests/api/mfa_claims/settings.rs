//! Where an administrator says whose MFA counts: inbound trust in the
//! cross-tenant settings (API, CLI, portal) and `trust_mfa` on a configured
//! identity provider (API, CLI); every change audited.

use portico::store;

use crate::helpers::api::{admin_token, call};
use crate::helpers::b2b::b2b;
use crate::helpers::cli::cli;
use crate::helpers::{Landing, PASSWORD, drive, fresh_database, hidden};

#[tokio::test]
async fn inbound_trust_and_provider_trust_are_set_through_the_api_and_audited() {
    let b = b2b().await;
    let token = admin_token(&b.app).await;
    let api = |method, path: &'static str, body| call(&b.app, method, path, Some(&token), body);
    let settings = serde_json::json!({
        "inbound": {"default": "allow"},
        "inbound_trust": {"default": {"mfa": false}, "partners": {"proseware": {"mfa": true}}}
    });
    let (status, saved, _) =
        api(reqwest::Method::PUT, "/cross-tenant-access", Some(settings)).await;
    assert_eq!(status, 200, "{saved}");
    let (_, read, _) = api(reqwest::Method::GET, "/cross-tenant-access", None).await;
    assert_eq!(read["inbound_trust"]["partners"]["proseware"]["mfa"], true);
    assert_eq!(read["inbound_trust"]["default"]["mfa"], false);
    for bad in [
        serde_json::json!({"inbound_trust": {"partners": {"not a partner!": {"mfa": true}}}}),
        serde_json::json!({"inbound_trust": {"default": {"mfa": "yes"}}}),
        serde_json::json!({"inbound_trust": {"default": {"devices": true}}}),
    ] {
        let (status, body, _) = api(reqwest::Method::PUT, "/cross-tenant-access", Some(bad)).await;
        assert_eq!(status, 400, "{body}");
    }

    let provider = serde_json::json!({
        "display_name": "Northwind sign-in", "issuer": "https://login.northwind.example/",
        "client_id": "contoso", "domains": ["northwind.example"], "trust_mfa": true,
    });
    let (status, created, _) =
        api(reqwest::Method::POST, "/identity-providers", Some(provider)).await;
    assert_eq!(
        (status, &created["trust_mfa"]),
        (201, &serde_json::json!(true))
    );
    let path = format!("/identity-providers/{}", created["id"].as_str().unwrap());
    let patch = serde_json::json!({"trust_mfa": false});
    let (status, updated, _) = call(
        &b.app,
        reqwest::Method::PATCH,
        &path,
        Some(&token),
        Some(patch),
    )
    .await;
    assert_eq!(
        (status, &updated["trust_mfa"]),
        (200, &serde_json::json!(false))
    );

    let tenant = b.contoso();
    let audit = b
        .app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 20))
        .unwrap();
    let said = |action: &str, text: &str| {
        audit.iter().any(|a| {
            a.action.as_str() == action && a.detail.as_deref().is_some_and(|d| d.contains(text))
        })
    };
    assert!(said(
        "cross_tenant_access.updated",
        r#""partners":{"proseware":{"mfa":true}}"#
    ));
    assert!(said("idp.updated", r#""trust_mfa":false"#));
}

#[test]
fn inbound_trust_and_provider_trust_are_set_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(&db, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let set = [
        "cross-tenant",
        "set",
        "--tenant",
        "contoso",
        "--trust-mfa-default",
        "true",
        "--distrust-mfa",
        "https://login.partner.example",
        "--trust-mfa",
        "proseware",
    ];
    let shown: serde_json::Value = serde_json::from_str(&cli(&db, &set)).unwrap();
    let trust = &shown["inbound_trust"];
    assert_eq!(trust["default"]["mfa"], true);
    assert_eq!(trust["partners"]["proseware"]["mfa"], true);
    assert_eq!(
        trust["partners"]["https://login.partner.example"]["mfa"],
        false
    );

    let add = [
        "idp",
        "add",
        "--tenant",
        "contoso",
        "--name",
        "Northwind",
        "--issuer",
        "https://login.northwind.example/",
        "--client-id",
        "contoso",
        "--domain",
        "northwind.example",
        "--trust-mfa",
    ];
    let added: serde_json::Value = serde_json::from_str(&cli(&db, &add)).unwrap();
    assert_eq!(added["trust_mfa"], true, "{added}");
    let id = added["id"].as_str().unwrap();
    let update = [
        "idp",
        "update",
        "--tenant",
        "contoso",
        "--id",
        id,
        "--trust-mfa",
        "false",
    ];
    let updated: serde_json::Value = serde_json::from_str(&cli(&db, &update)).unwrap();
    assert_eq!(updated["trust_mfa"], false, "{updated}");
}

#[tokio::test]
async fn an_admin_sets_inbound_trust_in_the_portal() {
    let b = b2b().await;
    let admin = b.administrator();
    let browser = b.app.browser();
    let portal = format!("{}/admin", b.app.issuer("contoso"));
    let policies = format!("{portal}/policies");
    let Landing::Page(200, page) = drive(&b.app, &browser, &policies, admin, PASSWORD).await else {
        panic!("portal page expected")
    };
    assert!(page.contains("Inbound trust"), "{page}");
    let form = |trust: &str, distrust: &str| {
        vec![
            ("csrf_token", hidden(&page, "csrf_token")),
            ("inbound_default", "allow".to_owned()),
            ("outbound_default", "allow".to_owned()),
            ("trust_mfa_default", "on".to_owned()),
            ("trust_mfa", trust.to_owned()),
            ("distrust_mfa", distrust.to_owned()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        let request = browser.post(format!("{portal}/cross-tenant")).form(&form);
        async move { request.send().await.unwrap() }
    };
    let response = post(form("proseware", "https://login.partner.example")).await;
    assert_eq!(response.status(), 303);
    let tenant = b.contoso();
    let trust = b
        .app
        .db
        .read_blocking(|c| store::cross_tenant::get(c, &tenant.id))
        .unwrap()
        .inbound_trust;
    assert!(trust.default.mfa);
    assert!(trust.partners["proseware"].mfa);
    assert!(!trust.partners["https://login.partner.example"].mfa);
    // The page shows what is saved.
    let Landing::Page(200, page) = drive(&b.app, &browser, &policies, admin, PASSWORD).await else {
        panic!("portal page expected")
    };
    assert!(
        page.contains(r#"name="trust_mfa_default" value="on" checked"#),
        "{page}"
    );

    // Trusted and not trusted at once: refused, nothing saved.
    let response = post(form("proseware", "proseware")).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("both trusted and not trusted")
    );
}

#[tokio::test]
async fn the_demo_has_contoso_trust_prosewares_mfa_and_keeps_an_admins_later_choice() {
    let app = crate::helpers::spawn_app().await;
    let said = portico::admin::demo::seed(&app.db, &app.base).unwrap();
    assert!(
        said.contains("Contoso trusts the multifactor authentication"),
        "{said}"
    );
    let contoso = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let trust = |app: &crate::helpers::TestApp| {
        app.db
            .read_blocking(|c| store::cross_tenant::get(c, &contoso.id))
            .unwrap()
            .inbound_trust
    };
    assert!(trust(&app).partners["proseware"].mfa);
    // An administrator turns it off; seeding again leaves it off.
    let mut settings = app
        .db
        .read_blocking(|c| store::cross_tenant::get(c, &contoso.id))
        .unwrap();
    settings.inbound_trust.partners.clear();
    settings.inbound_trust.partners.insert(
        "proseware".into(),
        portico::domain::inbound_trust::TrustSettings { mfa: false },
    );
    app.db
        .write_blocking(|c| portico::b2b::cross_tenant::save(c, &contoso.id, &settings, "admin"))
        .unwrap();
    portico::admin::demo::seed(&app.db, &app.base).unwrap();
    assert!(!trust(&app).partners["proseware"].mfa);
}
