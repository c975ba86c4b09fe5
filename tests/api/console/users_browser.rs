//! Users and groups in a real browser (headless Chromium): an administrator
//! blocks a guest after confirming, and creates a group and invites a guest
//! into it.

use fantoccini::{Client, Locator};
use portico::b2b::invitation::Target;
use portico::domain::UserStatus;
use portico::store;

use super::users::user;
use crate::browser::{ChromeDriver, chromedriver, connect, wait_at, wait_for, wait_for_heading};
use crate::helpers::PASSWORD;
use crate::helpers::b2b::{B2b, GUEST, b2b};

/// Opens `path` of Contoso's console and signs in as its administrator.
async fn sign_in(browser: &Client, b: &B2b, path: &str) {
    let admin = b.administrator();
    let url = format!("{}/admin{path}", b.app.issuer("contoso"));
    browser.goto(&url).await.expect("open the console");
    let email = wait_for(browser, "#email", "the sign-in page").await;
    email.send_keys(admin).await.unwrap();
    click(browser, "button[type=submit]").await;
    let password = wait_for(browser, "#password", "the password page").await;
    password.send_keys(PASSWORD).await.unwrap();
    click(browser, "button[type=submit]").await;
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_administrator_blocks_a_guest_after_confirming() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let guest = user(&b, GUEST).unwrap();

    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;
    sign_in(&browser, &b, "/users?type=guest").await;
    wait_for_heading(&browser, "Users").await;

    let row = format!("a[href$=\"/admin/users/{}\"]", guest.id);
    wait_for(&browser, &row, "the guest's row")
        .await
        .click()
        .await
        .unwrap();
    wait_for_heading(&browser, GUEST).await;
    click(&browser, "form[action$=\"/block\"] button").await;

    // The confirmation page: nothing is blocked yet.
    wait_for_heading(&browser, &format!("Block {GUEST}?")).await;
    let page = browser.source().await.unwrap();
    assert!(page.contains("ends their sessions at once"), "{page}");
    assert_eq!(user(&b, GUEST).unwrap().status, UserStatus::Active);
    click(&browser, "button.danger").await;

    // Back on the guest's page, which says so.
    let notice = wait_at(
        &browser,
        &format!("/t/contoso/admin/users/{}", guest.id),
        "p.notice",
        "the guest's page after blocking",
    )
    .await;
    assert!(notice.text().await.unwrap().starts_with("User blocked"));
    let page = browser.source().await.unwrap();
    assert!(
        page.contains("<dd>Blocked</dd>") && page.contains(">Unblock<"),
        "{page}"
    );
    assert_eq!(user(&b, GUEST).unwrap().status, UserStatus::Blocked);

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}

#[tokio::test]
async fn an_administrator_creates_a_group_and_invites_a_guest_into_it() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;
    sign_in(&browser, &b, "/groups").await;
    wait_for_heading(&browser, "Groups").await;

    let name = wait_for(&browser, "#name", "the new group's name").await;
    name.send_keys("Launch team").await.unwrap();
    click(
        &browser,
        "form[action$=\"/admin/groups\"] button[type=submit]",
    )
    .await;
    wait_for_heading(&browser, "Launch team").await;
    click(&browser, "a[href$=\"/admin/invitations\"]").await;

    let email = wait_at(
        &browser,
        "/t/contoso/admin/invitations",
        "#email",
        "the invitations page",
    )
    .await;
    email.send_keys(GUEST).await.unwrap();
    wait_for(&browser, "#target", "the invitation's target")
        .await
        .select_by_value("group:Launch team")
        .await
        .expect("the group is offered as a target");
    click(
        &browser,
        "form[action$=\"/admin/invite\"] button[type=submit]",
    )
    .await;
    let notice = wait_for(&browser, "p.notice", "the invitation's notice").await;
    assert!(notice.text().await.unwrap().contains("Invitation sent"));
    browser.close().await.expect("close the WebDriver session");
    drop(driver);

    // Once the guest accepts, they are in the group.
    let mail = b.mail.wait_for(GUEST, 0).await;
    let link = crate::smtp::link(&mail, "/invite/");
    b.redeem(&link, GUEST).await;
    let tenant = b.contoso();
    let guest = user(&b, GUEST).unwrap();
    let groups = b
        .app
        .db
        .read_blocking(|c| store::groups::named_groups_of(c, &tenant.id, &guest.id))
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "Launch team");
}
