//! The guest journey end to end: invite (mail read from a real SMTP listener),
//! redeem through the home tenant, sign in to the resource tenant's app as a
//! guest, and lose access at once when removed.

use openidconnect::{OAuth2TokenResponse, TokenResponse};
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::domain::{ExternalState, UserType};
use portico::store;

use crate::helpers::b2b::{GUEST, b2b, introspect, refresh_status};
use crate::helpers::{Landing, jwt_payload};
use crate::smtp;

#[tokio::test]
async fn a_guest_is_invited_redeems_at_home_signs_in_and_is_removed() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);

    // The email arrives over SMTP and carries the same link.
    let mail = b.mail.wait_for(GUEST, 0).await;
    assert_eq!(smtp::link(&mail, "/invite/"), link);
    assert!(mail.data.contains("Welcome to the Fabrikam launch!"));

    // The guest object exists at once, pending, without a password.
    let guest = b.guest(GUEST);
    assert_eq!(
        (guest.user_type, guest.external_state),
        (UserType::Guest, Some(ExternalState::PendingAcceptance))
    );
    assert!(guest.password_hash.is_none());

    // Opening the link shows who invited whom, and does not consume it.
    for _ in 0..2 {
        let page = reqwest::get(&link).await.unwrap();
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(
            text.contains("Test User") && text.contains(GUEST) && text.contains("Contoso Ltd"),
            "{text}"
        );
        assert!(text.contains("Continue with Proseware Ltd"), "{text}");
    }

    // Redeem: sign in at Proseware (password checked there), land on My apps.
    let (browser, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(200, page) = landing else {
        panic!("expected My apps, got {landing:?}")
    };
    assert!(
        page.contains("My apps") && page.contains("(guest)"),
        "{page}"
    );
    let guest = b.guest(GUEST);
    assert_eq!(guest.external_state, Some(ExternalState::Accepted));
    assert_eq!(guest.home_issuer, Some(b.app.issuer("proseware")));
    drop(browser);

    // A second use of the link changes nothing.
    let again = reqwest::get(&link).await.unwrap();
    assert_eq!(again.status(), 410);

    // Guest sign-in to a Contoso app: tokens are Contoso's, for the guest object.
    let tokens = b.guest_tokens(GUEST).await.expect("guest signs in");
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    assert_eq!(id["sub"], guest.id, "sub is the guest's id in Contoso");
    assert_eq!(id["user_type"], "Guest");
    assert_eq!(id["idp"], b.app.issuer("proseware"));
    assert_eq!(id["iss"], b.app.issuer("contoso"));
    assert_eq!(id["email"], GUEST);
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().unwrap().secret().clone();
    assert!(introspect(&b, &access).await);

    // Blocking takes effect at once.
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    assert!(!introspect(&b, &access).await);
    assert_eq!(refresh_status(&b, &refresh).await, 400);
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("removed"), "{page}"),
        other => panic!("a blocked guest must be refused: {other:?}"),
    }
    let audit = b
        .app
        .db
        .read_blocking(|c| store::audit::list(c, &b.contoso().id, 100))
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "invitation.created",
        "invitation.redeemed",
        "user.blocked",
        "signin.refused",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}
