//! The console in a real browser (headless Chromium): an administrator
//! filters the audit log; a member sees only what members may do.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use super::audit::seed;
use crate::browser::{ChromeDriver, chromedriver, connect, wait_at, wait_for, wait_for_heading};
use crate::helpers::PASSWORD;
use crate::helpers::b2b::{B2b, GUEST, b2b};
use portico::b2b::invitation::Target;
use portico::domain::AuditAction;

/// Opens `url` (a console page) and signs in there as `email`; the browser
/// comes back to the page.
async fn sign_in_at(browser: &Client, url: &str, email: &str) {
    browser.goto(url).await.expect("open the console");
    let field = wait_for(browser, "#email", "the sign-in page").await;
    field.send_keys(email).await.unwrap();
    click(browser, "button[type=submit]").await;
    let password = wait_for(browser, "#password", "the password step").await;
    password.send_keys(PASSWORD).await.unwrap();
    click(browser, "button[type=submit]").await;
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The texts of every element `css` finds.
async fn texts(browser: &Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in browser.find_all(Locator::Css(css)).await.unwrap() {
        texts.push(element.text().await.unwrap());
    }
    texts
}

/// Waits (at most 10 s) until the address's query contains `part`.
async fn wait_for_query(browser: &Client, part: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = browser.current_url().await.unwrap();
        if url.query().is_some_and(|q| q.contains(part)) {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}, no {part}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn console(b: &B2b, path: &str) -> String {
    format!("{}/admin{path}", b.app.issuer("contoso"))
}

#[tokio::test]
async fn an_administrator_filters_the_audit_log() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    b.invite(GUEST, Target::Tenant);
    seed(
        &b,
        "2026-11-01 10:00:00",
        "cli",
        AuditAction::UserBlocked,
        "ann@fabrikam.example",
        "blocked from the CLI",
    );
    seed(
        &b,
        "2026-11-01 11:00:00",
        "cli",
        AuditAction::UserUnblocked,
        "ann@fabrikam.example",
        "unblocked",
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    sign_in_at(&browser, &console(&b, "/audit"), b.administrator()).await;
    wait_at(
        &browser,
        "/t/contoso/admin/audit",
        "table.audit",
        "the audit log",
    )
    .await;
    wait_for_heading(&browser, "Audit log").await;
    let everything = texts(&browser, "table.audit td:nth-child(2)").await;
    assert!(
        everything.contains(&"Invitation sent".to_owned()),
        "{everything:?}"
    );

    // What happened, from a list in words; who, typed.
    let action = wait_for(&browser, "#action", "the action filter").await;
    action.select_by_value("user.blocked").await.unwrap();
    wait_for(&browser, "#actor", "the actor filter")
        .await
        .send_keys("CLI")
        .await
        .unwrap();
    click(&browser, "form.filters button[type=submit]").await;
    wait_for_query(&browser, "action=user.blocked").await;
    wait_for_heading(&browser, "Audit log").await;
    assert_eq!(
        texts(&browser, "table.audit td:nth-child(2)").await,
        ["User blocked"]
    );
    assert_eq!(
        texts(&browser, "table.audit td:nth-child(5)").await,
        ["blocked from the CLI"]
    );
    // The filters stay as chosen.
    let chosen = texts(&browser, "#action option:checked").await;
    assert_eq!(chosen, ["User blocked"]);
    let typed = wait_for(&browser, "#actor", "the actor filter").await;
    assert_eq!(typed.prop("value").await.unwrap().as_deref(), Some("CLI"));

    // Clearing shows everything again.
    click(&browser, "form.filters a.button").await;
    wait_for_heading(&browser, "Audit log").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while texts(&browser, "table.audit td:nth-child(2)").await.len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the cleared log never showed every event"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}

#[tokio::test]
async fn a_member_sees_only_what_members_may_do() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    b.invite(GUEST, Target::Tenant);
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    sign_in_at(&browser, &console(&b, ""), "megan@contoso.example").await;
    wait_at(&browser, "/t/contoso/admin", "nav.console", "the console").await;
    wait_for_heading(&browser, "Contoso Ltd").await;
    assert_eq!(
        texts(&browser, "nav.console a").await,
        ["Overview", "Invitations"]
    );
    let tiles = texts(&browser, "ul.tiles li").await;
    let words: Vec<Vec<&str>> = tiles
        .iter()
        .map(|t| t.split_whitespace().collect())
        .collect();
    assert!(words.contains(&vec!["1", "pending"]), "{tiles:?}");

    // An administrators' section is a "No access" page with the way back.
    browser.goto(&console(&b, "/users")).await.unwrap();
    wait_for_heading(&browser, "No access").await;
    let back = wait_for(&browser, "nav.ways a", "the way back").await;
    assert_eq!(back.text().await.unwrap(), "Go to the console's overview");
    back.click().await.unwrap();
    wait_for_heading(&browser, "Contoso Ltd").await;

    // Their invitations, with what they may do to them.
    click(&browser, "nav.console a[href$='/admin/invitations']").await;
    wait_for_heading(&browser, "Invitations").await;
    assert_eq!(
        texts(&browser, "table.invitations td:first-child").await,
        [GUEST]
    );

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
