//! My apps: apps linked to their home pages, the person's organizations
//! (their own only), and signing out through the logout endpoint with CSRF.

use portico::b2b::invitation::Target;
use portico::domain::HomeUrl;
use portico::store;

use super::sign_in_to_my_apps;
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, hidden, spawn_app};

#[tokio::test]
async fn app_names_link_to_their_home_pages() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "ann@contoso.example");
    let linked = app.web_app("contoso");
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let home = HomeUrl::parse("https://app.example/start?from=portico&x=<y>").unwrap();
    app.db
        .write_blocking(|c| {
            store::apps::set_home_url(c, &tenant.id, &linked.client_id, Some(&home))
        })
        .unwrap();
    let _unlinked = app.web_app("contoso");
    let page = sign_in_to_my_apps(&app, &app.browser(), "contoso", "ann@contoso.example").await;
    let link = "<a href=\"https://app.example/start?from=portico&#38;x=%3Cy%3E\" rel=\"noopener\">Test App</a>";
    assert!(page.contains(link), "{page}");
    assert_eq!(page.matches("Test App").count(), 2, "{page}");
    assert!(page.contains("<li>Test App</li>"), "{page}");
}

#[tokio::test]
async fn a_guest_sees_their_home_and_their_home_sees_where_they_are_a_guest() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    let (browser, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");

    let at_contoso = b.app.text(&browser, "/t/contoso/myapps").await;
    assert!(at_contoso.contains("(guest)"), "{at_contoso}");
    let home = "Your own organization: <a href=\"/t/proseware/myapps\">Proseware Ltd</a>";
    assert!(at_contoso.contains(home), "{at_contoso}");

    let at_home = b.app.text(&browser, "/t/proseware/myapps").await;
    let guest_of = "Guest at <a href=\"/t/contoso/myapps\">Contoso Ltd</a>";
    assert!(at_home.contains(guest_of), "{at_home}");
    assert!(
        at_home.contains("Member of Proseware Ltd (here)"),
        "{at_home}"
    );

    // Another member of the same home, and a member of the resource tenant,
    // see none of Giovanna's guest accounts.
    let other = b.app.browser();
    let page = sign_in_to_my_apps(&b.app, &other, "proseware", "other@proseware.example").await;
    assert!(!page.contains("Contoso"), "{page}");
    let megan = b.app.browser();
    let page = sign_in_to_my_apps(&b.app, &megan, "contoso", "megan@contoso.example").await;
    assert!(!page.contains("Guest at"), "{page}");
    assert!(!page.contains("Proseware"), "{page}");
}

#[tokio::test]
async fn a_blocked_guest_account_is_not_listed_at_home() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    let (browser, _) = b.redeem(&link, GUEST).await;
    super::block_guest(&b);
    let at_home = b.app.text(&browser, "/t/proseware/myapps").await;
    assert!(at_home.contains("Member of Proseware Ltd"), "{at_home}");
    assert!(!at_home.contains("Contoso"), "{at_home}");
}

#[tokio::test]
async fn signing_out_from_my_apps_takes_the_forms_csrf_token() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "ann@contoso.example");
    let browser = app.browser();
    let page = sign_in_to_my_apps(&app, &browser, "contoso", "ann@contoso.example").await;
    assert!(page.contains("action=\"/t/contoso/logout\""), "{page}");
    let token = hidden(&page, "csrf_token");
    let logout = app.absolute("/t/contoso/logout");
    let my_apps = app.absolute("/t/contoso/myapps");

    for forged in [
        vec![("confirm", "yes")],
        vec![("confirm", "yes"), ("csrf_token", "forged")],
    ] {
        let response = browser.post(&logout).form(&forged).send().await.unwrap();
        let page = response.text().await.unwrap();
        assert!(page.contains("Sign out?"), "asks to confirm: {page}");
        let still = browser.get(&my_apps).send().await.unwrap();
        assert_eq!(still.status(), 200, "still signed in after {forged:?}");
    }

    let form = [("confirm", "yes"), ("csrf_token", token.as_str())];
    let response = browser.post(&logout).form(&form).send().await.unwrap();
    let page = response.text().await.unwrap();
    assert!(page.contains("You are signed out"), "{page}");
    assert!(page.contains("href=\"./\""), "{page}");
    let gone = browser.get(&my_apps).send().await.unwrap();
    assert_eq!(gone.status(), 401);
}
