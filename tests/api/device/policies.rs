//! A device sign-in obeys the tenant's rules like any other: the second
//! factor the policy demands, and apps that admit only assigned users.

use portico::domain::{AuditAction, MfaRequired};

use super::{approve, audited, device_client, poll, poll_refused, start, text};
use crate::helpers::{Landing, drive, jwt_payload};
use crate::mfa::{ALICE, fixture, page};

#[tokio::test]
async fn a_device_sign_in_takes_the_second_factor_the_policy_demands() {
    let f = fixture().await;
    f.policy(MfaRequired::Everyone);
    let client = device_client(&f.app, "contoso");
    let body = start(&f.app, &client, "openid").await;
    let device_code = text(&body, "device_code");
    let browser = f.app.browser();
    // After the password: enrol a first factor, not yet the device.
    let enrol = page(approve(&f.app, &browser, &text(&body, "user_code"), ALICE).await);
    poll_refused(&f.app, &client, &device_code, "authorization_pending").await;
    let enrolled = f.enrol(&browser, &enrol).await;
    match drive(&f.app, &browser, &enrolled.next, ALICE, "unused").await {
        Landing::Page(200, done) => assert!(done.contains("Device connected"), "{done}"),
        other => panic!("the approval did not finish: {other:?}"),
    }
    let (status, tokens) = poll(&f.app, &client, &device_code).await;
    assert_eq!(status, 200, "{tokens}");
    let id = jwt_payload(&text(&tokens, "id_token"));
    assert_eq!(id["acr"], "urn:portico:acr:mfa");
    assert!(
        id["amr"].as_array().unwrap().iter().any(|m| m == "otp"),
        "{id}"
    );
}

#[tokio::test]
async fn an_unassigned_user_cannot_approve_a_device_for_an_assigned_only_app() {
    let f = fixture().await;
    let client = device_client(&f.app, "contoso");
    portico::admin::provision::require_assignment(&f.app.db, "contoso", &client.client_id).unwrap();
    let body = start(&f.app, &client, "openid").await;
    let landing = approve(&f.app, &f.app.browser(), &text(&body, "user_code"), ALICE).await;
    let shown = page(landing);
    assert!(shown.contains("Device not connected"), "{shown}");
    assert!(shown.contains("not been given access"), "{shown}");
    poll_refused(
        &f.app,
        &client,
        &text(&body, "device_code"),
        "access_denied",
    )
    .await;
    let denials = audited(&f.app, AuditAction::DeviceDenied);
    assert_eq!(denials.len(), 1);
    assert_eq!(denials[0].actor, ALICE);
    assert!(audited(&f.app, AuditAction::DeviceApproved).is_empty());
}
