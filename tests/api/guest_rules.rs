//! The guest journey's "must nots": wrong account, replayed/expired/revoked
//! links, removed guests, cross-tenant tokens, unassigned guests, duplicates.

use diesel::RunQueryDsl;
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::{InviteError, InviteRequest, Target};
use portico::domain::{ExternalState, UserType};
use portico::store;

use crate::helpers::b2b::{GUEST, b2b, introspect, refresh_status};
use crate::helpers::{Landing, query_param};

#[tokio::test]
async fn redeeming_with_another_account_is_refused_and_changes_nothing() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    let (_, landing) = b.redeem(&link, "other@proseware.example").await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(
        page.contains("other@proseware.example") && page.contains(GUEST),
        "{page}"
    );
    assert_eq!(
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );
    // The right person can still use the link afterwards.
    let (_, landing) = b.redeem(&link, GUEST).await;
    assert!(
        matches!(landing, Landing::Page(200, ref p) if p.contains("My apps")),
        "{landing:?}"
    );
}

#[tokio::test]
async fn expired_and_revoked_links_get_a_clear_page_and_change_nothing() {
    let b = b2b().await;
    let expired = b.invite(GUEST, Target::Tenant);
    diesel::sql_query("UPDATE invitations SET expires_at = created_at")
        .execute(&mut *b.app.db.conn_for_tests())
        .unwrap();
    let page = reqwest::get(&expired).await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("expired"));

    let revoked = b.invite("second@proseware.example", Target::Tenant);
    let tenant = b.contoso();
    let id = b
        .app
        .db
        .read_blocking(|c| store::invitations::list(c, &tenant.id))
        .unwrap()
        .into_iter()
        .find(|i| i.email == "second@proseware.example")
        .unwrap()
        .id;
    b.app
        .db
        .write_blocking(|c| portico::b2b::removal::revoke_invitation(c, &tenant.id, "test", &id))
        .unwrap();
    let page = reqwest::get(&revoked).await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("withdrawn"));
    assert_eq!(
        b.guest("second@proseware.example").external_state,
        Some(ExternalState::PendingAcceptance)
    );
}

#[tokio::test]
async fn a_link_redeemed_in_one_browser_cannot_be_completed_again_in_another() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    // A second browser opens the link and starts the home sign-in first.
    let late = b.app.browser();
    let page = late.get(&link).send().await.unwrap().text().await.unwrap();
    let started = late
        .post(&link)
        .form(&[("csrf_token", crate::helpers::hidden(&page, "csrf_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let home_authorize = started.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        home_authorize.starts_with(&b.app.issuer("proseware")),
        "{home_authorize}"
    );
    // Meanwhile the link is redeemed in another browser.
    let (_, first) = b.redeem(&link, GUEST).await;
    assert!(matches!(first, Landing::Page(200, _)));
    // The late browser completes its home sign-in: refused, nothing changes.
    let second = crate::helpers::drive(
        &b.app,
        &late,
        &home_authorize,
        GUEST,
        crate::helpers::PASSWORD,
    )
    .await;
    let Landing::Page(410, page) = second else {
        panic!("{second:?}")
    };
    assert!(page.contains("already"), "{page}");
}

#[tokio::test]
async fn a_removed_guest_loses_tokens_and_sign_in_at_once() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let tokens = b.guest_tokens(GUEST).await.expect("guest signs in");
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens)
        .secret()
        .clone();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens)
        .unwrap()
        .secret()
        .clone();
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Remove).unwrap();
    assert!(!introspect(&b, &access).await);
    assert_eq!(refresh_status(&b, &refresh).await, 400);
    let userinfo = reqwest::Client::new()
        .get(format!("{}/userinfo", b.app.issuer("contoso")))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("no access"), "{page}"),
        other => panic!("a removed guest must be refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_guest_token_of_contoso_is_refused_by_proseware() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let tokens = b.guest_tokens(GUEST).await.unwrap();
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens)
        .secret()
        .clone();
    for (slug, expected) in [("contoso", 200), ("proseware", 401)] {
        let status = reqwest::Client::new()
            .get(format!("{}/userinfo", b.app.issuer(slug)))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, expected, "{slug}");
    }
}

#[tokio::test]
async fn apps_that_require_assignment_refuse_unassigned_guests_and_admit_invited_ones() {
    let b = b2b().await;
    let restricted = b.app.web_app("contoso");
    portico::admin::provision::require_assignment(&b.app.db, "contoso", &restricted.client_id)
        .unwrap();
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;

    let (url, _) = crate::helpers::authorize_url(&b.app, "contoso", &restricted, "openid", &[]);
    let Landing::Away(back) = crate::helpers::drive(
        &b.app,
        &b.app.browser(),
        &url,
        GUEST,
        crate::helpers::PASSWORD,
    )
    .await
    else {
        panic!("expected a redirect")
    };
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );

    // An invitation to the app assigns it on redemption.
    let second = "other@proseware.example";
    let link = b.invite(second, Target::App(restricted.client_id.clone()));
    b.redeem(&link, second).await;
    let (url, _) = crate::helpers::authorize_url(&b.app, "contoso", &restricted, "openid", &[]);
    let Landing::Away(back) = crate::helpers::drive(
        &b.app,
        &b.app.browser(),
        &url,
        second,
        crate::helpers::PASSWORD,
    )
    .await
    else {
        panic!("expected a redirect")
    };
    assert!(query_param(&back, "code").is_some(), "{back}");
}

#[tokio::test]
async fn invitations_to_a_group_add_the_guest_to_it() {
    let b = b2b().await;
    let group =
        portico::admin::provision::create_group(&b.app.db, "contoso", "Launch team").unwrap();
    let link = b.invite(GUEST, Target::Group("Launch team".into()));
    b.redeem(&link, GUEST).await;
    let tenant = b.contoso();
    let guest = b.guest(GUEST);
    let groups = b
        .app
        .db
        .read_blocking(|c| store::groups::groups_of(c, &tenant.id, &guest.id))
        .unwrap();
    assert_eq!(groups, vec![group.id]);
}

#[tokio::test]
async fn members_and_accepted_guests_cannot_be_invited_twice_and_guests_cannot_invite() {
    let b = b2b().await;
    let tenant = b.contoso();
    let issuer = b.app.issuer("contoso");
    let request = |email: &str| InviteRequest {
        email: email.into(),
        target: Target::Tenant,
        redirect_url: None,
        message: None,
    };
    let err = guests::invite_as(
        &b.app.db,
        &tenant,
        &issuer,
        "megan@contoso.example",
        &request("megan@contoso.example"),
        chrono::TimeDelta::days(1),
    )
    .unwrap_err();
    assert!(matches!(err, InviteError::AlreadyMember(_)), "{err:?}");
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let err = guests::invite_as(
        &b.app.db,
        &tenant,
        &issuer,
        "megan@contoso.example",
        &request(GUEST),
        chrono::TimeDelta::days(1),
    )
    .unwrap_err();
    assert!(matches!(err, InviteError::AlreadyGuest(_)), "{err:?}");
    let err = guests::invite_as(
        &b.app.db,
        &tenant,
        &issuer,
        GUEST,
        &request("new@proseware.example"),
        chrono::TimeDelta::days(1),
    )
    .unwrap_err();
    assert!(matches!(err, InviteError::Forbidden), "{err:?}");
    // Re-inviting a still-pending guest replaces the old link.
    let first = b.invite("late@proseware.example", Target::Tenant);
    let second = b.invite("late@proseware.example", Target::Tenant);
    assert_eq!(reqwest::get(&first).await.unwrap().status(), 410);
    assert_eq!(reqwest::get(&second).await.unwrap().status(), 200);
    let users = b
        .app
        .db
        .read_blocking(|c| store::users::list(c, &tenant.id, Some(UserType::Guest)))
        .unwrap();
    assert_eq!(
        users
            .iter()
            .filter(|u| u.email == "late@proseware.example")
            .count(),
        1
    );
}

#[tokio::test]
async fn someone_from_a_known_home_who_is_not_a_guest_is_told_so() {
    let b = b2b().await;
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => {
            assert!(
                page.contains("Proseware Ltd") && page.contains("no access to Contoso Ltd"),
                "{page}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Members still get the password step.
    let (url, _) = crate::helpers::authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
    let landing = crate::helpers::drive(
        &b.app,
        &b.app.browser(),
        &url,
        "megan@contoso.example",
        crate::helpers::PASSWORD,
    )
    .await;
    let Landing::Away(back) = landing else {
        panic!("{landing:?}")
    };
    assert!(query_param(&back, "code").is_some());
}
