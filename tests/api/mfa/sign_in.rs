//! TOTP enrolment and sign-in, replay, throttling, recovery codes, and what
//! a session that still owes its second factor may not do.

use portico::domain::MfaRequired;

use super::{ALICE, back_with_code, code, fixture, location, page, post_form};
use crate::helpers::{Landing, hidden};

#[tokio::test]
async fn a_required_member_enrols_totp_then_signs_in_with_a_code() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let enrolled = f.enrolled().await;
    assert_eq!(f.sessions(ALICE), vec![("pwd otp mfa".to_owned(), true)]);
    assert_eq!(f.audited("mfa.totp_added"), 1);
    assert_eq!(f.audited("mfa.recovery_codes_created"), 1);
    assert!(back_with_code(
        &f.sign_in_with(&code(&enrolled.secret, 1)).await
    ));
}

#[tokio::test]
async fn a_used_code_is_refused_the_second_time() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let enrolled = f.enrolled().await;
    // The code that confirmed the enrolment does not sign in again.
    let replay = f.type_code(&f.app.browser(), &enrolled.first_code).await;
    assert_eq!(
        replay.status(),
        401,
        "{:?}",
        replay.headers().get("location")
    );
    assert!(replay.text().await.unwrap().contains("already used"));
    let next = code(&enrolled.secret, 1);
    assert!(back_with_code(&f.sign_in_with(&next).await));
    // Nor does the code that just worked, in another browser.
    let replay = f.type_code(&f.app.browser(), &next).await;
    assert_eq!(replay.status(), 401);
    let complete = f.sessions(ALICE).iter().filter(|(_, c)| *c).count();
    assert_eq!(complete, 2);
}

#[tokio::test]
async fn wrong_codes_are_throttled_but_a_stranger_cannot_use_up_the_allowance() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let enrolled = f.enrolled().await;
    // Without the password, the step only sends the browser to sign in:
    // a stranger's codes are never checked, so never counted.
    let stranger = f.app.browser();
    let login = f.app.login_page(&stranger, "contoso", &f.client).await;
    let (csrf, req) = (hidden(&login, "csrf_token"), hidden(&login, "req"));
    for _ in 0..10 {
        let response = stranger
            .post(f.app.issuer("contoso") + "/login/mfa")
            .form(&[
                ("req", &req),
                ("csrf_token", &csrf),
                ("code", &"123456".to_owned()),
            ])
            .send()
            .await
            .unwrap();
        assert!(location(&response).contains("/authorize/continue?req="));
    }
    assert!(back_with_code(
        &f.sign_in_with(&code(&enrolled.secret, 1)).await
    ));

    let owner = f.app.browser();
    let mut throttled = false;
    for _ in 0..12 {
        let response = f.type_code(&owner, "000000").await;
        if response.status() == 429 {
            throttled = true;
            break;
        }
        assert_eq!(response.status(), 401);
    }
    assert!(throttled, "wrong codes are limited per account");
    // Throttled means not checked at all.
    let right = f.type_code(&owner, &code(&enrolled.secret, 2)).await;
    assert_eq!(right.status(), 429);
    assert!(right.text().await.unwrap().contains("Too many codes"));
    let metrics = f.app.text(&owner, &format!("{}/metrics", f.app.base)).await;
    for reason in ["second_factor", "second_factor_throttled"] {
        let line = format!("portico_sign_in_failures_total{{reason=\"{reason}\"}}");
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let enrolled = f.enrolled().await;
    let recovery = enrolled.codes[0].clone();
    assert!(back_with_code(&f.sign_in_with(&recovery).await));
    assert_eq!(f.audited("mfa.recovery_code_used"), 1);
    let twice = f.type_code(&f.app.browser(), &recovery).await;
    assert_eq!(twice.status(), 401, "a recovery code works once");
    // Typed loosely (upper case, spaces), another one works.
    let loose = enrolled.codes[1].to_uppercase().replace('-', " ");
    assert!(back_with_code(&f.sign_in_with(&loose).await));
    let sessions = f.sessions(ALICE);
    let complete: Vec<_> = sessions
        .iter()
        .filter(|(_, c)| *c)
        .map(|(amr, _)| amr)
        .collect();
    assert_eq!(complete, ["pwd otp mfa"; 3]);
    assert!(
        sessions.contains(&("pwd".to_owned(), false)),
        "the refused one"
    );
}

#[tokio::test]
async fn a_session_owing_its_second_factor_opens_nothing_else() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let browser = f.app.browser();
    let enrol = page(f.start(&browser, ALICE, &[]).await);
    assert!(enrol.contains("Set up two-step verification"));
    assert_eq!(f.sessions(ALICE), vec![("pwd".to_owned(), false)]);
    // Not a dead end: the page leads back to the email-first step.
    let back = enrol.split("\">Use another account").next().unwrap();
    let back = back.rsplit("href=\"").next().unwrap();
    assert!(back.contains("/login?req="), "{back}");
    let email_page = f.app.text(&browser, back).await;
    assert!(email_page.contains("name=\"email\""), "{email_page}");
    let base = f.app.issuer("contoso");
    let myapps = browser.get(format!("{base}/myapps")).send().await.unwrap();
    assert_eq!(myapps.status(), 401);
    for page in ["/admin", "/account/security"] {
        let response = browser.get(format!("{base}{page}")).send().await.unwrap();
        assert!(
            location(&response).contains("/authorize?"),
            "{page} signs in"
        );
    }
    // The app cannot get a code without the user either.
    let silent = f.start(&browser, ALICE, &[("prompt", "none")]).await;
    assert!(
        matches!(&silent, Landing::Away(url) if url.contains("error=login_required")),
        "{silent:?}"
    );
    // Signing out ends the half-done sign-in.
    let confirm = f.app.text(&browser, &format!("{base}/logout")).await;
    let signed_out = post_form(&f.app, &browser, &confirm, &[("confirm", "yes")]).await;
    assert_eq!(signed_out.status(), 200);
    assert!(f.sessions(ALICE).is_empty());
}

#[tokio::test]
async fn the_session_token_changes_with_the_second_factor() {
    use reqwest::cookie::CookieStore;
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let enrolled = f.enrolled().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let myapps = format!("{}/myapps", f.app.issuer("contoso"));
    let session_cookie = || {
        let header = jar.cookies(&url::Url::parse(&myapps).unwrap()).unwrap();
        let cookies = header.to_str().unwrap().to_owned();
        let found = cookies
            .split("; ")
            .find(|c| c.starts_with("portico_session="));
        found.unwrap().to_owned()
    };
    let mfa = page(f.start(&browser, ALICE, &[]).await);
    let before = session_cookie();
    let ok = post_form(
        &f.app,
        &browser,
        &mfa,
        &[("code", &code(&enrolled.secret, 1))],
    )
    .await;
    assert!(back_with_code(&f.carry_on(&browser, &location(&ok)).await));
    let after = session_cookie();
    assert_ne!(before, after);
    let with = async |cookie: &str| {
        let response = reqwest::Client::new()
            .get(&myapps)
            .header("cookie", cookie)
            .send();
        response.await.unwrap().status()
    };
    assert_eq!(
        with(&before).await,
        401,
        "the token from before opens nothing"
    );
    assert_eq!(with(&after).await, 200);
}
