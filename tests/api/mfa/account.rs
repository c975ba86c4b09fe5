//! The account-security page: reached by signing in, changes only after a
//! recent sign-in (else sign in again, both factors), CSRF on every form,
//! every change audited.

use diesel::prelude::*;
use portico::store::schema::sessions;

use super::{ALICE, Fixture, code, fixture, location, page, post_form, post_form_to};
use crate::helpers::{Landing, PASSWORD, drive};

async fn open(f: &Fixture, browser: &reqwest::Client) -> String {
    let url = format!("{}/account/security", f.app.issuer("contoso"));
    let landing = drive(&f.app, browser, &url, ALICE, PASSWORD).await;
    let page = page(landing);
    assert!(page.contains("Account security"), "{page}");
    page
}

/// Adds an authenticator from the account page; its secret and the page
/// that asks for its first code.
async fn start_adding(f: &Fixture, browser: &reqwest::Client, security: &str) -> (String, String) {
    let enrol = post_form(&f.app, browser, security, &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(enrol.contains("id=\"totp-secret\""), "{enrol}");
    let secret = enrol
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    (secret.to_owned(), enrol)
}

/// Every session of the test signed in eleven minutes ago.
fn age_sessions(f: &Fixture) {
    let then = portico::store::now() - chrono::TimeDelta::minutes(11);
    f.app
        .db
        .write_blocking(|c| {
            diesel::update(sessions::table)
                .set(sessions::auth_time.eq(then))
                .execute(c)
                .map_err(portico::store::StoreError::from)
        })
        .unwrap();
}

#[tokio::test]
async fn a_member_adds_an_authenticator_on_the_account_page() {
    let f = fixture().await;
    let browser = f.app.browser();
    let security = open(&f, &browser).await;
    assert!(
        security.contains("Off.") && security.contains("0 unused"),
        "{security}"
    );
    let (secret, enrol) = start_adding(&f, &browser, &security).await;
    let secret = secret.as_str();
    let wrong = post_form(&f.app, &browser, &enrol, &[("code", "000000")]).await;
    assert_eq!(wrong.status(), 401);
    let codes = post_form(&f.app, &browser, &enrol, &[("code", &code(secret, 0))]).await;
    assert_eq!(codes.status(), 200);
    assert_eq!(
        codes.text().await.unwrap().matches("<li><code>").count(),
        10
    );
    assert_eq!(f.audited("mfa.totp_added"), 1);
    let security = open(&f, &browser).await;
    assert!(
        security.contains("On:") && security.contains("10 unused"),
        "{security}"
    );
    // The next sign-in asks for the code.
    let landing = f.start(&f.app.browser(), ALICE, &[]).await;
    assert!(matches!(&landing, Landing::Page(200, p) if p.contains("Verify it's you")));
    // Without the form's token, nothing changes.
    let forged = browser
        .post(format!(
            "{}/account/security/totp-remove",
            f.app.issuer("contoso")
        ))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn changes_need_a_recent_sign_in_with_both_factors() {
    let f = fixture().await;
    let browser = f.app.browser();
    let security = open(&f, &browser).await;
    let (secret, enrol) = start_adding(&f, &browser, &security).await;
    let secret = secret.as_str();
    post_form(&f.app, &browser, &enrol, &[("code", &code(secret, 0))]).await;
    let security = open(&f, &browser).await;

    age_sessions(&f);
    let stale = open(&f, &browser).await;
    assert!(
        stale.contains("sign in again") && !stale.contains("<form"),
        "{stale}"
    );
    // A form from before is refused: off to sign in again, max_age=0.
    let refused = post_form(&f.app, &browser, &security, &[]).await;
    let reauth = location(&refused);
    assert!(
        reauth.contains("max_age=0") && reauth.contains("account%2Fsigned-in"),
        "{reauth}"
    );
    assert_eq!(f.audited("mfa.totp_removed"), 0);
    // Signing in again takes the password and the code.
    let mfa = page(drive(&f.app, &browser, &reauth, ALICE, PASSWORD).await);
    assert!(mfa.contains("Verify it's you"), "{mfa}");
    let back = post_form(&f.app, &browser, &mfa, &[("code", &code(secret, 1))]).await;
    let fresh = page(f.carry_on(&browser, &location(&back)).await);
    assert!(fresh.contains("Remove the authenticator app"), "{fresh}");

    let codes = post_form_to(&f.app, &browser, &fresh, "recovery-codes", &[]).await;
    assert_eq!(
        codes.text().await.unwrap().matches("<li><code>").count(),
        10
    );
    assert_eq!(f.audited("mfa.recovery_codes_created"), 2);
    let removed = post_form_to(&f.app, &browser, &fresh, "totp-remove", &[]).await;
    assert!(location(&removed).ends_with("/account/security"));
    assert_eq!(f.audited("mfa.totp_removed"), 1);
    let security = open(&f, &browser).await;
    assert!(
        security.contains("Off.") && security.contains("0 unused"),
        "{security}"
    );
}
