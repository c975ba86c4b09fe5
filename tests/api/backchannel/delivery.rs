//! Delivery from the outbox: an app that is down receives its Logout Token
//! once it is back (retries with backoff); attempts are bounded and every
//! failure is recorded.

use std::time::Duration;

use super::{LogoutRp, fast, logout, outbox, register, sign_in, verify};
use crate::helpers::{TestApp, TestClient, jwt_payload, spawn_app_with};

const MEMBER: &str = "megan@contoso.example";

/// A member signed in to an app whose back channel is `rp`, then signed out
/// (RP-initiated); returns the app and the session's `sid`.
async fn signed_out(app: &TestApp, rp: &LogoutRp) -> (TestClient, String) {
    app.tenant("contoso");
    app.member("contoso", MEMBER);
    let crm = app.web_app("contoso");
    register(app, "contoso", &crm, &rp.uri("crm"), true);
    let browser = app.browser();
    let tokens = sign_in(app, &browser, "contoso", &crm, MEMBER).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let response = logout(app, &browser, "contoso", id_token).await;
    assert_eq!(response.status(), 200);
    let sid = jwt_payload(id_token)["sid"].as_str().unwrap().to_owned();
    (crm, sid)
}

/// Waits (up to 15 s) until the tenant's one message satisfies `done`.
async fn message_until(
    app: &TestApp,
    done: impl Fn(&portico::store::logout_outbox::LogoutMessage) -> bool,
) -> portico::store::logout_outbox::LogoutMessage {
    for _ in 0..150 {
        let messages = outbox(app, "contoso");
        assert_eq!(messages.len(), 1, "{messages:?}");
        if done(&messages[0]) {
            return messages[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the message never got there: {:?}", outbox(app, "contoso"));
}

#[tokio::test]
async fn an_app_that_is_down_gets_its_logout_token_once_it_is_back() {
    let app = spawn_app_with(fast).await;
    let rp = LogoutRp::down();
    let (crm, sid) = signed_out(&app, &rp).await;
    let failed = message_until(&app, |m| m.attempts >= 1).await;
    assert!(failed.delivered_at.is_none());
    assert!(failed.last_error.as_deref().is_some_and(|e| !e.is_empty()));

    rp.start();
    let tokens = rp.wait_for("crm", 1).await;
    let claims = verify(&app, "contoso", &crm.client_id, &tokens[0]).await;
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(
        claims["jti"],
        failed.id.as_str(),
        "the same jti on every attempt"
    );
    let delivered = message_until(&app, |m| m.delivered_at.is_some()).await;
    assert!(delivered.attempts >= 2, "{delivered:?}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rp.tokens("crm").len(), 1, "delivered once");
}

#[tokio::test]
async fn attempts_are_bounded_and_failures_recorded() {
    let app = spawn_app_with(|s| {
        fast(s);
        s.logout_retry = Duration::from_millis(10);
    })
    .await;
    let rp = LogoutRp::down();
    signed_out(&app, &rp).await;
    let given_up = message_until(&app, |m| m.abandoned_at.is_some()).await;
    assert_eq!(given_up.attempts, portico::oidc::backchannel::MAX_ATTEMPTS);
    assert!(given_up.delivered_at.is_none());
    assert!(given_up.last_error.is_some());

    // Given up means given up: an app back later is not called.
    rp.start();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(rp.received().is_empty());
}

#[tokio::test]
async fn an_app_answering_an_error_is_retried_with_the_same_jti() {
    let app = spawn_app_with(fast).await;
    let rp = LogoutRp::up();
    rp.fail_next(2);
    app.tenant("contoso");
    app.member("contoso", MEMBER);
    let crm = app.web_app("contoso");
    // A URI with a query keeps it (§2.2).
    let uri = format!("{}?tenant=contoso", rp.uri("crm"));
    register(&app, "contoso", &crm, &uri, true);
    let browser = app.browser();
    let tokens = sign_in(&app, &browser, "contoso", &crm, MEMBER).await;
    logout(
        &app,
        &browser,
        "contoso",
        tokens["id_token"].as_str().unwrap(),
    )
    .await;
    let received = rp.wait_for("crm", 3).await;
    let mut jtis = Vec::new();
    for token in &received {
        jtis.push(verify(&app, "contoso", &crm.client_id, token).await["jti"].clone());
    }
    assert!(jtis.iter().all(|j| *j == jtis[0]), "{jtis:?}");
    let delivered = message_until(&app, |m| m.delivered_at.is_some()).await;
    assert_eq!(delivered.attempts, 3);
    assert!(
        delivered
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503"))
    );
}
