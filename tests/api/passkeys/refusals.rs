//! What passkeys must refuse: assertions with a wrong origin, RP id,
//! signature or challenge, a replay, a counter that goes backwards; changes
//! by someone else or without a recent sign-in.

use serde_json::{Value, json};

use super::{
    SIGNIN_FINISH, SIGNIN_START, at_sign_in, attribute, audit_actions, finish,
    megan_with_a_passkey, post_json, start,
};
use crate::helpers::{PASSWORD, TestApp, authorize_url};
use portico::domain::AuditAction;
use portico::store;
use reqwest::StatusCode;

#[tokio::test]
async fn assertions_with_a_wrong_origin_rp_id_signature_challenge_or_counter_are_refused() {
    let mut r = megan_with_a_passkey().await;
    let (browser, csrf, req, _) = at_sign_in(&r).await;
    let refused = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"], "The passkey could not be verified.");
    };

    // A second factor needs a first: this browser has no session.
    let (status, body) = post_json(
        &r.app,
        &browser,
        "/t/contoso/login/mfa/passkey/start",
        &csrf,
        json!({ "req": req }),
    )
    .await;
    assert_eq!(status, 401, "{body}");

    // One honest sign-in first: the stored counter is now 1.
    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let accepted = r.key.get(&options);
    let (status, body) = finish(&r, &browser, &csrf, SIGNIN_FINISH, accepted.clone()).await;
    assert_eq!(status, 200, "{body}");

    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let mut wrong = r.key.honest(&options);
    wrong.origin = "http://evil.example".into();
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, r.key.sign(&wrong)).await);

    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let mut wrong = r.key.honest(&options);
    wrong.rp_id = "evil.example".into();
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, r.key.sign(&wrong)).await);

    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let mut wrong = r.key.honest(&options);
    wrong.tamper_signature = true;
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, r.key.sign(&wrong)).await);

    let stale = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let _current = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let wrong = r.key.honest(&stale);
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, r.key.sign(&wrong)).await);

    // The accepted assertion again, against a new challenge: a replay.
    start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, accepted).await);

    // A counter that did not move forward: a cloned authenticator?
    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let mut wrong = r.key.honest(&options);
    wrong.counter = 1;
    refused(finish(&r, &browser, &csrf, SIGNIN_FINISH, r.key.sign(&wrong)).await);
    let actions = audit_actions(&r.app);
    assert!(
        actions.contains(&AuditAction::PasskeyCloneSuspected),
        "{actions:?}"
    );

    // Each challenge is answered once; no header, no ceremony.
    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let honest = r.key.get(&options);
    let (status, _) = finish(&r, &browser, "", SIGNIN_FINISH, honest.clone()).await;
    assert_eq!(status, 403);
    let (status, body) = finish(&r, &browser, &csrf, SIGNIN_FINISH, honest.clone()).await;
    assert_eq!(status, 200, "the counter after refusals is still 1: {body}");
    let (status, _) = finish(&r, &browser, &csrf, SIGNIN_FINISH, honest).await;
    assert_eq!(status, 400);
}

/// A form carrying only its CSRF token, posted by `browser`.
async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    csrf: &str,
) -> reqwest::Response {
    browser
        .post(app.absolute(path))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap()
}

/// Moves every session's sign-in time `minutes` into the past.
fn signed_in_minutes_ago(app: &TestApp, minutes: i64) {
    use diesel::prelude::*;
    use portico::store::schema::sessions;
    let at = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(minutes);
    app.db
        .write_blocking(|c| {
            diesel::update(sessions::table)
                .set(sessions::auth_time.eq(at))
                .execute(c)
                .map_err(store::StoreError::from)
        })
        .unwrap();
}

#[tokio::test]
async fn only_its_owner_removes_a_passkey_and_only_after_a_recent_sign_in() {
    let mut r = megan_with_a_passkey().await;
    let page = r.app.text(&r.browser, "/t/contoso/account/passkeys").await;
    let id = attribute(&page, "data-passkey-id");
    let remove = format!("/t/contoso/account/passkeys/{id}/remove");

    // Another member of the tenant cannot remove Megan's passkey.
    r.app.member("contoso", "alex@contoso.example");
    let alex = r.app.browser();
    let (url, _) = authorize_url(&r.app, "contoso", &r.client, "openid", &[]);
    r.app
        .sign_in(&alex, &url, "alex@contoso.example", PASSWORD)
        .await;
    let page = r.app.text(&alex, "/t/contoso/account/passkeys").await;
    let alex_csrf = attribute(&page, "data-csrf");
    let response = post_form(&r.app, &alex, &remove, &alex_csrf).await;
    assert_eq!(response.status(), 404);

    // An old sign-in must be renewed before the passkeys change.
    signed_in_minutes_ago(&r.app, 60);
    let (status, body) = post_json(
        &r.app,
        &r.browser,
        "/t/contoso/account/passkeys/register/start",
        &r.csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let response = post_form(&r.app, &r.browser, &remove, &r.csrf).await;
    assert_eq!(response.status(), 403);

    // Removed; a return address off this tenant is not followed.
    signed_in_minutes_ago(&r.app, 1);
    let response = r
        .browser
        .post(r.app.absolute(&remove))
        .form(&[
            ("csrf_token", r.csrf.as_str()),
            ("next", "https://evil.example/t/contoso/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/t/contoso/account/passkeys"
    );
    let page = r.app.text(&r.browser, "/t/contoso/account/passkeys").await;
    assert!(page.contains("You have no passkey yet."), "{page}");
    assert!(audit_actions(&r.app).contains(&AuditAction::PasskeyRemoved));

    // The removed passkey signs nobody in.
    let (browser, csrf, req, _) = at_sign_in(&r).await;
    let options = start(&r, &browser, &csrf, SIGNIN_START, &req).await;
    let assertion = r.key.get(&options);
    let (status, body) = finish(&r, &browser, &csrf, SIGNIN_FINISH, assertion).await;
    assert_eq!(status, 401, "{body}");
}
