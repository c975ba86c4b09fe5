//! The console's Identity providers section: guest identity providers added,
//! edited and deleted (after confirming) through the shared path, audited
//! as the console user; the connection test against a real local issuer
//! and a refused address; federation set, tested and removed; members and
//! forged forms change nothing. Helpers here serve the other settings
//! pages' tests too.

use portico::b2b::providers::{self, ProviderSpec};
use portico::domain::{AuthMode, IdpRole};
use portico::store;
use portico::store::idps::IdentityProvider;

use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::{Landing, PASSWORD, drive, hidden};

pub(super) const MEMBER: &str = "megan@contoso.example";

/// A console address of Contoso (`path` after `/admin`).
pub(super) fn console(b: &B2b, path: &str) -> String {
    format!("{}/admin{path}", b.app.issuer("contoso"))
}

/// A browser signed in to Contoso's console as `email`, and the page at
/// `path` it landed on.
pub(super) async fn open_as(b: &B2b, email: &str, path: &str) -> (reqwest::Client, String) {
    let browser = b.app.browser();
    match drive(&b.app, &browser, &console(b, path), email, PASSWORD).await {
        Landing::Page(200, page) => (browser, page),
        other => panic!("console page expected at {path}, got {other:?}"),
    }
}

/// Posts a form; the status, body and where it leads.
pub(super) async fn post<F: serde::Serialize + ?Sized>(
    browser: &reqwest::Client,
    url: &str,
    form: &F,
) -> (u16, String, Option<String>) {
    let response = browser.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), location)
}

/// `user:{id}` of a Contoso user: the actor of what they do.
pub(super) fn actor(b: &B2b, email: &str) -> String {
    format!("user:{}", b.guest(email).id)
}

/// Contoso's audit trail, latest first: (actor, action).
pub(super) fn audit(b: &B2b) -> Vec<(String, String)> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 50))
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action.as_str().to_owned()))
        .collect()
}

fn guest_providers(b: &B2b) -> Vec<IdentityProvider> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::idps::list(c, &tenant.id))
        .unwrap()
        .into_iter()
        .filter(|i| i.role == IdpRole::Guests)
        .collect()
}

/// Makes Proseware (on this server) Contoso's upstream through the
/// console's form; where the form leads.
pub(super) async fn set_upstream(
    b: &B2b,
    browser: &reqwest::Client,
    csrf: &str,
    secret: Option<&str>,
) -> String {
    let upstream = b.app.issuer("proseware");
    let mut form = vec![
        ("csrf_token", csrf),
        ("display_name", "Corporate sign-in"),
        ("issuer", upstream.as_str()),
        ("client_id", "contoso-members"),
        ("scopes", "email profile"),
        ("understood", "yes"),
    ];
    form.extend(secret.map(|s| ("client_secret", s)));
    let (status, body, location) = post(browser, &console(b, "/federation"), &form).await;
    assert_eq!(status, 303, "{body}");
    location.expect("back to the federation page")
}

/// Adds a guest provider straight through the domain function (no checks
/// of the issuer: a provider stored before the policy changed).
pub(super) fn stored_provider(b: &B2b, name: &str, issuer: &str, domain: &str) -> String {
    let tenant = b.contoso();
    let spec = ProviderSpec {
        display_name: name.into(),
        issuer: issuer.into(),
        client_id: "contoso".into(),
        client_secret: None,
        scopes: vec!["email".into()],
        domains: vec![domain.into()],
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa: false,
    };
    b.app
        .db
        .write_blocking(|c| {
            providers::add_guest_provider(c, &b.app.sealer, &tenant.id, spec, "test")
        })
        .unwrap()
        .id
}

#[tokio::test]
async fn an_administrator_adds_edits_and_deletes_a_guest_identity_provider() {
    let b = b2b().await;
    let admin = b.administrator();
    let (browser, page) = open_as(&b, admin, "/identity-providers").await;
    assert!(page.contains("No guest identity providers yet."), "{page}");
    let csrf = hidden(&page, "csrf_token");
    let issuer = b.app.issuer("proseware");
    let add = |issuer: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("display_name", "Fabrikam sign-in".to_owned()),
            ("issuer", issuer.to_owned()),
            ("client_id", "contoso-at-fabrikam".to_owned()),
            ("client_secret", "s3cret-value".to_owned()),
            ("scopes", "email profile".to_owned()),
            ("domains", "fabrikam.example".to_owned()),
            ("trust_mfa", "on".to_owned()),
        ]
    };

    // A metadata address is refused with the reason; nothing is added.
    let refused = add("http://169.254.169.254/");
    let (status, body, _) = post(&browser, &console(&b, "/identity-providers"), &refused).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("Identity provider not added") && body.contains("metadata"),
        "{body}"
    );
    assert!(
        body.contains("value=\"Fabrikam sign-in\""),
        "the form keeps what was typed"
    );
    assert!(!body.contains("s3cret-value"), "but never the secret");
    assert!(guest_providers(&b).is_empty());

    let form = add(&issuer);
    let (status, _, location) = post(&browser, &console(&b, "/identity-providers"), &form).await;
    assert_eq!(status, 303);
    let page = b.app.text(&browser, &location.unwrap()).await;
    assert!(page.contains("Identity provider added."), "{page}");
    assert!(
        page.contains("Fabrikam sign-in") && page.contains("fabrikam.example"),
        "{page}"
    );
    assert!(page.contains("Counts here"), "MFA trust is shown: {page}");
    let idp = guest_providers(&b).pop().expect("added");
    assert!(idp.client_secret_sealed.is_some() && idp.trust_mfa);
    let by_admin = actor(&b, admin);
    assert!(audit(&b).contains(&(by_admin.clone(), "idp.added".into())));

    // Edit: a new name and domain; the secret is kept when left empty.
    let edit_url = console(&b, &format!("/identity-providers/{}", idp.id));
    let page = b.app.text(&browser, &edit_url).await;
    assert!(
        page.contains("A secret is stored") && page.contains(&issuer),
        "{page}"
    );
    let (status, _, _) = post(
        &browser,
        &edit_url,
        &[
            ("csrf_token", csrf.as_str()),
            ("display_name", "Fabrikam"),
            ("client_id", "contoso-at-fabrikam"),
            ("scopes", "email"),
            ("domains", "fabrikam.example, fabrikam.test"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let edited = guest_providers(&b).pop().unwrap();
    assert_eq!(edited.display_name, "Fabrikam");
    assert_eq!(edited.domains, "fabrikam.example fabrikam.test");
    assert_eq!(edited.client_secret_sealed, idp.client_secret_sealed);
    assert!(!edited.trust_mfa, "an unchecked box turns MFA trust off");
    assert!(audit(&b).contains(&(by_admin.clone(), "idp.updated".into())));

    // Delete: first a confirmation that changes nothing, then done.
    let delete_url = console(&b, &format!("/identity-providers/{}/delete", idp.id));
    let (status, page, _) = post(&browser, &delete_url, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Delete the identity provider Fabrikam?"),
        "{page}"
    );
    assert!(page.contains("name=\"confirm\" value=\"yes\""), "{page}");
    assert_eq!(guest_providers(&b).len(), 1, "unconfirmed: nothing deleted");
    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let (status, _, _) = post(&browser, &delete_url, &confirmed).await;
    assert_eq!(status, 303);
    assert!(guest_providers(&b).is_empty());
    assert!(audit(&b).contains(&(by_admin, "idp.removed".into())));
}

#[tokio::test]
async fn testing_the_connection_shows_what_a_local_issuer_publishes_or_why_not() {
    let b = b2b().await;
    let proseware = b.app.issuer("proseware");
    let good = stored_provider(&b, "Proseware", &proseware, "proseware.test");
    // The issuer must match character for character (OIDC Discovery §4.3).
    let slash = stored_provider(&b, "Slash", &format!("{proseware}/"), "slash.test");
    // Nothing listens on the discard port.
    let closed = stored_provider(&b, "Closed", "http://127.0.0.1:9/t/x", "closed.test");
    let (browser, page) = open_as(&b, b.administrator(), "/identity-providers").await;
    let csrf = hidden(&page, "csrf_token");
    let test = |id: &str| console(&b, &format!("/identity-providers/{id}/test"));

    let (status, page, _) = post(&browser, &test(&good), &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The provider answered."), "{page}");
    for endpoint in ["/authorize", "/token", "/jwks", "/userinfo"] {
        assert!(
            page.contains(&format!("<code>{proseware}{endpoint}</code>")),
            "{endpoint}: {page}"
        );
    }
    assert!(page.contains("RS256"), "signing algorithms: {page}");

    let (status, page, _) = post(&browser, &test(&slash), &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("The test failed.") && page.contains("naming exactly this issuer"),
        "{page}"
    );

    let (status, page, _) = post(&browser, &test(&closed), &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(page.contains("could not be reached"), "{page}");
}

#[tokio::test]
async fn testing_the_connection_to_a_refused_address_says_why_without_connecting() {
    let b = b2b().await;
    // 0.0.0.0 reaches this machine when connected to, so a broken guard
    // would show here (the call would land on the test server) rather than
    // leave the machine.
    let port = b.app.base.rsplit(':').next().unwrap();
    let issuer = format!("http://0.0.0.0:{port}/t/proseware");
    let id = stored_provider(&b, "Unspecified", &issuer, "zero.test");
    let (browser, page) = open_as(&b, b.administrator(), "/identity-providers").await;
    let csrf = hidden(&page, "csrf_token");
    let url = console(&b, &format!("/identity-providers/{id}/test"));
    let (status, page, _) = post(&browser, &url, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Not called:") && page.contains("outbound policy"),
        "{page}"
    );
    assert!(
        page.contains("an unspecified address"),
        "the reason names the address class: {page}"
    );
    assert!(!page.contains("The provider answered."), "{page}");
}

#[tokio::test]
async fn federation_is_set_tested_and_removed_through_the_console() {
    let b = b2b().await;
    let admin = b.administrator();
    // Signing in lands on the section; federation is a page of it.
    let (browser, page) = open_as(&b, admin, "/identity-providers").await;
    assert!(
        page.contains("/admin/federation\">Federation</a>"),
        "{page}"
    );
    let page = b.app.text(&browser, &console(&b, "/federation")).await;
    assert!(page.contains("None: members sign in here"), "{page}");
    assert!(page.contains("name=\"understood\""), "{page}");
    let csrf = hidden(&page, "csrf_token");
    let upstream = b.app.issuer("proseware");
    // The first upstream needs the tick that says every member moves there.
    let unticked = [
        ("csrf_token", csrf.as_str()),
        ("display_name", "Corporate sign-in"),
        ("issuer", upstream.as_str()),
        ("client_id", "contoso-members"),
    ];
    let (status, page, _) = post(&browser, &console(&b, "/federation"), &unticked).await;
    assert_eq!(status, 400);
    assert!(page.contains("Upstream not saved: tick the box"), "{page}");
    assert!(
        page.contains("value=\"contoso-members\""),
        "what was typed stays"
    );
    assert_eq!(b.contoso().auth_mode, AuthMode::Local, "nothing saved");
    let location = set_upstream(&b, &browser, &csrf, Some("upstream-secret")).await;
    assert_eq!(b.contoso().auth_mode, AuthMode::Federated);
    let by_admin = actor(&b, admin);
    assert!(audit(&b).contains(&(by_admin.clone(), "tenant.federated".into())));
    let page = b.app.text(&browser, &location).await;
    assert!(
        page.contains("Upstream saved") && page.contains("Stored (never shown)"),
        "{page}"
    );

    let test = console(&b, "/federation/test");
    let (status, page, _) = post(&browser, &test, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("The provider answered.")
            && page.contains(&format!("<code>{upstream}/jwks</code>")),
        "{page}"
    );

    // Saving again without a secret keeps the stored one.
    let tenant = b.contoso();
    let sealed = |b: &B2b| {
        b.app
            .db
            .read_blocking(|c| store::idps::upstream(c, &tenant.id))
            .unwrap()
            .map(|u| (u.display_name, u.client_secret_sealed.is_some()))
    };
    let (status, _, _) = post(
        &browser,
        &console(&b, "/federation"),
        &[
            ("csrf_token", csrf.as_str()),
            ("display_name", "Corporate"),
            ("issuer", upstream.as_str()),
            ("client_id", "contoso-members"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(sealed(&b), Some(("Corporate".into(), true)));

    let remove = console(&b, "/federation/remove");
    let (status, page, _) = post(&browser, &remove, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Stop signing members in at Corporate?"),
        "{page}"
    );
    assert_eq!(b.contoso().auth_mode, AuthMode::Federated, "unconfirmed");
    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let (status, _, _) = post(&browser, &remove, &confirmed).await;
    assert_eq!(status, 303);
    assert_eq!(b.contoso().auth_mode, AuthMode::Local);
    assert_eq!(sealed(&b), None);
    assert!(audit(&b).contains(&(by_admin, "tenant.local".into())));
}

#[tokio::test]
async fn members_and_forged_forms_change_no_identity_provider() {
    let b = b2b().await;
    let id = stored_provider(
        &b,
        "Fabrikam",
        "https://login.fabrikam.example",
        "fabrikam.example",
    );
    let before = guest_providers(&b).len();
    let (member, page) = open_as(&b, MEMBER, "").await;
    let member_csrf = hidden(&page, "csrf_token");
    for path in ["/identity-providers", "/federation"] {
        let response = member.get(console(&b, path)).send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    let edit = format!("/identity-providers/{id}");
    let response = member.get(console(&b, &edit)).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let posts = [
        "/identity-providers".to_owned(),
        edit.clone(),
        format!("{edit}/delete"),
        format!("{edit}/test"),
        "/federation".to_owned(),
        "/federation/remove".to_owned(),
        "/federation/test".to_owned(),
    ];
    let form = |csrf: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("confirm", "yes".to_owned()),
            ("display_name", "Evil".to_owned()),
            ("issuer", b.app.issuer("proseware")),
            ("client_id", "evil".to_owned()),
            ("domains", "evil.example".to_owned()),
        ]
    };
    let (admin, _) = open_as(&b, b.administrator(), "/identity-providers").await;
    for path in &posts {
        let response = member
            .post(console(&b, path))
            .form(&form(&member_csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "member: {path}");
        let response = admin
            .post(console(&b, path))
            .form(&form("forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "forged: {path}");
    }
    let after = guest_providers(&b);
    assert_eq!(after.len(), before);
    assert_eq!(after[0].display_name, "Fabrikam");
    assert_eq!(b.contoso().auth_mode, AuthMode::Local);
}
