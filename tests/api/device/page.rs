//! The user-code page (RFC 8628 §3.3): codes typed however people type
//! them, the prefilled link still confirmed (§5.4), wrong codes answered
//! plainly, guessing throttled per address (§5.1).

use super::{MEGAN, approved, device_client, enter_code, poll, spawn, spawn_with, start, text};

/// A code one letter away from `real`: never the real one.
fn near_miss(real: &str, letter: char) -> String {
    let first = if real.starts_with(letter) {
        'Z'
    } else {
        letter
    };
    format!("{first}{}", &real[1..])
}

#[tokio::test]
async fn a_code_is_accepted_in_any_case_and_without_its_dash() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let typed = text(&body, "user_code").replace('-', " ").to_lowercase();
    approved(&app, &typed, MEGAN).await;
    assert_eq!(
        poll(&app, &client, &text(&body, "device_code")).await.0,
        200
    );
}

#[tokio::test]
async fn the_complete_verification_link_prefills_the_code_but_waits_for_the_person() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let browser = app.browser();
    let response = browser
        .get(text(&body, "verification_uri_complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "a page, not a redirect into sign-in"
    );
    let page = response.text().await.unwrap();
    assert_eq!(hidden_value(&page), text(&body, "user_code"));
    assert!(page.contains("name=\"csrf_token\""));
    // Nothing was started: the code is not bound to any request yet.
    let row = super::stored(&app, &text(&body, "device_code")).unwrap();
    assert!(row.request_id.is_none());
    // A form without the page's CSRF token is refused.
    let forged = app
        .browser()
        .post(format!("{}/device", app.issuer("contoso")))
        .form(&[
            ("csrf_token", "forged"),
            ("user_code", &text(&body, "user_code")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

/// The value of the user-code field.
fn hidden_value(page: &str) -> String {
    let marker = "placeholder=\"XXXX-XXXX\" required autofocus value=\"";
    let start = page.find(marker).expect("the code field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn wrong_and_malformed_codes_are_answered_on_the_page() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let wrong = near_miss(&text(&body, "user_code"), 'B');
    for typed in [wrong.as_str(), "hello", "AEIO-UAEI", "<script>"] {
        let response = enter_code(&app, &app.browser(), typed).await;
        assert_eq!(response.status(), 400, "{typed}");
        let page = response.text().await.unwrap();
        assert!(page.contains("not valid or has expired"), "{page}");
        assert!(!page.contains("<script>"), "what was typed is escaped");
    }
}

#[tokio::test]
async fn guessing_user_codes_is_throttled_per_address() {
    let app = spawn_with(|s| s.throttling.user_codes_per_ip_per_minute = 3).await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let browser = app.browser();
    let real = text(&body, "user_code");
    for letter in ['B', 'C', 'D'] {
        let guess = near_miss(&real, letter);
        assert_eq!(enter_code(&app, &browser, &guess).await.status(), 400);
    }
    // Past the allowance even the right code waits.
    let response = enter_code(&app, &browser, &real).await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn one_journey_completes_a_code_and_a_decided_code_is_not_taken_again() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let user_code = text(&body, "user_code");
    // Typed in two browsers: the later journey replaces the earlier one.
    let (first, second) = (app.browser(), app.browser());
    let earlier = enter_code(&app, &first, &user_code).await;
    let earlier = earlier.headers()["location"].to_str().unwrap().to_owned();
    super::approved_in(&app, &second, &user_code, MEGAN).await;
    let stale = first.get(app.absolute(&earlier)).send().await.unwrap();
    assert_eq!(stale.status(), 400);
    assert!(stale.text().await.unwrap().contains("Sign-in expired"));
    // Approved: the code is no longer offered to anyone.
    let again = enter_code(&app, &app.browser(), &user_code).await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        poll(&app, &client, &text(&body, "device_code")).await.0,
        200
    );
}
