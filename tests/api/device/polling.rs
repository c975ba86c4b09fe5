//! The token endpoint's answers to a polling device (RFC 8628 §3.5) and the
//! device endpoint's refusals (§3.2, RFC 6749 §5.2).

use std::time::Duration;

use portico::domain::{AuditAction, GrantType};

use super::{
    DEVICE_GRANT, MEGAN, approved, audited, decide, device_client, poll, poll_refused, spawn,
    spawn_with, start, start_raw, stored, text, to_consent,
};

#[tokio::test]
async fn the_device_endpoint_answers_every_field_of_rfc_8628() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid profile").await;
    let issuer = app.issuer("contoso");
    let user_code = text(&body, "user_code");
    assert_eq!(body["verification_uri"], format!("{issuer}/device"));
    assert_eq!(
        body["verification_uri_complete"],
        format!("{issuer}/device?user_code={user_code}")
    );
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["interval"], 1);
    // XXXX-XXXX in the consonants of RFC 8628 §6.1.
    let (left, right) = user_code.split_once('-').expect("two groups");
    for group in [left, right] {
        assert_eq!(group.len(), 4);
        assert!(
            group.chars().all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
            "{user_code}"
        );
    }
    // Only a hash of the device code is kept.
    let device_code = text(&body, "device_code");
    let row = stored(&app, &device_code).expect("stored by hash");
    assert_ne!(row.device_code_hash, device_code);
    assert_eq!(row.user_code, user_code.replace('-', ""));
    // Discovery advertises the endpoint and the grant.
    let discovery: serde_json::Value =
        reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        discovery["device_authorization_endpoint"],
        format!("{issuer}/device_authorization")
    );
    assert!(
        discovery["grant_types_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == DEVICE_GRANT)
    );
}

#[tokio::test]
async fn a_device_polling_before_the_person_decides_hears_authorization_pending() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let device_code = text(&start(&app, &client, "openid").await, "device_code");
    poll_refused(&app, &client, &device_code, "authorization_pending").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    poll_refused(&app, &client, &device_code, "authorization_pending").await;
}

#[tokio::test]
async fn polling_faster_than_the_interval_slows_the_device_down_for_good() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let device_code = text(&start(&app, &client, "openid").await, "device_code");
    poll_refused(&app, &client, &device_code, "authorization_pending").await;
    poll_refused(&app, &client, &device_code, "slow_down").await;
    assert_eq!(stored(&app, &device_code).unwrap().interval_seconds, 6);
    // The first interval is no longer enough: it grew by 5 seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    poll_refused(&app, &client, &device_code, "slow_down").await;
    assert_eq!(stored(&app, &device_code).unwrap().interval_seconds, 11);
}

#[tokio::test]
async fn an_expired_device_code_is_refused_and_swept() {
    let app = spawn_with(|s| s.lifetimes.device_code = chrono::TimeDelta::seconds(1)).await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid").await;
    let device_code = text(&body, "device_code");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    poll_refused(&app, &client, &device_code, "expired_token").await;
    // Its user code no longer starts a sign-in either.
    let response = super::enter_code(&app, &app.browser(), &text(&body, "user_code")).await;
    assert_eq!(response.status(), 400);
    app.db
        .write_blocking(portico::store::sweep::expired)
        .unwrap();
    assert!(stored(&app, &device_code).is_none(), "swept once expired");
}

#[tokio::test]
async fn a_person_who_denies_the_device_leaves_it_access_denied() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid email").await;
    let browser = app.browser();
    let consent = to_consent(&app, &browser, &text(&body, "user_code")).await;
    assert!(
        consent.contains(&text(&body, "user_code")),
        "the code is shown to compare"
    );
    let page = decide(&app, &browser, &consent, "deny").await;
    assert!(page.contains("Device not connected"), "{page}");
    poll_refused(&app, &client, &text(&body, "device_code"), "access_denied").await;
    let denials = audited(&app, AuditAction::DeviceDenied);
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].actor, MEGAN);
}

#[tokio::test]
async fn a_device_code_is_redeemed_once_and_a_replay_revokes_its_tokens() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let body = start(&app, &client, "openid offline_access").await;
    let device_code = text(&body, "device_code");
    approved(&app, &text(&body, "user_code"), MEGAN).await;
    let (status, tokens) = poll(&app, &client, &device_code).await;
    assert_eq!(status, 200, "{tokens}");
    poll_refused(&app, &client, &device_code, "invalid_grant").await;
    let refresh_token = text(&tokens, "refresh_token");
    let refreshed: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", app.issuer("contoso")))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
            ("client_id", client.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        refreshed["error"], "invalid_grant",
        "the replay revoked the grant"
    );
}

#[tokio::test]
async fn another_clients_device_code_and_unknown_codes_are_invalid_grants() {
    let app = spawn().await;
    let owner = device_client(&app, "contoso");
    let other = device_client(&app, "contoso");
    let body = start(&app, &owner, "openid").await;
    let device_code = text(&body, "device_code");
    approved(&app, &text(&body, "user_code"), MEGAN).await;
    poll_refused(&app, &other, &device_code, "invalid_grant").await;
    poll_refused(&app, &owner, "no-such-device-code", "invalid_grant").await;
    // The owner still redeems it.
    assert_eq!(poll(&app, &owner, &device_code).await.0, 200);
}

#[tokio::test]
async fn a_client_without_the_device_grant_is_refused_at_both_endpoints() {
    let app = spawn().await;
    let web = app.web_app("contoso");
    let (status, body) = start_raw(&app, &web, "openid").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    // A device client's code presented by the web app is refused too.
    let device = device_client(&app, "contoso");
    let device_code = text(&start(&app, &device, "openid").await, "device_code");
    let (status, body) = poll(&app, &web, &device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn bad_scopes_and_bad_client_credentials_are_refused() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let (status, body) = start_raw(&app, &client, "openid admin").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let confidential = app.app("contoso", false, false, vec![GrantType::DeviceCode], vec![]);
    let wrong = crate::helpers::TestClient {
        secret: Some("wrong".into()),
        ..confidential
    };
    let (status, body) = start_raw(&app, &wrong, "openid").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn pending_codes_per_address_are_bounded() {
    let app = spawn_with(|s| s.device_flow.pending_per_ip = 3).await;
    let client = device_client(&app, "contoso");
    for _ in 0..3 {
        start(&app, &client, "openid").await;
    }
    let (status, body) = start_raw(&app, &client, "openid").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("temporarily_unavailable"))
    );
}
