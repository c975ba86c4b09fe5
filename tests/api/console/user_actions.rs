//! A user's page in the console and its buttons: what it shows, ending
//! sessions and resetting factors, blocking only after a confirmation;
//! administrators only.

use portico::b2b::invitation::Target;
use portico::domain::{AuditAction, UserStatus};
use portico::store;

use super::users::{actor_of, admin_on, console, events, listed, live_sessions, post, user};
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, drive, hidden};

#[tokio::test]
async fn a_users_page_shows_their_groups_apps_sessions_factors_and_trail() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let guest = user(&b, GUEST).unwrap();
    let tenant = b.contoso();
    let client_id = b.web.client_id.clone();
    let (gid, tid) = (guest.id.clone(), tenant.id.clone());
    b.app
        .db
        .write_blocking(move |c| {
            let group = store::groups::create(c, &tid, "Launch team")?;
            store::groups::add_member(c, &tid, &group.id, &gid)?;
            let app = store::apps::find(c, &tid, &client_id)?.unwrap();
            store::groups::assign_app(c, &tid, &app.id, "group", &group.id)?;
            let totp = store::factors::begin_totp(c, &tid, &gid, |_| "sealed".into())?.unwrap();
            store::factors::accept_totp_step(c, &tid, &totp.id, 1)?;
            Ok::<_, store::StoreError>(())
        })
        .unwrap();
    let (browser, page) = admin_on(&b, &format!("/users/{}", guest.id)).await;
    for shown in [
        "<h1>gio@proseware.example</h1>",
        "Guest",
        "Active",
        "Launch team",
        "Test App",
        "End all sessions",
        "Authenticator app",
        "Invitation redeemed",
        "megan@contoso.example",
    ] {
        assert!(page.contains(shown), "{shown} on {page}");
    }
    assert_eq!(live_sessions(&b, &guest.id), 1);
    let csrf = hidden(&page, "csrf_token");
    let actions = format!("{}/users/{}", console(&b), guest.id);

    // Ending the sessions asks first, then goes through admin::logout.
    let (status, _, asked) = post(
        &browser,
        format!("{actions}/end-sessions"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        asked.contains("End all sessions of gio@proseware.example?"),
        "{asked}"
    );
    assert_eq!(
        live_sessions(&b, &guest.id),
        1,
        "nothing ended before confirming"
    );
    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let (status, location, _) = post(&browser, format!("{actions}/end-sessions"), &confirmed).await;
    assert_eq!(
        (status, location.ends_with("?notice=sessions_ended")),
        (303, true)
    );
    assert_eq!(live_sessions(&b, &guest.id), 0);
    let admin = actor_of(&b, b.administrator());
    let ended = events(&b, AuditAction::SessionsRevoked);
    assert_eq!((ended.len(), ended[0].actor.as_str()), (1, admin.as_str()));

    // So does resetting the second factors (admin::mfa).
    let (status, _, asked) = post(
        &browser,
        format!("{actions}/reset-factors"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert!(
        status == 200 && asked.contains("Reset the second factors"),
        "{asked}"
    );
    let (status, _, _) = post(&browser, format!("{actions}/reset-factors"), &confirmed).await;
    assert_eq!(status, 303);
    let (tid, gid) = (tenant.id.clone(), guest.id.clone());
    let totp = b
        .app
        .db
        .read_blocking(move |c| store::factors::totp(c, &tid, &gid))
        .unwrap();
    assert!(totp.is_none());
    assert_eq!(events(&b, AuditAction::FactorsReset)[0].actor, admin);
    let page = b.app.text(&browser, &actions).await;
    assert!(
        page.contains("User sessions revoked") && page.contains("No live sessions"),
        "{page}"
    );
    let reset = "<td>MFA reset</td><td>owner@contoso.example</td><td>gio@proseware.example</td>";
    assert!(
        page.contains(reset),
        "the trail names people, not ids: {page}"
    );
}

#[tokio::test]
async fn blocking_asks_first_then_blocks_and_ends_the_sessions() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let guest = user(&b, GUEST).unwrap();
    let (browser, page) = admin_on(&b, "/users").await;
    let csrf = hidden(&page, "csrf_token");
    let block = format!("{}/users/{}/block", console(&b), guest.id);

    let forged = post(
        &browser,
        block.clone(),
        &[("csrf_token", "forged"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(forged.0, 403);
    let (status, _, asked) = post(&browser, block.clone(), &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(
        asked.contains("Block gio@proseware.example?")
            && asked.contains("name=\"confirm\" value=\"yes\""),
        "{asked}"
    );
    assert_eq!(user(&b, GUEST).unwrap().status, UserStatus::Active);
    assert_eq!(
        live_sessions(&b, &guest.id),
        1,
        "an unconfirmed block changes nothing"
    );

    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let (status, location, _) = post(&browser, block, &confirmed).await;
    assert_eq!(
        (status, location.ends_with("?notice=user_blocked")),
        (303, true)
    );
    assert_eq!(user(&b, GUEST).unwrap().status, UserStatus::Blocked);
    assert_eq!(live_sessions(&b, &guest.id), 0);
    assert_eq!(
        events(&b, AuditAction::UserBlocked)[0].actor,
        actor_of(&b, b.administrator())
    );
    let page = b
        .app
        .text(&browser, &format!("{}/users?state=blocked", console(&b)))
        .await;
    assert_eq!(listed(&page), [GUEST]);

    let unblock = format!("{}/users/{}/unblock", console(&b), guest.id);
    let (status, _, _) = post(&browser, unblock, &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 303, "unblocking needs no confirmation");
    assert_eq!(user(&b, GUEST).unwrap().status, UserStatus::Active);

    // As on the API, an administrator cannot block or remove themselves.
    let me = user(&b, b.administrator()).unwrap();
    let mine = format!("{}/users/{}/remove", console(&b), me.id);
    let (status, _, refused) = post(&browser, mine, &confirmed).await;
    assert!(
        status == 400 && refused.contains("cannot block or remove yourself"),
        "{refused}"
    );
    // A member can be blocked like a guest (the API allows it too).
    let megan = user(&b, "megan@contoso.example").unwrap();
    let theirs = format!("{}/users/{}/block", console(&b), megan.id);
    assert_eq!(post(&browser, theirs, &confirmed).await.0, 303);
    assert_eq!(
        user(&b, "megan@contoso.example").unwrap().status,
        UserStatus::Blocked
    );
}

#[tokio::test]
async fn members_who_are_not_administrators_get_403_on_every_users_and_groups_page() {
    let b = b2b().await;
    b.administrator();
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let guest = user(&b, GUEST).unwrap();
    let tenant = b.contoso();
    let group = b
        .app
        .db
        .write_blocking(|c| {
            let group = store::groups::create(c, &tenant.id, "Launch team")?;
            store::groups::add_member(c, &tenant.id, &group.id, &guest.id)?;
            Ok::<_, store::StoreError>(group)
        })
        .unwrap();
    let browser = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &console(&b),
        "megan@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("the overview expected")
    };
    let csrf = hidden(&page, "csrf_token");
    let base = console(&b);
    for path in [
        "/users".to_owned(),
        format!("/users/{}", guest.id),
        "/groups".to_owned(),
        format!("/groups/{}", group.id),
    ] {
        let status = browser
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "GET {path}");
    }
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("confirm", "yes"),
        ("email", "new@contoso.example"),
        ("name", "Renamed"),
        ("password", PASSWORD),
    ];
    for path in [
        "/users".to_owned(),
        format!("/users/{}/block", guest.id),
        format!("/users/{}/remove", guest.id),
        format!("/users/{}/end-sessions", guest.id),
        format!("/users/{}/reset-factors", guest.id),
        format!("/users/{}/reset-redemption", guest.id),
        "/groups".to_owned(),
        format!("/groups/{}/rename", group.id),
        format!("/groups/{}/members", group.id),
        format!("/groups/{}/members/{}/remove", group.id, guest.id),
    ] {
        let (status, _, _) = post(&browser, format!("{base}{path}"), &fields).await;
        assert_eq!(status, 403, "POST {path}");
    }
    let after = user(&b, GUEST).unwrap();
    assert_eq!(after.status, UserStatus::Active);
    assert_eq!(live_sessions(&b, &after.id), 1);
    let names: Vec<String> = b
        .app
        .db
        .read_blocking(|c| store::groups::list(c, &tenant.id))
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, ["Launch team"]);
    assert!(user(&b, "new@contoso.example").is_none());
}
