//! The admin portal: sign in through the tenant, invite as a member, manage
//! guests as an administrator, CSRF on every form.

use crate::guests::{GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, drive, hidden};

fn portal(b: &crate::guests::B2b) -> String {
    format!("{}/admin", b.app.issuer("contoso"))
}

#[tokio::test]
async fn a_member_signs_in_to_the_portal_and_invites_a_guest() {
    let b = b2b().await;
    let browser = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &portal(&b),
        "megan@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(
        page.contains("Guests of Contoso Ltd") && page.contains("Invite a guest"),
        "{page}"
    );
    assert!(
        !page.contains("Guest accounts"),
        "members do not manage guest accounts"
    );
    let response = browser
        .post(format!("{}/invite", portal(&b)))
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("email", GUEST),
            ("target", "tenant"),
            ("message", "See you <b>soon</b>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result = response.text().await.unwrap();
    assert!(
        result.contains("Invitation sent.") && result.contains("/invite/"),
        "{result}"
    );
    let mail = b.mail.wait_for(GUEST, 0).await;
    assert!(
        mail.data.contains("See you <b>soon</b>"),
        "plain-text mail carries the message as typed"
    );
    assert_eq!(
        b.guest(GUEST).external_state.as_deref(),
        Some("pending_acceptance")
    );

    // Without the CSRF token nothing happens.
    let forged = browser
        .post(format!("{}/invite", portal(&b)))
        .form(&[
            ("csrf_token", "forged"),
            ("email", "x@proseware.example"),
            ("target", "tenant"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn an_admin_blocks_and_removes_a_guest_from_the_portal() {
    let b = b2b().await;
    portico::admin::provision::create_member(
        &b.app.db,
        "contoso",
        "admin@contoso.example",
        "Ada Admin",
        PASSWORD,
        true,
    )
    .unwrap();
    let link = b.invite(GUEST, portico::b2b::invitation::Target::Tenant);
    b.redeem(&link, GUEST).await;
    let browser = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &portal(&b),
        "admin@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(
        page.contains("Guest accounts") && page.contains(GUEST),
        "{page}"
    );
    assert!(
        page.contains("Who may invite: members"),
        "the policy is summarised"
    );
    let guest = b.guest(GUEST);
    let csrf = hidden(&page, "csrf_token");
    let reset = browser
        .post(format!("{}/guests/{}/reset", portal(&b), guest.id))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let reset_page = reset.text().await.unwrap();
    assert!(
        reset_page.contains("Redemption reset") && reset_page.contains("/invite/"),
        "{reset_page}"
    );
    assert_eq!(
        b.guest(GUEST).external_state.as_deref(),
        Some("pending_acceptance")
    );
    let response = browser
        .post(format!("{}/guests/{}/block", portal(&b), guest.id))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(b.guest(GUEST).status, "blocked");
    let response = browser
        .post(format!("{}/guests/{}/remove", portal(&b), guest.id))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let tenant = b.contoso();
    assert!(
        b.app
            .db
            .read_blocking(|c| portico::store::users::find_by_email(c, &tenant.id, GUEST))
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn guests_cannot_invite_or_manage_from_the_portal() {
    let b = b2b().await;
    let link = b.invite(GUEST, portico::b2b::invitation::Target::Tenant);
    let (browser, _) = b.redeem(&link, GUEST).await;
    // The redemption left a Contoso session for the guest.
    let page = browser
        .get(portal(&b))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("may not invite"), "{page}");
    let response = browser
        .post(format!("{}/invite", portal(&b)))
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("email", "x@proseware.example"),
            ("target", "tenant"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let guest = b.guest(GUEST);
    let response = browser
        .post(format!("{}/guests/{}/block", portal(&b), guest.id))
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
