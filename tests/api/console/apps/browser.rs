//! The console's apps section in a real browser (headless Chromium):
//! an administrator registers an app, sees its secret once, and finds it
//! absent from the app's page afterwards.

use fantoccini::Locator;

use super::{apps_url, stored};
use crate::browser::{ChromeDriver, chromedriver, connect, wait_at, wait_for, wait_for_heading};
use crate::helpers::PASSWORD;
use crate::helpers::b2b::b2b;

/// Clicks the first element `css` selects.
async fn click(browser: &fantoccini::Client, css: &str) {
    let element = browser.find(fantoccini::Locator::Css(css)).await.unwrap();
    element.click().await.unwrap();
}

#[tokio::test]
async fn an_administrator_registers_an_app_and_sees_its_secret_once_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    let admin = b.administrator();
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    // Signing in on the way to the apps section lands on it.
    browser.goto(&apps_url(&b)).await.expect("open the console");
    let email = wait_for(&browser, "#email", "the email page").await;
    email.send_keys(admin).await.unwrap();
    click(&browser, "button[type=submit]").await;
    let password = wait_for(&browser, "#password", "the password page").await;
    password.send_keys(PASSWORD).await.unwrap();
    click(&browser, "button[type=submit]").await;
    let name = wait_at(
        &browser,
        "/t/contoso/admin/apps",
        "#name",
        "the register form",
    )
    .await;
    wait_for_heading(&browser, "Apps").await;

    name.send_keys("Travel desk").await.unwrap();
    let uris = wait_for(&browser, "#redirect_uris", "the redirect URIs").await;
    uris.send_keys("https://travel.example/callback")
        .await
        .unwrap();
    browser
        .find(Locator::Css(
            "form[action$='/admin/apps'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&browser, "App registered").await;
    let secret_field = wait_for(&browser, "#client_secret", "the secret, shown once").await;
    let secret = secret_field.prop("value").await.unwrap().expect("a secret");
    let client_id = wait_for(&browser, "#client_id", "the client id").await;
    let client_id = client_id.prop("value").await.unwrap().expect("a client id");
    assert!(secret.len() >= 32, "{secret}");
    let app = stored(&b, &client_id);
    assert_eq!(app.name, "Travel desk");
    assert_eq!(
        app.secret_hash.as_deref(),
        Some(portico::crypto::token_hash(&secret).as_str()),
        "the secret shown is the app's"
    );

    // The app's page says a secret exists and does not show it.
    click(&browser, "a.button").await;
    wait_for_heading(&browser, "Travel desk").await;
    let page = browser.source().await.unwrap();
    assert!(page.contains(&client_id) && page.contains("Set."), "{page}");
    assert!(
        !page.contains(&secret),
        "the secret is not on the app's page"
    );
    browser.refresh().await.unwrap();
    wait_for_heading(&browser, "Travel desk").await;
    assert!(!browser.source().await.unwrap().contains(&secret));

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
