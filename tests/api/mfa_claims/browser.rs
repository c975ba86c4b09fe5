//! In a real browser: a guest whose home (Proseware) is trusted for MFA signs
//! in to a Contoso app while Contoso requires MFA of guests. Contoso asks
//! Proseware for MFA, the guest types one authenticator code at home, and
//! Contoso lets them in without a second prompt of its own.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use portico::b2b::invitation::Target;
use portico::domain::MfaRequired;
use portico::store;

use super::{require_mfa_of, trust_partner_mfa};
use crate::browser::{ChromeDriver, chromedriver, connect, wait_at, wait_for};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{PASSWORD, authorize_url, jwt_payload, query_param, redeem};
use crate::mfa::code;

/// Gives `email` at `slug` a confirmed authenticator app; returns its secret.
fn authenticator_at(b: &B2b, slug: &str, email: &str) -> String {
    let tenant = portico::admin::provision::tenant(&b.app.db, slug).unwrap();
    let secret = portico::login::mfa::totp::new_secret();
    let sealer = &b.app.sealer;
    b.app
        .db
        .write_blocking(|c| {
            let user = store::users::find_by_email(c, &tenant.id, email)?
                .ok_or(store::StoreError::NotFound)?;
            let row =
                store::factors::begin_totp(c, &tenant.id, &user.id, |id| sealer.seal(id, &secret))?
                    .ok_or(store::StoreError::NotFound)?;
            // Confirmed with a step long past, so today's codes all count.
            store::factors::accept_totp_step(c, &tenant.id, &row.id, 1)
        })
        .unwrap();
    secret
}

async fn click_submit(browser: &Client) {
    let button = browser.find(Locator::Css("button[type=submit]")).await;
    button.unwrap().click().await.unwrap();
}

/// Walks on from wherever the browser is until the app's redirect URI,
/// allowing consent, and fails on any second-factor page of `resource`.
async fn until_back_at_app(browser: &Client, redirect_uri: &str, resource: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.unwrap();
        if url.as_str().starts_with(&format!("{redirect_uri}?")) {
            return url.to_string();
        }
        assert!(
            !url.path().starts_with(&format!("/t/{resource}/login/mfa")),
            "{resource} asked for a second factor again: {url}"
        );
        assert!(Instant::now() < deadline, "never back at the app; at {url}");
        if url.path().ends_with("/consent")
            && let Ok(allow) = browser.find(Locator::Css("button[value=allow]")).await
        {
            allow.click().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_guest_whose_home_mfa_is_trusted_is_not_asked_again_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    require_mfa_of(&b, MfaRequired::Guests);
    trust_partner_mfa(&b, "proseware", true);
    let secret = authenticator_at(&b, "proseware", GUEST);
    let (url, verifier) = authorize_url(&b.app, "contoso", &b.web, "openid", &[]);

    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    // Contoso's email step sends the guest home to Proseware.
    browser.goto(&url).await.expect("open the authorize URL");
    let email = wait_for(&browser, "#email", "Contoso's email step").await;
    email.send_keys(GUEST).await.unwrap();
    click_submit(&browser).await;
    let email = wait_at(
        &browser,
        "/t/proseware/",
        "#email",
        "Proseware's email step",
    )
    .await;
    if email
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
        .is_empty()
    {
        email.send_keys(GUEST).await.unwrap();
    }
    click_submit(&browser).await;
    let password = wait_for(&browser, "#password", "Proseware's password step").await;
    password.send_keys(PASSWORD).await.unwrap();
    click_submit(&browser).await;

    // Proseware asks for its second factor, as Contoso asked it to.
    let typed = wait_for(&browser, "#code", "Proseware's second-factor step").await;
    let at = browser.current_url().await.unwrap();
    assert_eq!(at.path(), "/t/proseware/login/mfa", "{at}");
    typed.send_keys(&code(&secret, 0)).await.unwrap();
    click_submit(&browser).await;

    // Back at Contoso: no second prompt, straight on to the app.
    let back = until_back_at_app(&browser, &b.web.redirect_uri, "contoso").await;
    let code = query_param(&back, "code").expect("a code for the app");
    let response = redeem(&b.app, "contoso", &b.web, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["mfa", "fed"]), "{id}");
    assert_eq!(id["acr"], "urn:portico:acr:mfa");
    assert_eq!(id["idp"], b.app.issuer("proseware"));

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
