//! Collaboration policy: who may invite, domain allow/deny lists (at
//! invitation and again at redemption), guest access lifetime, and its API.

use diesel::RunQueryDsl;
use portico::admin::guests;
use portico::b2b::invitation::{InviteError, InviteRequest, Target};
use portico::b2b::policy::{DomainMode, Policy, WhoCanInvite};
use portico::domain::{AuditAction, ExternalState, Role};
use portico::domain::{GrantType, Permission};
use portico::store;

use crate::helpers::Landing;
use crate::helpers::b2b::{B2b, GUEST, b2b, introspect, refresh_status};

fn set_policy(b: &B2b, policy: Policy) {
    let tenant = b.contoso();
    let policy = policy.validated().unwrap();
    b.app
        .db
        .write_blocking(|c| store::policies::put(c, &tenant.id, &policy, "test"))
        .unwrap();
}

fn try_invite(b: &B2b, by: &str, email: &str) -> Result<String, InviteError> {
    let request = InviteRequest {
        email: email.into(),
        target: Target::Tenant,
        redirect_url: None,
        message: None,
    };
    guests::invite_as(
        &b.app.db,
        &b.contoso(),
        &b.app.issuer("contoso"),
        by,
        &request,
        chrono::TimeDelta::days(30),
    )
    .map(|i| i.redeem_url)
}

#[tokio::test]
async fn only_the_people_the_policy_names_may_invite() {
    let b = b2b().await;
    portico::admin::provision::create_member(
        &b.app.db,
        "contoso",
        "admin@contoso.example",
        "Ada",
        crate::helpers::PASSWORD,
        true,
    )
    .unwrap();
    set_policy(
        &b,
        Policy {
            who_can_invite: WhoCanInvite::Admins,
            ..Policy::default()
        },
    );
    assert!(matches!(
        try_invite(&b, "megan@contoso.example", GUEST),
        Err(InviteError::Forbidden)
    ));
    assert!(try_invite(&b, "admin@contoso.example", GUEST).is_ok());

    set_policy(
        &b,
        Policy {
            who_can_invite: WhoCanInvite::AdminsAndGuestInviters,
            ..Policy::default()
        },
    );
    assert!(matches!(
        try_invite(&b, "megan@contoso.example", "x@proseware.example"),
        Err(InviteError::Forbidden)
    ));
    let tenant = b.contoso();
    let megan = b
        .app
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, "megan@contoso.example"))
        .unwrap()
        .unwrap();
    b.app
        .db
        .write_blocking(|c| store::users::grant_role(c, &tenant.id, &megan.id, Role::GuestInviter))
        .unwrap();
    assert!(try_invite(&b, "megan@contoso.example", "x@proseware.example").is_ok());

    set_policy(
        &b,
        Policy {
            who_can_invite: WhoCanInvite::Nobody,
            ..Policy::default()
        },
    );
    assert!(matches!(
        try_invite(&b, "admin@contoso.example", "y@proseware.example"),
        Err(InviteError::Forbidden)
    ));
}

#[tokio::test]
async fn denied_domains_are_refused_at_invitation_and_at_redemption() {
    let b = b2b().await;
    let pending = try_invite(&b, "megan@contoso.example", GUEST).unwrap();
    set_policy(
        &b,
        Policy {
            domain_mode: DomainMode::Denylist,
            domains: vec!["proseware.example".into()],
            ..Policy::default()
        },
    );
    assert!(matches!(
        try_invite(&b, "megan@contoso.example", "new@proseware.example"),
        Err(InviteError::DomainNotAllowed(_))
    ));
    assert!(try_invite(&b, "megan@contoso.example", "ann@fabrikam.example").is_ok());

    // The invitation made before the change can no longer be redeemed.
    let (_, landing) = b.redeem(&pending, GUEST).await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(page.contains("no longer accepts"), "{page}");
    assert_eq!(
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );

    // An allowlist works the other way round.
    set_policy(
        &b,
        Policy {
            domain_mode: DomainMode::Allowlist,
            domains: vec!["proseware.example".into()],
            ..Policy::default()
        },
    );
    assert!(matches!(
        try_invite(&b, "megan@contoso.example", "bob@fabrikam.example"),
        Err(InviteError::DomainNotAllowed(_))
    ));
    let (_, landing) = b.redeem(&pending, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
}

#[tokio::test]
async fn an_expired_guest_is_refused_at_sign_in_refresh_and_introspection() {
    let b = b2b().await;
    set_policy(
        &b,
        Policy {
            guest_lifetime_days: Some(7),
            ..Policy::default()
        },
    );
    let link = try_invite(&b, "megan@contoso.example", GUEST).unwrap();
    b.redeem(&link, GUEST).await;
    let guest = b.guest(GUEST);
    let ends = guest
        .access_expires_at
        .expect("lifetime set from the policy");
    assert!(ends > store::now() + chrono::TimeDelta::days(6));

    let tokens = b.guest_tokens(GUEST).await.expect("still valid");
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens)
        .secret()
        .clone();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens)
        .unwrap()
        .secret()
        .clone();
    assert!(introspect(&b, &access).await);

    diesel::sql_query("UPDATE users SET access_expires_at = created_at WHERE user_type = 'guest'")
        .execute(&mut *b.app.db.conn_for_tests())
        .unwrap();
    assert!(!introspect(&b, &access).await);
    assert_eq!(refresh_status(&b, &refresh).await, 400);
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("expired"), "{page}"),
        other => panic!("an expired guest must be refused: {other:?}"),
    }
    // The guest shows as expired, not as active or blocked.
    assert_eq!(b.guest(GUEST).access_state(), "expired");
    let token = crate::helpers::api::admin_token(&b.app).await;
    let (_, users, _) = crate::helpers::api::call(
        &b.app,
        reqwest::Method::GET,
        "/users?type=guest",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(users["users"][0]["access"], "expired", "{users}");
}

#[tokio::test]
async fn the_policy_api_needs_policies_readwrite_and_audits_changes() {
    let b = b2b().await;
    let policies = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::PoliciesReadWrite],
    );
    let users = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::UsersReadWrite],
    );
    let token = b.app.client_token("contoso", &policies).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = b.app.client_token("contoso", &users).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/api/v1/policy", b.app.issuer("contoso"));
    let http = reqwest::Client::new();

    let current: serde_json::Value = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["who_can_invite"], "members");
    assert_eq!(
        http.get(&url)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let mut wanted = current.clone();
    wanted["domain_mode"] = "allowlist".into();
    wanted["domains"] = serde_json::json!(["Proseware.example"]);
    wanted["guest_lifetime_days"] = 90.into();
    let saved = http
        .put(&url)
        .bearer_auth(&token)
        .json(&wanted)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let saved: serde_json::Value = saved.json().await.unwrap();
    assert_eq!(saved["domains"], serde_json::json!(["proseware.example"]));
    assert_eq!(
        http.put(&url)
            .bearer_auth(&other)
            .json(&wanted)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let mut invalid = wanted.clone();
    invalid["domains"] = serde_json::json!([]);
    let refused = http
        .put(&url)
        .bearer_auth(&token)
        .json(&invalid)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );

    let tenant = b.contoso();
    let audit = b
        .app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 50))
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == AuditAction::PolicyUpdated)
            .count(),
        1
    );
}

#[tokio::test]
async fn reset_redemption_keeps_the_object_and_its_access_but_needs_a_new_acceptance() {
    let b = b2b().await;
    let admin = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::UsersReadWrite],
    );
    let token = b.app.client_token("contoso", &admin).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    portico::admin::provision::create_group(&b.app.db, "contoso", "Launch team").unwrap();
    let link = b.invite(GUEST, Target::Group("Launch team".into()));
    b.redeem(&link, GUEST).await;
    let before = b.guest(GUEST);
    let tokens = b.guest_tokens(GUEST).await.unwrap();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens)
        .unwrap()
        .secret()
        .clone();

    let http = reqwest::Client::new();
    let reset: serde_json::Value = http
        .post(format!(
            "{}/api/v1/users/{}/reset-redemption",
            b.app.issuer("contoso"),
            before.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_link = reset["redeem_url"].as_str().unwrap().to_owned();
    let after = b.guest(GUEST);
    assert_eq!(after.id, before.id, "the object id is kept");
    assert_eq!(after.external_state, Some(ExternalState::PendingAcceptance));
    assert!(after.home_issuer.is_none() && after.home_subject.is_none());
    assert_eq!(
        refresh_status(&b, &refresh).await,
        400,
        "old grants are revoked"
    );
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("not accepted"), "{page}"),
        other => panic!("{other:?}"),
    }
    let (_, landing) = b.redeem(&new_link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
    let tenant = b.contoso();
    let groups = b
        .app
        .db
        .read_blocking(|c| store::groups::groups_of(c, &tenant.id, &after.id))
        .unwrap();
    assert_eq!(groups.len(), 1, "group membership is kept");

    // Editing the end of access through the API takes effect at once.
    let patched = http
        .patch(format!(
            "{}/api/v1/users/{}",
            b.app.issuer("contoso"),
            after.id
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"access_expires_at": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert!(matches!(
        b.guest_tokens(GUEST).await,
        Err(Landing::Page(403, _))
    ));
}

/// GETs an admin API path of Contoso with `token`; returns (status, body).
async fn api_get(b: &B2b, token: &str, path: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", b.app.issuer("contoso")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn guests_read_the_directory_only_as_far_as_the_guest_visibility_allows() {
    let b = b2b().await;
    portico::admin::provision::create_group(&b.app.db, "contoso", "Launch team").unwrap();
    portico::admin::provision::create_group(&b.app.db, "contoso", "Board").unwrap();
    let link = b.invite(GUEST, Target::Group("Launch team".into()));
    b.redeem(&link, GUEST).await;
    let portal = b.app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let tokens = b
        .guest_tokens_via(GUEST, &portal, &[b.app.base.as_str()])
        .await
        .expect("guest signs in");
    let token = openidconnect::OAuth2TokenResponse::access_token(&tokens)
        .secret()
        .clone();
    let guest = b.guest(GUEST);
    let megan = b
        .app
        .db
        .read_blocking(|c| store::users::find_by_email(c, &b.contoso().id, "megan@contoso.example"))
        .unwrap()
        .unwrap();
    let ids = |body: &serde_json::Value, key: &str, field: &str| -> Vec<String> {
        body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u[field].as_str().unwrap().to_owned())
            .collect()
    };

    // Limited (the default): own profile and own groups only.
    let (status, body) = api_get(&b, &token, "/users").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body, "users", "id"), vec![guest.id.clone()]);
    assert_eq!(
        api_get(&b, &token, &format!("/users/{}", megan.id)).await.0,
        404
    );
    assert_eq!(
        api_get(&b, &token, &format!("/users/{}", guest.id)).await.0,
        200
    );
    let (status, body) = api_get(&b, &token, "/groups").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body, "groups", "name"), vec!["Launch team".to_owned()]);

    // Restricted: own profile only, no groups.
    set_policy(
        &b,
        Policy {
            guest_visibility: portico::b2b::policy::GuestVisibility::Restricted,
            ..Policy::default()
        },
    );
    assert_eq!(
        ids(&api_get(&b, &token, "/users").await.1, "users", "id"),
        vec![guest.id.clone()]
    );
    assert_eq!(api_get(&b, &token, "/groups").await.0, 403);

    // Same as members: the directory, and every group; still no admin fields.
    set_policy(
        &b,
        Policy {
            guest_visibility: portico::b2b::policy::GuestVisibility::SameAsMembers,
            ..Policy::default()
        },
    );
    let (_, body) = api_get(&b, &token, "/users").await;
    let listed = ids(&body, "users", "id");
    assert!(
        listed.contains(&megan.id) && listed.contains(&guest.id),
        "{body}"
    );
    assert!(body["users"][0].get("status").is_none(), "{body}");
    let (status, _) = api_get(&b, &token, &format!("/users/{}", megan.id)).await;
    assert_eq!(status, 200);
    let (_, body) = api_get(&b, &token, "/groups").await;
    assert_eq!(ids(&body, "groups", "name").len(), 2);

    // Whatever the visibility, a guest cannot administer the directory.
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/users/{}/block",
            b.app.issuer("contoso"),
            megan.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
