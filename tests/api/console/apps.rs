//! The console's apps section: an administrator registers an app and sees
//! its secret once, rotates it after confirming, changes its settings and
//! assignments (audited as them); forged forms and members change nothing.

use portico::admin::provision;
use portico::domain::{AuditAction, GrantType};
use portico::store;
use portico::store::apps::Client;

use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::{Landing, PASSWORD, TestClient, drive, hidden};

mod backchannel;
mod browser;
mod redirects;

pub(super) fn apps_url(b: &B2b) -> String {
    format!("{}/admin/apps", b.app.issuer("contoso"))
}

/// A browser signed in to the console's apps section as `email`, and the page.
async fn signed_in(b: &B2b, email: &str) -> (reqwest::Client, String) {
    let browser = b.app.browser();
    let Landing::Page(status, page) = drive(&b.app, &browser, &apps_url(b), email, PASSWORD).await
    else {
        panic!("the console's page expected")
    };
    (browser, format!("{status}\n{page}"))
}

/// The value of the read-only field `id` on the secret page.
fn shown(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\" type=\"text\" readonly value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

pub(super) fn stored(b: &B2b, client_id: &str) -> Client {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::apps::find(c, &tenant.id, client_id))
        .unwrap()
        .expect("the app is stored")
}

fn app_count(b: &B2b) -> usize {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::apps::list(c, &tenant.id))
        .unwrap()
        .len()
}

fn audited(b: &B2b, action: AuditAction) -> Vec<store::audit::AuditEvent> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 200))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

fn actor(b: &B2b, email: &str) -> String {
    format!("user:{}", b.guest(email).id)
}

async fn token_status(b: &B2b, client_id: &str, secret: &str) -> u16 {
    crate::apps_api::token_status(&b.app, client_id, secret).await
}

/// Posts a form as this browser.
async fn post(browser: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.post(url).form(fields).send().await.unwrap()
}

/// Posts the registration form with a name and one redirect URI.
async fn register(
    browser: &reqwest::Client,
    b: &B2b,
    csrf: &str,
    (name, redirect_uri): (&str, &str),
) -> reqwest::Response {
    let fields = [
        ("csrf_token", csrf),
        ("name", name),
        ("redirect_uris", redirect_uri),
        ("grant", "authorization_code"),
    ];
    post(browser, &apps_url(b), &fields).await
}

/// A confidential app with its own tokens, registered as the CLI does.
fn service(b: &B2b) -> TestClient {
    b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![],
    )
}

#[tokio::test]
async fn an_administrator_registers_an_app_and_sees_its_secret_only_once() {
    let b = b2b().await;
    let admin = b.administrator();
    let (browser, page) = signed_in(&b, admin).await;
    assert!(
        page.starts_with("200") && page.contains("Register an app"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf_token");
    let form_id = hidden(&page, "client_id");
    let before = app_count(&b);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("client_id", form_id.as_str()),
        ("name", "Expenses"),
        ("client_type", "confidential"),
        (
            "redirect_uris",
            "https://expenses.example/cb\r\n\r\nhttps://expenses.example/cb2\r\n",
        ),
        ("grant", "authorization_code"),
        ("grant", "client_credentials"),
        ("permission", "Invitations.Invite"),
        ("assignment_required", "on"),
        ("home_url", "https://expenses.example/"),
    ];
    let response = post(&browser, &apps_url(&b), &fields).await;
    assert_eq!(response.status(), 200);
    let created = response.text().await.unwrap();
    assert!(created.contains("<h1>App registered</h1>"), "{created}");
    let (client_id, secret) = (
        shown(&created, "client_id"),
        shown(&created, "client_secret"),
    );
    assert!(created.contains("shown only this once"), "{created}");
    assert_eq!(
        token_status(&b, &client_id, &secret).await,
        200,
        "the secret works"
    );

    let app = stored(&b, &client_id);
    let uris: Vec<_> = app.redirect_uris.iter().map(|u| u.as_str()).collect();
    assert_eq!(
        uris,
        [
            "https://expenses.example/cb",
            "https://expenses.example/cb2"
        ]
    );
    assert_eq!(
        app.grant_types,
        [GrantType::AuthorizationCode, GrantType::ClientCredentials]
    );
    assert_eq!(
        app.permissions,
        [portico::domain::Permission::InvitationsInvite]
    );
    assert!(app.assignment_required);
    let event = audited(&b, AuditAction::AppCreated)
        .into_iter()
        .find(|e| e.target.as_deref() == Some(client_id.as_str()))
        .expect("app.created");
    assert_eq!(event.actor, actor(&b, admin));

    // Later pages say a secret exists, and never show it.
    let app_page = b
        .app
        .text(&browser, &format!("{}/{client_id}", apps_url(&b)))
        .await;
    assert!(
        app_page.contains("<h1>Expenses</h1>") && app_page.contains("Set."),
        "{app_page}"
    );
    let list = b.app.text(&browser, &apps_url(&b)).await;
    assert!(list.contains(&client_id), "{list}");
    assert_ne!(
        hidden(&list, "client_id"),
        form_id,
        "each form shows a new id"
    );

    // The same form again (the secret's page reloaded) registers nothing
    // more: it leads to the app, without its secret.
    assert_eq!(client_id, form_id);
    let again = post(&browser, &apps_url(&b), &fields).await;
    assert_eq!(again.status(), 303);
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.ends_with(&format!("/{client_id}?notice=app_registered_before")),
        "{location}"
    );
    assert_eq!(app_count(&b), before + 1);
    let found = b.app.text(&browser, &location).await;
    assert!(found.contains("registered the app already"), "{found}");
    for later in [&app_page, &list, &found] {
        assert!(!later.contains(&secret), "the secret is shown once only");
    }
}

#[tokio::test]
async fn forged_or_wrong_forms_change_nothing() {
    let b = b2b().await;
    let (browser, page) = signed_in(&b, b.administrator()).await;
    let before = app_count(&b);
    let forged = register(
        &browser,
        &b,
        "forged",
        ("Forged", "https://forged.example/cb"),
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(app_count(&b), before, "a forged form registers nothing");

    let csrf = hidden(&page, "csrf_token");
    let stale = post(
        &browser,
        &apps_url(&b),
        &[
            ("csrf_token", csrf.as_str()),
            ("client_id", "my-own-id"),
            ("name", "Chosen id"),
            ("redirect_uris", "https://chosen.example/cb"),
            ("grant", "authorization_code"),
        ],
    )
    .await;
    assert_eq!(stale.status(), 400);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("this form is out of date")
    );
    assert_eq!(app_count(&b), before, "no app chooses its own id here");

    let csrf = hidden(&page, "csrf_token");
    let refused = register(
        &browser,
        &b,
        csrf.as_str(),
        ("Fragment", "https://fragment.example/cb#top"),
    )
    .await;
    assert_eq!(refused.status(), 400);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("must not contain a fragment"), "{refused}");
    assert!(
        refused.contains("value=\"Fragment\""),
        "what was typed stays: {refused}"
    );
    assert_eq!(app_count(&b), before);

    let web = &b.web;
    let settings = format!("{}/{}/settings", apps_url(&b), web.client_id);
    let forged = post(
        &browser,
        &settings,
        &[("csrf_token", "forged"), ("require_mfa", "on")],
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert!(!stored(&b, &web.client_id).require_mfa);
}

#[tokio::test]
async fn rotating_a_secret_asks_first_then_shows_the_new_one_once() {
    let b = b2b().await;
    let admin = b.administrator();
    let app = service(&b);
    let old = app.secret.clone().unwrap();
    let (browser, _) = signed_in(&b, admin).await;
    let app_url = format!("{}/{}", apps_url(&b), app.client_id);
    let page = b.app.text(&browser, &app_url).await;
    assert!(page.contains("Rotate secret"), "{page}");
    let csrf = hidden(&page, "csrf_token");

    // Unconfirmed: a question, and nothing changed.
    let asked = post(
        &browser,
        &format!("{app_url}/secret"),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("Rotate the secret of Test App?"), "{asked}");
    assert!(asked.contains("name=\"confirm\" value=\"yes\""), "{asked}");
    assert_eq!(token_status(&b, &app.client_id, &old).await, 200);
    assert!(audited(&b, AuditAction::AppSecretRotated).is_empty());

    let rotated = post(
        &browser,
        &format!("{app_url}/secret"),
        &[("csrf_token", csrf.as_str()), ("confirm", "yes")],
    )
    .await;
    assert_eq!(rotated.status(), 200);
    let rotated = rotated.text().await.unwrap();
    assert!(rotated.contains("<h1>New client secret</h1>"), "{rotated}");
    let new = shown(&rotated, "client_secret");
    assert_eq!(
        token_status(&b, &app.client_id, &old).await,
        401,
        "old secret refused"
    );
    assert_eq!(
        token_status(&b, &app.client_id, &new).await,
        200,
        "new secret works"
    );
    let events = audited(&b, AuditAction::AppSecretRotated);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, actor(&b, admin));
    let again = b.app.text(&browser, &app_url).await;
    assert!(!again.contains(&new), "the new secret is not shown again");
}

#[tokio::test]
async fn settings_and_assignments_change_through_the_shared_functions_audited() {
    let b = b2b().await;
    let admin = b.administrator();
    let group = provision::create_group(&b.app.db, "contoso", "Finance").unwrap();
    let app = service(&b);
    let (browser, _) = signed_in(&b, admin).await;
    let app_url = format!("{}/{}", apps_url(&b), app.client_id);
    let csrf = hidden(&b.app.text(&browser, &app_url).await, "csrf_token");

    let saved = post(
        &browser,
        &format!("{app_url}/settings"),
        &[
            ("csrf_token", csrf.as_str()),
            ("require_mfa", "on"),
            ("assignment_required", "on"),
            ("home_url", "https://service.example/"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?notice=app_settings"), "{location}");
    let now = stored(&b, &app.client_id);
    assert!(now.require_mfa && now.assignment_required && !now.dpop_bound_access_tokens);
    let who = actor(&b, admin);
    for action in [
        AuditAction::AppRequireMfaUpdated,
        AuditAction::AppAssignmentRequired,
        AuditAction::AppHomeUrlUpdated,
    ] {
        let events = audited(&b, action);
        assert_eq!(events.len(), 1, "{action:?}");
        assert_eq!(events[0].actor, who);
    }
    assert!(
        audited(&b, AuditAction::AppDpopBoundUpdated).is_empty(),
        "only what changed is recorded"
    );
    let page = b.app.text(&browser, &location).await;
    assert!(
        page.contains("App settings saved.") && page.contains("https://service.example/"),
        "{page}"
    );

    // Assign a group, then take it away after confirming.
    let assigned = post(
        &browser,
        &format!("{app_url}/assignments"),
        &[
            ("csrf_token", csrf.as_str()),
            ("group_id", group.id.as_str()),
        ],
    )
    .await;
    assert_eq!(assigned.status(), 303);
    let page = b.app.text(&browser, &app_url).await;
    assert!(page.contains("<td>Finance</td>"), "{page}");
    let remove = format!("{app_url}/assignments/group/{}/remove", group.id);
    let asked = post(&browser, &remove, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(asked.status(), 200);
    assert!(
        asked
            .text()
            .await
            .unwrap()
            .contains("Remove this assignment from Test App?")
    );
    let tenant = b.contoso();
    let assignments = |b: &B2b| {
        let app_id = stored(b, &app.client_id).id;
        b.app
            .db
            .read_blocking(|c| store::apps::assignments::of_app(c, &tenant.id, &app_id))
            .unwrap()
            .len()
    };
    assert_eq!(assignments(&b), 1, "unconfirmed: still assigned");
    let removed = post(
        &browser,
        &remove,
        &[("csrf_token", csrf.as_str()), ("confirm", "yes")],
    )
    .await;
    assert_eq!(removed.status(), 303);
    assert_eq!(assignments(&b), 0);
    assert_eq!(audited(&b, AuditAction::AppUnassigned)[0].actor, who);
}

#[tokio::test]
async fn a_member_may_not_open_or_change_apps() {
    let b = b2b().await;
    let browser = b.app.browser();
    let overview = format!("{}/admin", b.app.issuer("contoso"));
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &overview,
        "megan@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("the overview expected")
    };
    assert!(
        !page.contains("/admin/apps"),
        "members are not offered the apps"
    );
    let csrf = hidden(&page, "csrf_token");
    let before = app_count(&b);
    for url in [
        apps_url(&b),
        format!("{}/{}", apps_url(&b), b.web.client_id),
    ] {
        let response = browser.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 403, "{url}");
    }
    let posted = register(
        &browser,
        &b,
        csrf.as_str(),
        ("Sneaky", "https://sneaky.example/cb"),
    )
    .await;
    assert_eq!(posted.status(), 403);
    let rotate = post(
        &browser,
        &format!("{}/{}/secret", apps_url(&b), b.web.client_id),
        &[("csrf_token", csrf.as_str()), ("confirm", "yes")],
    )
    .await;
    assert_eq!(rotate.status(), 403);
    assert_eq!(app_count(&b), before);
    assert!(audited(&b, AuditAction::AppSecretRotated).is_empty());
}
