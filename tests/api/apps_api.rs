//! Apps through the admin API: registering one (its secret answered once,
//! working at the token endpoint), listing and reading them (never a
//! secret), rotating a secret (the old one refused at once), taking an
//! assignment away; administrators only, every change audited as the caller.

use portico::domain::{AuditAction, GrantType};
use portico::store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::api::{admin_token, call};
use crate::helpers::{TestApp, TestClient, spawn_app, tokens_for_member};

pub(crate) mod redirects;

async fn contoso() -> (TestApp, String) {
    let app = spawn_app().await;
    app.tenant("contoso");
    let token = admin_token(&app).await;
    (app, token)
}

/// A client_credentials request authenticated with `client_secret_basic`.
pub(crate) async fn token_status(app: &TestApp, client_id: &str, secret: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/token", app.issuer("contoso")))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `GET /apps/{client_id}` as `token`.
async fn one_app(app: &TestApp, token: &str, client_id: &str) -> (u16, Value, String) {
    let path = format!("/apps/{client_id}");
    call(app, Method::GET, &path, Some(token), None).await
}

fn payroll() -> Value {
    json!({
        "name": "Payroll",
        "redirect_uris": ["https://payroll.example/callback"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "home_url": "https://payroll.example/",
        "assignment_required": true,
    })
}

/// The tenant's audit events with this action, newest first.
fn audited(app: &TestApp, action: AuditAction) -> Vec<store::audit::AuditEvent> {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    app.db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 200))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

fn admin_actor(app: &TestApp) -> String {
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let admin = app
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, "admin@contoso.example"))
        .unwrap()
        .unwrap();
    format!("user:{}", admin.id)
}

/// Callers who are not administrators: a member's token, and an app that
/// may change apps' settings (`Policies.ReadWrite`) with its own token.
async fn not_administrators(app: &TestApp) -> (String, TestClient, String) {
    app.member("contoso", "megan@contoso.example");
    let portal = app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let tokens =
        tokens_for_member(app, "contoso", &portal, "megan@contoso.example", "openid").await;
    let member = tokens["access_token"].as_str().unwrap().to_owned();
    let service = app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![portico::domain::Permission::PoliciesReadWrite],
    );
    let service_token = app.client_token("contoso", &service).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (member, service, service_token)
}

#[tokio::test]
async fn an_administrator_registers_an_app_and_gets_its_secret_once() {
    let (app, token) = contoso().await;
    let (status, created, _) =
        call(&app, Method::POST, "/apps", Some(&token), Some(payroll())).await;
    assert_eq!(status, 201, "{created}");
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "{created}");
    assert_eq!(created["client_type"], "confidential");
    assert_eq!(created["assignment_required"], true);
    assert_eq!(created["home_url"], "https://payroll.example/");
    assert_eq!(token_status(&app, &client_id, &secret).await, 200);
    assert_eq!(token_status(&app, &client_id, "not-the-secret").await, 401);

    // Neither the list nor the app's own view shows the secret or its hash.
    let hash = portico::crypto::token_hash(&secret);
    let (status, list, _) = call(&app, Method::GET, "/apps", Some(&token), None).await;
    assert_eq!(status, 200);
    let (status, one, _) = one_app(&app, &token, &client_id).await;
    assert_eq!(status, 200);
    for view in [&list, &one] {
        let text = view.to_string();
        assert!(!text.contains(&secret) && !text.contains(&hash), "{text}");
        assert!(!text.contains("client_secret\""), "{text}");
    }
    let listed = list["apps"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|a| a["client_id"] == client_id.as_str() && a["has_secret"] == true)
    );
    assert_eq!(one["name"], "Payroll");
    assert_eq!(
        one["redirect_uris"],
        json!(["https://payroll.example/callback"])
    );
    assert_eq!(one["assignments"], json!([]));

    // Registered as the caller, with its settings, in the same breath.
    let actor = admin_actor(&app);
    let created_events = audited(&app, AuditAction::AppCreated);
    let event = created_events
        .iter()
        .find(|e| e.target.as_deref() == Some(client_id.as_str()))
        .expect("app.created");
    assert_eq!(event.actor, actor);
    let required = audited(&app, AuditAction::AppAssignmentRequired);
    assert_eq!(required[0].actor, actor);
}

#[tokio::test]
async fn bad_registrations_are_refused_as_problems_and_store_nothing() {
    let (app, token) = contoso().await;
    let (_, before, _) = call(&app, Method::GET, "/apps", Some(&token), None).await;
    let refused = [
        json!({"name": "Frag", "redirect_uris": ["https://a.example/cb#top"]}),
        json!({"name": "Relative", "redirect_uris": ["/callback"]}),
        json!({"name": "Script", "redirect_uris": ["javascript:alert(1)"]}),
        json!({"name": "No redirect", "grant_types": ["authorization_code"]}),
        json!({"name": "  ", "redirect_uris": ["https://a.example/cb"]}),
        json!({"name": "Public service", "client_type": "public", "grant_types": ["client_credentials"]}),
        json!({"name": "Unknown grant", "grant_types": ["password"]}),
        json!({"name": "Extra", "redirect_uris": ["https://a.example/cb"], "secret": "mine"}),
        json!({"name": "Home", "redirect_uris": ["https://a.example/cb"], "home_url": "ftp://a.example/"}),
        json!({"name": "Keys", "redirect_uris": ["https://a.example/cb"], "jwks_uri": "https://a.example/jwks"}),
        json!({"name": "Public secret", "client_type": "public", "redirect_uris": ["https://a.example/cb"],
               "token_endpoint_auth_method": "client_secret_basic"}),
    ];
    for body in refused {
        let (status, problem, content_type) = call(
            &app,
            Method::POST,
            "/apps",
            Some(&token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body} → {problem}");
        assert_eq!(content_type, "application/problem+json", "{body}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
    }
    let (_, after, _) = call(&app, Method::GET, "/apps", Some(&token), None).await;
    assert_eq!(before["apps"], after["apps"], "nothing was registered");
}

#[tokio::test]
async fn only_administrators_may_register_list_or_rotate() {
    let (app, admin) = contoso().await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&admin), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();

    // An app's own token may not register apps either, even one that may
    // change apps' settings: it could give itself more permissions.
    let (member, _, service_token) = not_administrators(&app).await;
    for token in [&member, &service_token] {
        for (method, path, body) in [
            (Method::GET, "/apps".to_owned(), None),
            (Method::GET, format!("/apps/{client_id}"), None),
            (Method::POST, "/apps".to_owned(), Some(payroll())),
            (Method::POST, format!("/apps/{client_id}/secret"), None),
        ] {
            let (status, problem, content_type) =
                call(&app, method, &path, Some(token), body).await;
            assert_eq!(status, 403, "{path}: {problem}");
            assert_eq!(content_type, "application/problem+json");
        }
    }
    let (status, _, _) = call(&app, Method::GET, "/apps", None, None).await;
    assert_eq!(status, 401);
    assert_eq!(audited(&app, AuditAction::AppSecretRotated).len(), 0);
}

#[tokio::test]
async fn a_rotated_secret_replaces_the_old_one_at_once() {
    let (app, token) = contoso().await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&token), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let old = created["client_secret"].as_str().unwrap().to_owned();
    // The client is now cached by the token endpoint.
    assert_eq!(token_status(&app, &client_id, &old).await, 200);

    let path = format!("/apps/{client_id}/secret");
    let (status, rotated, _) = call(&app, Method::POST, &path, Some(&token), None).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        token_status(&app, &client_id, &old).await,
        401,
        "the old secret is refused"
    );
    assert_eq!(
        token_status(&app, &client_id, &new).await,
        200,
        "the new one works"
    );
    let events = audited(&app, AuditAction::AppSecretRotated);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, admin_actor(&app));
    assert_eq!(events[0].target.as_deref(), Some(client_id.as_str()));

    // A public app has no secret; an unknown app is not found.
    let spa = json!({"name": "SPA", "client_type": "public", "redirect_uris": ["https://spa.example/cb"]});
    let (status, public, _) = call(&app, Method::POST, "/apps", Some(&token), Some(spa)).await;
    assert_eq!(status, 201);
    assert!(public.get("client_secret").is_none(), "{public}");
    let public_path = format!("/apps/{}/secret", public["client_id"].as_str().unwrap());
    let (status, _, _) = call(&app, Method::POST, &public_path, Some(&token), None).await;
    assert_eq!(status, 400);
    let (status, _, _) = call(
        &app,
        Method::POST,
        "/apps/no-such-app/secret",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_assignment_is_taken_away_and_audited() {
    let (app, token) = contoso().await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&token), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let (_, group, _) = call(
        &app,
        Method::POST,
        "/groups",
        Some(&token),
        Some(json!({"name": "Finance"})),
    )
    .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let assign = json!({ "group_id": group_id });
    let path = format!("/apps/{client_id}/assignments");
    let (status, _, _) = call(&app, Method::POST, &path, Some(&token), Some(assign)).await;
    assert_eq!(status, 204);
    let (_, one, _) = one_app(&app, &token, &client_id).await;
    assert_eq!(one["assignments"][0]["kind"], "group");
    assert_eq!(one["assignments"][0]["id"], group_id.as_str());

    let remove = format!("/apps/{client_id}/assignments/groups/{group_id}");
    let (status, _, _) = call(&app, Method::DELETE, &remove, Some(&token), None).await;
    assert_eq!(status, 204);
    let (_, one, _) = one_app(&app, &token, &client_id).await;
    assert_eq!(one["assignments"], json!([]));
    let (status, problem, _) = call(&app, Method::DELETE, &remove, Some(&token), None).await;
    assert_eq!(status, 404, "{problem}");
    let wrong_kind = format!("/apps/{client_id}/assignments/robots/{group_id}");
    let (status, _, _) = call(&app, Method::DELETE, &wrong_kind, Some(&token), None).await;
    assert_eq!(status, 404);
    let events = audited(&app, AuditAction::AppUnassigned);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, admin_actor(&app));
    assert_eq!(events[0].target.as_deref(), Some(group_id.as_str()));
}
