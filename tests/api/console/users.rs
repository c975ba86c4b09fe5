//! The console's users: one list of members and guests with search,
//! filters and pages; a user's page; creating a member; the buttons, each
//! destructive one only after a confirmation; administrators only.

use portico::b2b::invitation::Target;
use portico::domain::{AuditAction, Role};
use portico::store::{self, audit::AuditEvent, users::User};

use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, drive, hidden};

pub(super) fn console(b: &B2b) -> String {
    format!("{}/admin", b.app.issuer("contoso"))
}

/// The administrator's browser, signed in to the console, and the page at
/// `path` under it (signing in returns to that page).
pub(super) async fn admin_on(b: &B2b, path: &str) -> (reqwest::Client, String) {
    let admin = b.administrator();
    let browser = b.app.browser();
    let url = format!("{}{path}", console(b));
    let Landing::Page(200, _) = drive(&b.app, &browser, &url, admin, PASSWORD).await else {
        panic!("the console expected at {url}")
    };
    let page = b.app.text(&browser, &url).await;
    (browser, page)
}

pub(super) fn user(b: &B2b, email: &str) -> Option<User> {
    let tenant = b.contoso();
    let email = email.to_owned();
    b.app
        .db
        .read_blocking(move |c| store::users::find_by_email(c, &tenant.id, &email))
        .unwrap()
}

pub(super) fn events(b: &B2b, action: AuditAction) -> Vec<AuditEvent> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(move |c| store::audit::list(c, &tenant.id, 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

pub(super) fn actor_of(b: &B2b, email: &str) -> String {
    format!("user:{}", user(b, email).expect("user exists").id)
}

pub(super) fn live_sessions(b: &B2b, id: &str) -> usize {
    let (tenant, id) = (b.contoso(), id.to_owned());
    b.app
        .db
        .read_blocking(move |c| store::users::live_sessions(c, &tenant.id, &id, 100))
        .unwrap()
        .len()
}

/// The list's rows: the emails linked to a user's page.
pub(super) fn listed(page: &str) -> Vec<String> {
    page.split("/admin/users/")
        .skip(1)
        .filter_map(|rest| rest.split_once("\">")?.1.split_once("</a>"))
        .map(|(email, _)| email.to_owned())
        .collect()
}

pub(super) async fn post(
    browser: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = browser.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

#[tokio::test]
async fn the_list_finds_members_and_guests_by_search_type_state_and_home() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    b.invite("kim@freemail.example", Target::Tenant);
    let (browser, page) = admin_on(&b, "/users").await;
    let mut all = listed(&page);
    all.sort();
    assert_eq!(
        all,
        [
            GUEST,
            "kim@freemail.example",
            "megan@contoso.example",
            "owner@contoso.example"
        ],
        "members and guests in one list"
    );
    let proseware = b.app.issuer("proseware");
    assert!(
        page.contains(&format!("<option value=\"{proseware}\"")),
        "{page}"
    );
    let cases: [(&str, &[&str]); 8] = [
        ("type=guest", &[GUEST, "kim@freemail.example"]),
        (
            "type=member",
            &["megan@contoso.example", "owner@contoso.example"],
        ),
        ("state=pending", &["kim@freemail.example"]),
        ("state=active&type=guest", &[GUEST]),
        ("home=password&q=meg", &["megan@contoso.example"]),
        (&format!("home={proseware}"), &[GUEST]),
        ("q=OLGA", &["owner@contoso.example"]),
        ("q=%25", &[]),
    ];
    for (query, expected) in cases {
        let url = format!("{}/users?{}", console(&b), query.replace(':', "%3A"));
        let page = b.app.text(&browser, &url).await;
        let mut rows = listed(&page);
        rows.sort();
        assert_eq!(rows, expected, "{query}");
    }
    let kim = user(&b, "kim@freemail.example").unwrap();
    let page = b
        .app
        .text(&browser, &format!("{}/users?state=pending", console(&b)))
        .await;
    assert!(
        page.contains("Pending acceptance") && page.contains(&kim.id),
        "{page}"
    );

    let bad = browser
        .get(format!("{}/users?state=pending_acceptance", console(&b)))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("is not a state a user can be in")
    );
}

#[tokio::test]
async fn the_list_comes_a_page_of_fifty_at_a_time() {
    let b = b2b().await;
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| {
            for n in 0..55 {
                let email = format!("p{n:02}@contoso.example");
                let new = store::users::NewMember {
                    email: &email,
                    display_name: "Paged",
                    password_hash: "not a hash",
                };
                store::users::create_member(c, &tenant.id, new)?;
            }
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    let (browser, page) = admin_on(&b, "/users?q=paged").await;
    let first = listed(&page);
    assert_eq!(first.len(), 50);
    assert_eq!(first.last().unwrap(), "p49@contoso.example");
    let next = "/admin/users?q=paged&#38;page=2\" rel=\"next\"";
    assert!(
        page.contains(next) && !page.contains("rel=\"prev\""),
        "{page}"
    );
    let page = b
        .app
        .text(&browser, &format!("{}/users?q=paged&page=2", console(&b)))
        .await;
    assert_eq!(listed(&page).len(), 5);
    let previous = "/admin/users?q=paged&#38;page=1\" rel=\"prev\"";
    assert!(
        page.contains(previous) && !page.contains("rel=\"next\""),
        "{page}"
    );
    let bad = browser
        .get(format!("{}/users?page=zero", console(&b)))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

fn member_form(csrf: &str) -> [(&'static str, &str); 5] {
    [
        ("csrf_token", csrf),
        ("email", "Nora@Contoso.example"),
        ("name", "Nora New"),
        ("password", PASSWORD),
        ("admin", "yes"),
    ]
}

#[tokio::test]
async fn an_administrator_creates_a_member_audited_as_themselves() {
    let b = b2b().await;
    let (browser, page) = admin_on(&b, "/users").await;
    let csrf = hidden(&page, "csrf_token");
    let url = format!("{}/users", console(&b));
    let forged = post(&browser, url.clone(), &member_form("forged")).await;
    assert_eq!(forged.0, 403);
    assert!(
        user(&b, "nora@contoso.example").is_none(),
        "a forged form changes nothing"
    );

    let (status, location, _) = post(&browser, url.clone(), &member_form(&csrf)).await;
    assert_eq!(status, 303);
    let nora = user(&b, "nora@contoso.example").expect("created");
    assert!(location.ends_with(&format!("/admin/users/{}?notice=user_created", nora.id)));
    let tenant = b.contoso();
    let roles = b
        .app
        .db
        .read_blocking(|c| store::users::roles(c, &tenant.id, &nora.id))
        .unwrap();
    assert_eq!(roles, [Role::Admin]);
    let created = events(&b, AuditAction::UserCreated);
    let by_console: Vec<_> = created
        .iter()
        .filter(|e| e.target.as_deref() == Some("nora@contoso.example"))
        .collect();
    assert_eq!(by_console.len(), 1);
    assert_eq!(by_console[0].actor, actor_of(&b, b.administrator()));

    let (status, _, again) = post(&browser, url.clone(), &member_form(&csrf)).await;
    assert_eq!(status, 400);
    assert!(
        again.contains("already exists") && again.contains("Nora New"),
        "{again}"
    );
    let mut short = member_form(&csrf);
    short[1].1 = "short@contoso.example";
    short[3].1 = "short";
    let (status, _, refused) = post(&browser, url, &short).await;
    assert!(
        status == 400 && refused.contains("at least 8 characters"),
        "{refused}"
    );

    // The new member signs in to the console with that password.
    let theirs = b.app.browser();
    let landing = drive(
        &b.app,
        &theirs,
        &console(&b),
        "nora@contoso.example",
        PASSWORD,
    )
    .await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
}

#[tokio::test]
async fn signing_in_returns_to_the_console_page_that_was_asked_for() {
    let b = b2b().await;
    let admin = b.administrator();
    b.invite(GUEST, Target::Tenant);
    let guest = user(&b, GUEST).expect("the invited guest");
    let browser = b.app.browser();
    let url = format!("{}/users/{}", console(&b), guest.id);
    let Landing::Page(200, page) = drive(&b.app, &browser, &url, admin, PASSWORD).await else {
        panic!("the user's page expected")
    };
    assert!(page.contains(&format!("<h1>{GUEST}</h1>")), "{page}");

    // Only a page of the console comes back: a state naming anything else
    // lands on the overview.
    let signed_in = format!("{}/admin/signed-in", b.app.issuer("contoso"));
    for (state, to) in [
        ("x.groups", "/t/contoso/admin/groups"),
        ("x.users/abc", "/t/contoso/admin/users/abc"),
        ("x.users/..%2F..%2Fjwks", "/t/contoso/admin"),
        ("x.%2F%2Fevil.example", "/t/contoso/admin"),
        ("x.nowhere", "/t/contoso/admin"),
    ] {
        let response = browser
            .get(format!("{signed_in}?state={state}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{state}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.ends_with(to), "{state}: {location}");
        assert!(
            location.starts_with('/') || location.starts_with(&b.app.base),
            "{location}"
        );
    }
}
