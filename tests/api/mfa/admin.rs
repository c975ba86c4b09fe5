//! Administrators: the authentication policy and apps' `require_mfa` on the
//! API (policy permission, audited), and resetting a user's factors on the
//! API and the CLI.

use portico::domain::MfaRequired;
use portico::store;
use reqwest::Method;

use super::{ALICE, back_with_code, fixture, location, post_form_to};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::cli;
use crate::helpers::{PASSWORD, drive, fresh_database, tokens_for_member};

/// Calls `/authentication-policy` with `token`: GET without a body, PUT with one.
async fn auth_policy(
    f: &super::Fixture,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let method = if body.is_some() {
        Method::PUT
    } else {
        Method::GET
    };
    let (status, body, _) = call(&f.app, method, "/authentication-policy", Some(token), body).await;
    (status, body)
}

#[tokio::test]
async fn the_authentication_policy_is_read_and_replaced_on_the_api() {
    let f = fixture().await;
    let admin = admin_token(&f.app).await;
    let nobody = serde_json::json!({ "mfa_required": "nobody" });
    assert_eq!(auth_policy(&f, &admin, None).await, (200, nobody));
    let admins = serde_json::json!({ "mfa_required": "admins" });
    let put = auth_policy(&f, &admin, Some(admins.clone())).await;
    assert_eq!(put, (200, admins.clone()));
    assert_eq!(f.audited("auth_policy.updated"), 1);
    let bad = serde_json::json!({ "mfa_required": "sometimes" });
    assert_eq!(auth_policy(&f, &admin, Some(bad)).await.0, 400);
    // A member may not change it.
    let web = f.app.web_app("contoso");
    let member = tokens_for_member(&f.app, "contoso", &web, ALICE, "openid").await;
    let member = member["access_token"].as_str().unwrap();
    let everyone = serde_json::json!({ "mfa_required": "everyone" });
    assert_eq!(auth_policy(&f, member, Some(everyone)).await.0, 403);
    assert_eq!(auth_policy(&f, &admin, None).await, (200, admins));
}

#[tokio::test]
async fn an_app_is_made_to_require_a_second_factor_on_the_api() {
    let f = fixture().await;
    let admin = admin_token(&f.app).await;
    let path = format!("/apps/{}", f.client.client_id);
    let on = serde_json::json!({ "require_mfa": true });
    let (status, body, _) =
        call(&f.app, Method::PATCH, &path, Some(&admin), Some(on.clone())).await;
    assert_eq!((status, body["require_mfa"].as_bool()), (200, Some(true)));
    assert_eq!(f.audited("app.require_mfa_updated"), 1);
    let landing = f.start(&f.app.browser(), ALICE, &[]).await;
    assert!(
        matches!(&landing, crate::helpers::Landing::Page(200, p) if p.contains("Set up two-step"))
    );
    let (status, _, _) = call(
        &f.app,
        Method::PATCH,
        "/apps/no-such-app",
        Some(&admin),
        Some(on),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_administrator_resets_a_users_factors_on_the_api() {
    let f = fixture().await;
    let admin = admin_token(&f.app).await;
    f.policy(MfaRequired::Members);
    f.enrolled().await;
    f.policy(MfaRequired::Nobody);
    // Whoever has a factor uses it, whatever the policy.
    let landing = f.start(&f.app.browser(), ALICE, &[]).await;
    assert!(
        matches!(&landing, crate::helpers::Landing::Page(200, p) if p.contains("Verify it's you"))
    );
    let alice = user_id(&f.app.db, ALICE);
    let (status, _, _) = call(
        &f.app,
        Method::POST,
        &format!("/users/{alice}/reset-mfa"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(f.audited("mfa.reset"), 1);
    // With no factor and no policy, the password is enough again.
    assert!(back_with_code(&f.start(&f.app.browser(), ALICE, &[]).await));
    let (status, _, _) = call(
        &f.app,
        Method::POST,
        "/users/nobody/reset-mfa",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

fn user_id(db: &store::Db, email: &str) -> String {
    let tenant = portico::admin::provision::tenant(db, "contoso").unwrap();
    db.read_blocking(|c| store::users::find_by_email(c, &tenant.id, email))
        .unwrap()
        .unwrap()
        .id
}

#[test]
fn the_cli_sets_the_policy_and_apps_and_resets_factors() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    cli(&url, &["tenant", "create", "contoso", "--name", "Contoso"]);
    let shown = cli(&url, &["auth-policy", "show", "--tenant", "contoso"]);
    assert!(shown.contains("\"nobody\""), "{shown}");
    let set = [
        "auth-policy",
        "set",
        "--tenant",
        "contoso",
        "--mfa-required",
        "guests",
    ];
    assert!(cli(&url, &set).contains("\"guests\""));
    assert!(cli(&url, &["auth-policy", "show", "--tenant", "contoso"]).contains("\"guests\""));

    let db = store::Db::connect(&url).unwrap();
    portico::admin::provision::create_member(
        &db,
        "contoso",
        ALICE,
        "Alice",
        "pw-long-enough",
        false,
    )
    .unwrap();
    let tenant = portico::admin::provision::tenant(&db, "contoso").unwrap();
    let alice = user_id(&db, ALICE);
    db.write_blocking(|c| {
        let row = store::factors::begin_totp(c, &tenant.id, &alice, |_| "sealed".into())?.unwrap();
        store::factors::accept_totp_step(c, &tenant.id, &row.id, 1)?;
        store::factors::replace_recovery_codes(c, &tenant.id, &alice, &["digest".into()])
    })
    .unwrap();
    cli(
        &url,
        &["mfa", "reset", "--tenant", "contoso", "--email", ALICE],
    );
    let (totp, left) = db
        .read_blocking(|c| {
            Ok::<_, store::StoreError>((
                store::factors::totp(c, &tenant.id, &alice)?,
                store::factors::recovery_codes_left(c, &tenant.id, &alice)?,
            ))
        })
        .unwrap();
    assert!(totp.is_none() && left == 0);

    let spec = portico::admin::provision::AppSpec {
        client_id: Some("crm".into()),
        name: "CRM".into(),
        redirect_uris: vec!["https://crm.example/cb".into()],
        post_logout_redirect_uris: vec![],
        public: false,
        first_party: true,
        grants: vec![portico::domain::GrantType::AuthorizationCode],
        permissions: vec![],
    };
    portico::admin::provision::create_app(&db, "contoso", &spec).unwrap();
    let args = [
        "mfa",
        "app",
        "--tenant",
        "contoso",
        "--client-id",
        "crm",
        "--required",
        "true",
    ];
    cli(&url, &args);
    let required = db
        .read_blocking(|c| store::apps::requires_mfa(c, &tenant.id, "crm"))
        .unwrap();
    assert!(required);
}

#[tokio::test]
async fn an_administrator_sets_the_policy_and_resets_factors_in_the_portal() {
    let f = fixture().await;
    f.policy(MfaRequired::Members);
    f.enrolled().await;
    f.policy(MfaRequired::Nobody);
    const ADA: &str = "ada@contoso.example";
    portico::admin::provision::create_member(&f.app.db, "contoso", ADA, "Ada", PASSWORD, true)
        .unwrap();
    let browser = f.app.browser();
    let portal = format!("{}/admin", f.app.issuer("contoso"));
    let policies = format!("{portal}/policies");
    let admin_page = super::page(drive(&f.app, &browser, &policies, ADA, PASSWORD).await);
    assert!(admin_page.contains("Authentication policy"), "{admin_page}");
    let saved = post_form_to(
        &f.app,
        &browser,
        &admin_page,
        "auth-policy",
        &[("mfa_required", "guests")],
    )
    .await;
    assert!(location(&saved).ends_with("notice=auth_policy"));
    let tenant = portico::admin::provision::tenant(&f.app.db, "contoso").unwrap();
    let required = f
        .app
        .db
        .read_blocking(|c| store::auth_policy::get(c, &tenant.id))
        .unwrap();
    assert_eq!(required, MfaRequired::Guests);
    let reset = post_form_to(
        &f.app,
        &browser,
        &admin_page,
        "mfa-reset",
        &[("email", ALICE)],
    )
    .await;
    assert!(location(&reset).ends_with("notice=mfa_reset"));
    assert_eq!(f.audited("mfa.reset"), 1);
    assert!(back_with_code(&f.start(&f.app.browser(), ALICE, &[]).await));
    let unknown = post_form_to(
        &f.app,
        &browser,
        &admin_page,
        "mfa-reset",
        &[("email", "x@contoso.example")],
    )
    .await;
    assert_eq!(unknown.status(), 404);
}
