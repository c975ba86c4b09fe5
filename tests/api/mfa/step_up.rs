//! Step-up: a session signed in with a password alone meets a request for
//! `urn:portico:acr:mfa`, and `max_age` asks for both factors again.

use diesel::prelude::*;
use portico::domain::MfaRequired;
use portico::store::schema::auth_requests;

use super::{ALICE, Fixture, back_with_code, code, fixture, location, page};
use crate::helpers::{Landing, authorize_url, query_param};

/// A pending request for `acr` (started in a browser that is not signed
/// in, so it stops at the sign-in page); its id.
async fn request_for(f: &Fixture, acr: &str) -> String {
    let (url, _) = authorize_url(
        &f.app,
        "contoso",
        &f.client,
        "openid",
        &[("acr_values", acr)],
    );
    let login = f.app.follow(&f.app.browser(), &url).await;
    let id = query_param(&f.app.absolute(&login), "req").expect("a pending request");
    // `/authorize` stores the requested class (issue 12, part D); until that
    // part is merged the test stores what it would.
    f.app
        .db
        .write_blocking(|c| {
            diesel::update(auth_requests::table.filter(auth_requests::id.eq(&id)))
                .filter(auth_requests::acr_values.is_null())
                .set(auth_requests::acr_values.eq(acr))
                .execute(c)
                .map_err(portico::store::StoreError::from)
        })
        .unwrap();
    id
}

fn continue_url(f: &Fixture, id: &str) -> String {
    format!("{}/authorize/continue?req={id}", f.app.issuer("contoso"))
}

#[tokio::test]
async fn acr_values_steps_a_password_session_up_to_a_second_factor() {
    let f = fixture().await;
    let browser = f.app.browser();
    assert!(back_with_code(&f.start(&browser, ALICE, &[]).await));
    assert_eq!(f.sessions(ALICE), vec![("pwd".to_owned(), true)]);
    // The same browser, asked for two factors: Alice has none, so she enrols.
    let id = request_for(&f, "urn:portico:acr:mfa").await;
    let enrol = f.carry_on(&browser, &continue_url(&f, &id)).await;
    let enrolled = f.enrol(&browser, &page(enrol)).await;
    assert!(back_with_code(&f.carry_on(&browser, &enrolled.next).await));
    assert_eq!(f.sessions(ALICE), vec![("pwd otp mfa".to_owned(), true)]);
    // Asked again, the session is strong enough already.
    let id = request_for(&f, "urn:portico:acr:mfa").await;
    assert!(back_with_code(
        &f.carry_on(&browser, &continue_url(&f, &id)).await
    ));
    // A class her factors cannot reach is refused to the app, not looped on.
    let id = request_for(&f, "phr").await;
    let Landing::Away(url) = f.carry_on(&browser, &continue_url(&f, &id)).await else {
        panic!("back to the app expected")
    };
    assert!(
        url.contains("error=unmet_authentication_requirements"),
        "{url}"
    );
}

#[tokio::test]
async fn max_age_asks_for_both_factors_again() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let browser = f.app.browser();
    let enrolled = f
        .enrol(&browser, &page(f.start(&browser, ALICE, &[]).await))
        .await;
    assert!(back_with_code(&f.carry_on(&browser, &enrolled.next).await));
    // Signed in with both factors; max_age=0 wants a new sign-in, and a new
    // sign-in of Alice's takes her code again.
    let again = f.start(&browser, ALICE, &[("max_age", "0")]).await;
    let mfa = page(again);
    assert!(mfa.contains("Verify it's you"), "{mfa}");
    let response = super::post_form(
        &f.app,
        &browser,
        &mfa,
        &[("code", &code(&enrolled.secret, 1))],
    )
    .await;
    assert!(back_with_code(
        &f.carry_on(&browser, &location(&response)).await
    ));
}
