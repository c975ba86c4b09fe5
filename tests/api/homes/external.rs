//! Guests whose home is an external OpenID provider the tenant configured.

use portico::b2b::invitation::Target;
use portico::b2b::providers::{self};
use portico::domain::{ExternalState, IdentitySource};
use portico::store;

use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::{Landing, jwt_payload};
use portico::compare::journey::drive_across;

use super::{ANN, External, exec, external_idp};

#[tokio::test]
async fn a_guest_of_an_external_oidc_provider_redeems_and_signs_in_through_it() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let tenant = b.contoso();

    // The client secret is stored sealed, never in clear.
    let stored = b
        .app
        .db
        .read_blocking(|c| store::idps::find(c, &tenant.id, &ext.idp_id))
        .unwrap()
        .unwrap();
    let sealed = stored.client_secret_sealed.clone().unwrap();
    assert!(!sealed.contains(&ext.secret));
    assert_eq!(b.app.sealer.open(&stored.id, &sealed).unwrap(), ext.secret);

    // The invitation page names the provider and shows step 2 of the order.
    let link = b.invite(ANN, Target::Tenant);
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains("Continue with Northwind sign-in"), "{page}");
    assert!(
        page.contains("<strong>An identity provider this organization configured"),
        "{page}"
    );

    // Redeem: the browser signs in at the other server and comes back.
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let browser = b.app.browser();
    let landing = drive_across(&bases, &browser, &link, ANN, crate::helpers::PASSWORD).await;
    let Landing::Page(200, page) = landing else {
        panic!("expected My apps, got {landing:?}")
    };
    assert!(page.contains("My apps"), "{page}");
    let guest = b.guest(ANN);
    assert_eq!(guest.external_state, Some(ExternalState::Accepted));
    assert_eq!(guest.home_issuer, Some(ext.server.issuer("northwind")));
    assert_eq!(guest.identity_source, IdentitySource::ExternalIdp);

    // Later sign-in to a Contoso app goes to the same provider; `idp` says so.
    let tokens = b
        .guest_tokens_via(ANN, &b.web, &bases)
        .await
        .expect("guest signs in");
    let id = jwt_payload(
        &openidconnect::TokenResponse::id_token(&tokens)
            .unwrap()
            .to_string(),
    );
    assert_eq!(id["idp"], ext.server.issuer("northwind"));
    assert_eq!(id["sub"], guest.id);
    assert_eq!(id["user_type"], "Guest");

    // Once the provider is removed, its guests can no longer sign in.
    b.app
        .db
        .write_blocking(|c| providers::remove_guest_provider(c, &tenant.id, &ext.idp_id, "test"))
        .unwrap();
    match b.guest_tokens_via(ANN, &b.web, &bases).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("no longer available"), "{page}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| "tokens")),
    }
}

/// Redeems Ann's invitation signing in at Northwind as `as_email`; expects a
/// 403 page containing `expected` and Ann still pending.
async fn redeem_is_refused(b: &B2b, ext: &External, as_email: &str, expected: &str) {
    let link = b.invite(ANN, Target::Tenant);
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let landing = drive_across(
        &bases,
        &b.app.browser(),
        &link,
        as_email,
        crate::helpers::PASSWORD,
    )
    .await;
    let Landing::Page(403, page) = landing else {
        panic!("expected a refusal, got {landing:?}")
    };
    assert!(page.contains(expected), "{page}");
    assert_eq!(
        b.guest(ANN).external_state,
        Some(ExternalState::PendingAcceptance)
    );
}

#[tokio::test]
async fn an_external_provider_account_for_another_address_cannot_redeem() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    redeem_is_refused(&b, &ext, "bob@northwind.example", "Wrong account").await;
}

#[tokio::test]
async fn a_wrong_client_secret_fails_with_a_page_and_changes_nothing() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let tenant = b.contoso();
    // Re-seal a wrong secret into the row.
    let wrong = b.app.sealer.seal(&ext.idp_id, "not-the-secret");
    exec(
        &b.app,
        &format!(
            "UPDATE identity_providers SET client_secret_sealed = '{wrong}' WHERE tenant_id = '{}'",
            tenant.id
        ),
    )
    .unwrap();
    redeem_is_refused(&b, &ext, ANN, "Sign-in not completed").await;
}

// ---- one-time passcodes ----

#[tokio::test]
async fn an_external_providers_id_token_is_exchanged_for_its_guest() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let link = b.invite(ANN, Target::Tenant);
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let landing = drive_across(
        &bases,
        &b.app.browser(),
        &link,
        ANN,
        crate::helpers::PASSWORD,
    )
    .await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");

    // An ID token from Northwind for Contoso's client there.
    let client = crate::helpers::TestClient {
        client_id: ext.client_id.clone(),
        secret: Some(ext.secret.clone()),
        redirect_uri: format!("{}/callback/home", b.app.issuer("contoso")),
    };
    let (url, verifier) =
        crate::helpers::authorize_url(&ext.server, "northwind", &client, "openid email", &[]);
    let Landing::Away(back) = drive_across(
        &[ext.server.base.as_str()],
        &ext.server.browser(),
        &url,
        ANN,
        crate::helpers::PASSWORD,
    )
    .await
    else {
        panic!("expected a redirect to Contoso's callback")
    };
    let code = crate::helpers::query_param(&back, "code").unwrap();
    let tokens: serde_json::Value =
        crate::helpers::redeem(&ext.server, "northwind", &client, &code, &verifier)
            .await
            .json()
            .await
            .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();

    let cli_app = crate::token_exchange::exchanging_app(&b);
    let id_type = "urn:ietf:params:oauth:token-type:id_token";
    let (status, body) =
        crate::token_exchange::exchange_typed(&b, &cli_app, id_token, id_type).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        jwt_payload(body["access_token"].as_str().unwrap())["sub"],
        b.guest(ANN).id
    );

    // Once Contoso no longer trusts Northwind, its tokens are refused.
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| providers::remove_guest_provider(c, &tenant.id, &ext.idp_id, "test"))
        .unwrap();
    let (status, body) =
        crate::token_exchange::exchange_typed(&b, &cli_app, id_token, id_type).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
