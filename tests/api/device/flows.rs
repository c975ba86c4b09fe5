//! The whole loop through a relying-party library: the `openidconnect`
//! crate asks for the codes and polls; a person approves on the device page
//! (a member, and a guest who signs in at home); the ID token verifies.

use openidconnect::core::{
    CoreClient, CoreDeviceAuthorizationResponse, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    ClientId, DeviceAuthorizationUrl, IssuerUrl, Nonce, OAuth2TokenResponse, Scope, TokenResponse,
};
use portico::b2b::invitation::Target;
use portico::domain::AuditAction;

use super::{DEVICE_GRANT, MEGAN, approved, audited, device_client, spawn};
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{TestApp, TestClient, jwt_payload};

/// The relying party's device loop against Contoso: start, let `email`
/// approve on the device page, then poll for tokens; the ID token verified.
async fn device_loop(app: &TestApp, client: &TestClient, email: &str) -> CoreTokenResponse {
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = app.issuer("contoso");
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.clone()).unwrap(), &http)
            .await
            .unwrap();
    assert!(
        metadata
            .grant_types_supported()
            .unwrap()
            .iter()
            .any(|g| g.as_ref() == DEVICE_GRANT)
    );
    let rp =
        CoreClient::from_provider_metadata(metadata, ClientId::new(client.client_id.clone()), None)
            .set_device_authorization_url(
                DeviceAuthorizationUrl::new(format!("{issuer}/device_authorization")).unwrap(),
            );
    let details: CoreDeviceAuthorizationResponse = rp
        .exchange_device_code()
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&http)
        .await
        .expect("device authorization");
    let user_code = details.user_code().secret().clone();
    assert!(details.verification_uri_complete().is_some());
    approved(app, &user_code, email).await;
    let tokens = rp
        .exchange_device_access_token(&details)
        .unwrap()
        .request_async(&http, tokio::time::sleep, None)
        .await
        .expect("tokens for the approved device");
    // No nonce in the device flow (RFC 8628 has none to send).
    let no_nonce = |nonce: Option<&Nonce>| match nonce {
        None => Ok(()),
        Some(_) => Err("unexpected nonce".to_owned()),
    };
    tokens
        .id_token()
        .expect("an ID token for scope openid")
        .claims(&rp.id_token_verifier(), no_nonce)
        .expect("the ID token verifies");
    tokens
}

#[tokio::test]
async fn a_member_signs_a_device_in_and_it_gets_tokens() {
    let app = spawn().await;
    let client = device_client(&app, "contoso");
    let tokens = device_loop(&app, &client, MEGAN).await;
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    assert_eq!(id["email"], MEGAN);
    assert_eq!(id["aud"], client.client_id.as_str());
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    assert_eq!(id["acr"], "urn:portico:acr:sfa");
    assert!(id["auth_time"].as_i64().unwrap() <= chrono::Utc::now().timestamp());
    assert!(
        tokens.refresh_token().is_some(),
        "offline_access was granted"
    );
    let approvals = audited(&app, AuditAction::DeviceApproved);
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].actor, MEGAN);
    assert_eq!(
        approvals[0].target.as_deref(),
        Some(client.client_id.as_str())
    );
}

#[tokio::test]
async fn a_guest_from_another_tenant_signs_a_device_in_at_home() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let client = device_client(&b.app, "contoso");
    let tokens = device_loop(&b.app, &client, GUEST).await;
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    assert_eq!(id["email"], GUEST);
    assert_eq!(id["user_type"], "Guest");
    assert_eq!(id["idp"], b.app.issuer("proseware"));
    assert_eq!(id["sub"], b.guest(GUEST).id.as_str());
}
