//! A real browser with a WebDriver virtual authenticator (W3C WebAuthn §11,
//! "Add Virtual Authenticator"; chromedriver implements it): Megan adds a
//! passkey on her account page, signs out, and signs in again with the
//! passkey alone from the sign-in page; the ID token says `hwk user mfa`.

use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};

use super::{MEGAN, amr_of};
use crate::browser::{ChromeDriver, chromedriver, connect, wait_for, wait_for_heading};
use crate::helpers::{PASSWORD, authorize_url, query_param, redeem, spawn_app_on_localhost};

/// `POST /session/{id}/webauthn/authenticator`: a platform authenticator
/// that keeps discoverable credentials and verifies its user.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

async fn click(browser: &Client, css: &str, what: &str) {
    wait_for(browser, css, what).await.click().await.unwrap();
}

/// Waits until the browser is at a URL starting with `prefix`; on the way,
/// allows consent if it is asked for.
async fn arrive(browser: &Client, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let current = browser.current_url().await.map(|u| u.to_string());
        if let Ok(current) = &current {
            if current.starts_with(prefix) {
                return current.clone();
            }
            if current.contains("/consent?")
                && let Ok(allow) = browser.find(Locator::Css("button[value=allow]")).await
            {
                let _ = allow.click().await;
            }
        }
        assert!(
            Instant::now() < deadline,
            "never reached {prefix}; at {current:?}: {}",
            browser.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_person_adds_a_passkey_and_signs_in_with_it_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let app = spawn_app_on_localhost().await;
    app.tenant("contoso");
    app.member("contoso", MEGAN);
    let client = app.web_app("contoso");

    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;
    browser
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("chromedriver adds a virtual authenticator");

    // Signed in with the password.
    let (url, _) = authorize_url(&app, "contoso", &client, "openid email", &[]);
    browser.goto(&url).await.unwrap();
    let email = wait_for(&browser, "#email", "the sign-in page").await;
    email.send_keys(MEGAN).await.unwrap();
    click(&browser, "button[type=submit]", "Next").await;
    let password = wait_for(&browser, "#password", "the password page").await;
    password.send_keys(PASSWORD).await.unwrap();
    click(&browser, "button[type=submit]", "Sign in").await;
    arrive(&browser, &client.redirect_uri).await;

    // The account page: name the passkey and add it.
    browser
        .goto(&format!("{}/t/contoso/account/passkeys", app.base))
        .await
        .unwrap();
    let name = wait_for(&browser, "#passkey-name", "the passkeys page").await;
    name.send_keys("Virtual laptop").await.unwrap();
    click(&browser, "#passkey-add", "Add a passkey").await;
    let listed = wait_for(&browser, ".passkey-name", "the new passkey in the list").await;
    assert_eq!(listed.text().await.unwrap(), "Virtual laptop");

    // Signed out (RP-initiated logout, confirmed).
    browser
        .goto(&format!("{}/t/contoso/logout", app.base))
        .await
        .unwrap();
    click(&browser, "button[value=yes]", "the sign-out confirmation").await;
    wait_for_heading(&browser, "You are signed out").await;

    // Back to the app: the passkey alone signs in.
    let (url, verifier) = authorize_url(&app, "contoso", &client, "openid email", &[]);
    browser.goto(&url).await.unwrap();
    click(&browser, "#passkey-signin", "Sign in with a passkey").await;
    let back = arrive(&browser, &client.redirect_uri).await;
    let code = query_param(&back, "code").expect("a code after the passkey sign-in");
    let response = redeem(&app, "contoso", &client, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    let id_token = tokens["id_token"].as_str().expect("an ID token");
    assert_eq!(crate::helpers::jwt_payload(id_token)["email"], MEGAN);
    assert_eq!(amr_of(id_token), ["hwk", "mfa", "user"]);

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
