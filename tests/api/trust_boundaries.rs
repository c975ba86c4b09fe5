//! Trust boundaries (issue 9): only those who may grant a group or an app may
//! invite into it; resend and re-invite are acts of inviting; a block stands;
//! expiry ends every use; a partner's outbound "no" holds at the token
//! endpoint and at token exchange; invitation redirects stay with the
//! organization; introspection describes a token only to whom it concerns.

use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::{InviteError, Target};
use portico::b2b::policy::{Policy, WhoCanInvite};
use portico::domain::{ExternalState, UserStatus};
use portico::domain::{GrantType, Permission};
use portico::store;

use crate::helpers::api::{admin_token, call};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, TestClient, hidden, jwt_payload, tokens_for_member};

const OUTSIDER: &str = "sam@example.org";

/// A delegated API token for Megan, a plain member, via a first-party app.
async fn member_token(b: &B2b) -> String {
    let portal = b.app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    tokens_for_member(
        &b.app,
        "contoso",
        &portal,
        "megan@contoso.example",
        "openid",
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn set_policy(b: &B2b, policy: Policy) {
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| store::policies::put(c, &tenant.id, &policy, "test"))
        .unwrap();
}

async fn invite_api(b: &B2b, token: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let (status, body, _) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(token),
        Some(body),
    )
    .await;
    (status, body)
}

async fn app_token(b: &B2b, permissions: Vec<Permission>) -> String {
    let app = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        permissions,
    );
    b.app.client_token("contoso", &app).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_member_cannot_invite_into_a_group_or_an_app_on_any_path() {
    let b = b2b().await;
    portico::admin::provision::create_group(&b.app.db, "contoso", "Finance").unwrap();
    let finance_app = b.app.web_app("contoso");
    portico::admin::provision::require_assignment(&b.app.db, "contoso", &finance_app.client_id)
        .unwrap();

    // API: a member may invite to the tenant, not into a group or an app.
    let member = member_token(&b).await;
    for target in [
        serde_json::json!({"email": OUTSIDER, "group": "Finance"}),
        serde_json::json!({"email": OUTSIDER, "app": finance_app.client_id}),
    ] {
        let (status, body) = invite_api(&b, &member, target).await;
        assert_eq!(status, 403, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("administrators"),
            "{body}"
        );
    }
    assert!(
        b.app
            .db
            .read_blocking(|c| store::users::find_by_email(c, &b.contoso().id, OUTSIDER))
            .unwrap()
            .is_none(),
        "a refused invitation leaves nothing behind"
    );
    let (status, body) = invite_api(&b, &member, serde_json::json!({"email": OUTSIDER})).await;
    assert_eq!(status, 201, "{body}");

    // CLI / library path: the same rule for `--by` a member.
    let refused = b.try_invite(
        "megan@contoso.example",
        "x@example.org",
        Target::Group("Finance".into()),
    );
    assert!(
        matches!(refused, Err(InviteError::MayNotGrant)),
        "{refused:?}"
    );

    // An app with only Invitations.Invite may not grant either; with
    // Users.ReadWrite it may.
    let inviter_only = app_token(&b, vec![Permission::InvitationsInvite]).await;
    let (status, body) = invite_api(
        &b,
        &inviter_only,
        serde_json::json!({"email": "y@example.org", "group": "Finance"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let directory = app_token(
        &b,
        vec![Permission::InvitationsInvite, Permission::UsersReadWrite],
    )
    .await;
    let (status, body) = invite_api(
        &b,
        &directory,
        serde_json::json!({"email": "y@example.org", "group": "Finance"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // An administrator may.
    let admin = admin_token(&b.app).await;
    let (status, body) = invite_api(
        &b,
        &admin,
        serde_json::json!({"email": "z@example.org", "app": finance_app.client_id}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Portal: the member is offered no group or app, and a forged form fails.
    let browser = b.app.browser();
    let portal = format!("{}/admin", b.app.issuer("contoso"));
    let invitations = format!("{portal}/invitations");
    let Landing::Page(200, page) = crate::helpers::drive(
        &b.app,
        &browser,
        &invitations,
        "megan@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(page.contains("Invite a guest"), "{page}");
    assert!(!page.contains("group:Finance"), "{page}");
    assert!(!page.contains(&format!("app:{}", finance_app.client_id)));
    let response = browser
        .post(format!("{portal}/invite"))
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("email", "w@example.org"),
            ("target", "group:Finance"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn resend_follows_the_who_may_invite_policy_and_the_grant_rule() {
    let b = b2b().await;
    let member = member_token(&b).await;
    let (status, created) = invite_api(&b, &member, serde_json::json!({"email": OUTSIDER})).await;
    assert_eq!(status, 201, "{created}");
    let id = created["invitation_id"].as_str().unwrap().to_owned();

    set_policy(
        &b,
        Policy {
            who_can_invite: WhoCanInvite::Admins,
            ..Policy::default()
        },
    );
    let (status, body, _) = call(
        &b.app,
        reqwest::Method::POST,
        &format!("/invitations/{id}/resend"),
        Some(&member),
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.get("redeem_url").is_none());

    // The portal's resend button is refused the same way.
    let browser = b.app.browser();
    let portal = format!("{}/admin", b.app.issuer("contoso"));
    let Landing::Page(200, page) =
        crate::helpers::drive(&b.app, &browser, &portal, "megan@contoso.example", PASSWORD).await
    else {
        panic!("portal page expected")
    };
    let response = browser
        .post(format!("{portal}/invitations/{id}/resend"))
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 303, "the resend must not happen");
    assert!(response.status().is_client_error());

    // An administrator's resend works.
    let admin = admin_token(&b.app).await;
    let (status, body, _) = call(
        &b.app,
        reqwest::Method::POST,
        &format!("/invitations/{id}/resend"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_block_on_a_pending_guest_stands_until_an_administrator_lifts_it() {
    let b = b2b().await;
    b.invite(OUTSIDER, Target::Tenant);
    guests::act_on_guest(
        &b.app.db,
        &b.contoso(),
        "test",
        OUTSIDER,
        GuestAction::Block,
    )
    .unwrap();

    // A member's re-invite is refused with a clear error, on the API too.
    let again = b.try_invite("megan@contoso.example", OUTSIDER, Target::Tenant);
    assert!(matches!(again, Err(InviteError::Blocked(_))), "{again:?}");
    let member = member_token(&b).await;
    let (status, body) = invite_api(&b, &member, serde_json::json!({"email": OUTSIDER})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("blocked"),
        "{body}"
    );
    assert_eq!(b.guest(OUTSIDER).status, UserStatus::Blocked);

    // The old link cannot be redeemed while blocked, nor resent.
    let invitations = call(
        &b.app,
        reqwest::Method::GET,
        "/invitations",
        Some(&admin_token(&b.app).await),
        None,
    )
    .await
    .1;
    let id = invitations["invitations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resent = b.app.db.write_blocking(|c| {
        let tenant = b.contoso();
        let inviter = guests::inviter_by_email(c, &tenant, "admin@contoso.example")?;
        portico::b2b::invitation::resend(
            c,
            &tenant,
            &b.app.issuer("contoso"),
            &inviter,
            &id,
            chrono::TimeDelta::days(30),
        )
    });
    assert!(matches!(resent, Err(InviteError::Blocked(_))), "{resent:?}");
    assert_eq!(b.guest(OUTSIDER).status, UserStatus::Blocked);

    // Unblocked by an administrator: inviting works again.
    guests::act_on_guest(
        &b.app.db,
        &b.contoso(),
        "test",
        OUTSIDER,
        GuestAction::Unblock,
    )
    .unwrap();
    let (status, body) = invite_api(&b, &member, serde_json::json!({"email": OUTSIDER})).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_blocked_pending_guest_cannot_redeem_an_outstanding_link() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    let (_, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(page.contains("blocked"), "{page}");
    assert_eq!(
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );
}

#[tokio::test]
async fn an_expired_guest_loses_my_apps_the_portal_and_inviting() {
    let b = b2b().await;
    set_policy(
        &b,
        Policy {
            who_can_invite: WhoCanInvite::Everyone,
            ..Policy::default()
        },
    );
    let link = b.invite(GUEST, Target::Tenant);
    let (browser, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
    let my_apps = format!("{}/myapps", b.app.issuer("contoso"));
    let portal = format!("{}/admin", b.app.issuer("contoso"));
    assert_eq!(browser.get(&my_apps).send().await.unwrap().status(), 200);
    let response = browser.get(&portal).send().await.unwrap();
    assert_eq!(response.status(), 200, "the guest may use the portal");

    let (tenant, guest) = (b.contoso(), b.guest(GUEST));
    b.app
        .db
        .write_blocking(|c| {
            store::users::set_access_expiry(
                c,
                &tenant.id,
                &guest.id,
                Some(store::now() - chrono::TimeDelta::minutes(1)),
            )
        })
        .unwrap();
    assert_eq!(browser.get(&my_apps).send().await.unwrap().status(), 401);
    let response = browser.get(&portal).send().await.unwrap();
    assert!(
        response.status().is_redirection(),
        "the portal sends the expired guest to sign in"
    );
    let refused = b.try_invite(GUEST, "friend@example.org", Target::Tenant);
    assert!(
        matches!(refused, Err(InviteError::Forbidden)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_homes_outbound_block_holds_for_resource_tokens_and_token_exchange() {
    use crate::token_exchange::{exchange_typed, exchanging_app, home_tokens};
    const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let cli_app = exchanging_app(&b);
    let dev_at_home = b.app.web_app("proseware");
    let contoso = b.app.issuer("contoso");
    // Obtained while Proseware still allowed its users into Contoso.
    let earlier = home_tokens(&b, &dev_at_home, &[("resource", contoso.as_str())]).await;
    let earlier = earlier["access_token"].as_str().unwrap().to_owned();
    assert_eq!(jwt_payload(&earlier)["aud"], contoso);

    crate::cross_tenant::set(
        &b,
        "proseware",
        crate::cross_tenant::blocking(contoso.clone(), false),
    );
    // The home no longer issues tokens for Contoso...
    let refused = home_tokens(&b, &dev_at_home, &[("resource", contoso.as_str())]).await;
    assert_eq!(refused["error"], "invalid_target", "{refused}");
    // ...and Contoso no longer exchanges one issued before the block.
    let (status, body) = exchange_typed(&b, &cli_app, &earlier, ACCESS_TOKEN).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // A partner named by slug is blocked the same way.
    crate::cross_tenant::set(
        &b,
        "proseware",
        crate::cross_tenant::blocking("contoso".into(), false),
    );
    let (status, _) = exchange_typed(&b, &cli_app, &earlier, ACCESS_TOKEN).await;
    assert_eq!(status, 400);
    // Lifted: both work again.
    crate::cross_tenant::set(&b, "proseware", Default::default());
    let (status, body) = exchange_typed(&b, &cli_app, &earlier, ACCESS_TOKEN).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_guests_refresh_token_stops_when_either_organization_says_no() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let tokens = b.guest_tokens(GUEST).await.unwrap();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens)
        .unwrap()
        .secret()
        .clone();
    crate::cross_tenant::set(
        &b,
        "proseware",
        crate::cross_tenant::blocking(b.app.issuer("contoso"), false),
    );
    assert_eq!(crate::helpers::b2b::refresh_status(&b, &refresh).await, 400);
}

#[tokio::test]
async fn invitation_redirects_stay_with_the_organization() {
    let b = b2b().await;
    let admin = admin_token(&b.app).await;
    for evil in [
        "https://evil.example/phish",
        "http://127.0.0.1:9@evil.example/",
        "https://127.0.0.1.evil.example/",
    ] {
        let (status, body) = invite_api(
            &b,
            &admin,
            serde_json::json!({"email": OUTSIDER, "redirect_url": evil}),
        )
        .await;
        assert_eq!(status, 400, "{evil}: {body}");
        assert!(body["detail"].as_str().unwrap().contains("redirect URL"));
    }
    // Another tenant on the same server is not this organization's page.
    let (status, _) = invite_api(
        &b,
        &admin,
        serde_json::json!({"email": OUTSIDER, "redirect_url": format!("{}/myapps", b.app.issuer("proseware"))}),
    )
    .await;
    assert_eq!(status, 400);

    // An app's address (the origin of a registered redirect URI) is fine.
    let app_page = "http://127.0.0.1:9/welcome";
    let (status, body) = invite_api(
        &b,
        &admin,
        serde_json::json!({"email": GUEST, "redirect_url": app_page}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let link = body["redeem_url"].as_str().unwrap().to_owned();
    let (_, landing) = b.redeem(&link, GUEST).await;
    match landing {
        Landing::Away(to) => assert_eq!(to, app_page),
        other => panic!("{other:?}"),
    }

    // The organization's own pages are fine too.
    let own = format!("{}/myapps", b.app.issuer("contoso"));
    let (status, body) = invite_api(
        &b,
        &admin,
        serde_json::json!({"email": "other@proseware.example", "redirect_url": own}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn introspect(b: &B2b, client: &TestClient, token: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/introspect", b.app.issuer("contoso")))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn introspection_describes_a_token_only_to_its_client_or_a_resource_server() {
    let b = b2b().await;
    let tokens = tokens_for_member(
        &b.app,
        "contoso",
        &b.web,
        "megan@contoso.example",
        "openid email offline_access",
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let own = introspect(&b, &b.web, access).await;
    assert_eq!(own["active"], true, "{own}");
    assert_eq!(own["sub"], jwt_payload(access)["sub"]);

    let stranger = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![],
    );
    let seen = introspect(&b, &stranger, access).await;
    assert_eq!(seen, serde_json::json!({"active": false}));
    assert_eq!(
        introspect(&b, &stranger, refresh).await,
        serde_json::json!({"active": false})
    );

    let resource_server = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::TokensIntrospect],
    );
    let seen = introspect(&b, &resource_server, access).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["client_id"], b.web.client_id);
}
