//! The B2B case: blocking, removing, expiring a guest or resetting their
//! redemption ends their sessions, and the apps they signed in to hear of
//! it at once, not at their tokens' expiry.

use openidconnect::TokenResponse;
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::store;

use super::{LogoutRp, fast, register, verify};
use crate::helpers::b2b::{B2b, GUEST, b2b_with};
use crate::helpers::jwt_payload;

/// The Contoso / Proseware fixture on a fast-polling server, the guest
/// redeemed and signed in to Contoso's web app, whose back channel is `rp`.
/// Returns the fixture and the `sid` of the guest's ID token.
async fn guest_signed_in(rp: &LogoutRp, session_required: bool) -> (B2b, String) {
    let b = b2b_with(fast).await;
    register(&b.app, "contoso", &b.web, &rp.uri("web"), session_required);
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let tokens = b.guest_tokens(GUEST).await.expect("guest signs in");
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    (
        b,
        id["sid"].as_str().expect("sid in the ID token").to_owned(),
    )
}

/// The one Logout Token the web app receives, verified: for the guest's
/// session (`sid`) and the guest (`sub`).
async fn logged_out(b: &B2b, rp: &LogoutRp, sid: &str) {
    let tokens = rp.wait_for("web", 1).await;
    let claims = verify(&b.app, "contoso", &b.web.client_id, &tokens[0]).await;
    assert_eq!(claims["sid"], sid);
    assert_eq!(claims["sub"], b.guest(GUEST).id.as_str());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(rp.tokens("web").len(), 1, "{:?}", rp.received());
}

#[tokio::test]
async fn blocking_a_guest_logs_them_out_of_their_apps() {
    let rp = LogoutRp::up();
    let (b, sid) = guest_signed_in(&rp, true).await;
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    logged_out(&b, &rp, &sid).await;
}

#[tokio::test]
async fn removing_a_guest_logs_them_out_of_their_apps() {
    let rp = LogoutRp::up();
    let (b, sid) = guest_signed_in(&rp, true).await;
    let guest = b.guest(GUEST);
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Remove).unwrap();
    let tokens = rp.wait_for("web", 1).await;
    let claims = verify(&b.app, "contoso", &b.web.client_id, &tokens[0]).await;
    assert_eq!(
        (claims["sid"].as_str(), claims["sub"].as_str()),
        (Some(sid.as_str()), Some(guest.id.as_str()))
    );
}

#[tokio::test]
async fn a_guest_whose_access_expires_is_logged_out_of_their_apps() {
    let rp = LogoutRp::up();
    let (b, sid) = guest_signed_in(&rp, true).await;
    let (tenant, guest) = (b.contoso(), b.guest(GUEST));
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::seconds(1);
    b.app
        .db
        .write_blocking(|c| store::users::set_access_expiry(c, &tenant.id, &guest.id, Some(past)))
        .unwrap();
    logged_out(&b, &rp, &sid).await;
}

#[tokio::test]
async fn resetting_a_guests_redemption_logs_them_out_of_their_apps() {
    let rp = LogoutRp::up();
    let (b, sid) = guest_signed_in(&rp, true).await;
    let (tenant, guest, admin) = (b.contoso(), b.guest(GUEST), b.administrator());
    let issuer = b.app.issuer("contoso");
    b.app
        .db
        .write_blocking(|c| {
            let actor = guests::inviter_by_email(c, &tenant, admin)?;
            portico::b2b::invitation::reset_redemption(
                c,
                &tenant,
                &issuer,
                &actor,
                &guest,
                chrono::TimeDelta::days(1),
            )
        })
        .unwrap();
    logged_out(&b, &rp, &sid).await;
}

#[tokio::test]
async fn an_app_not_requiring_sid_is_told_the_subject_once() {
    let rp = LogoutRp::up();
    let (b, _) = guest_signed_in(&rp, false).await;
    // A second session of the guest with the same app.
    b.guest_tokens(GUEST).await.expect("guest signs in again");
    let guest = b.guest(GUEST);
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    let tokens = rp.wait_for("web", 1).await;
    let claims = verify(&b.app, "contoso", &b.web.client_id, &tokens[0]).await;
    assert_eq!(claims["sub"], guest.id.as_str());
    assert!(claims.get("sid").is_none());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        rp.tokens("web").len(),
        1,
        "one token for the user, not per session"
    );
}
