//! A real browser (headless Chromium through chromedriver) opens the
//! device's complete verification link, confirms the prefilled code, signs
//! in, allows the device, and is told to return to it; the device's next
//! poll gets tokens.

use fantoccini::Locator;

use super::{MEGAN, device_client, poll, spawn, start, text};
use crate::browser::{ChromeDriver, chromedriver, connect, wait_at, wait_for, wait_for_heading};
use crate::helpers::{PASSWORD, jwt_payload};

async fn submit(browser: &fantoccini::Client) {
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_approves_a_device_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid email").await;
    let user_code = text(&body, "user_code");

    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    // The device page, the code prefilled from the link: the person confirms.
    browser
        .goto(&text(&body, "verification_uri_complete"))
        .await
        .expect("open the verification link");
    let field = wait_for(&browser, "#user_code", "the device page").await;
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(user_code.as_str())
    );
    submit(&browser).await;

    // The tenant's email-first sign-in.
    let email = wait_at(&browser, "/t/contoso/login", "#email", "the sign-in page").await;
    email.send_keys(MEGAN).await.unwrap();
    submit(&browser).await;
    let password = wait_for(&browser, "#password", "the password page").await;
    password.send_keys(PASSWORD).await.unwrap();
    submit(&browser).await;

    // Consent names the app and shows the code to compare.
    let allow = wait_at(
        &browser,
        "/t/contoso/consent",
        "button[value=allow]",
        "consent",
    )
    .await;
    let consent = browser.source().await.unwrap();
    assert!(consent.contains(&user_code), "{consent}");
    allow.click().await.unwrap();
    wait_for_heading(&browser, "Device connected").await;
    let done = browser.source().await.unwrap();
    assert!(done.contains("return to your device"), "{done}");

    let (status, tokens) = poll(&app, &client, &text(&body, "device_code")).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(jwt_payload(&text(&tokens, "id_token"))["email"], MEGAN);

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
