//! The JSON admin API: invitations, users, groups, assignments and audit,
//! with bearer tokens of the same tenant, role and permission checks, and
//! problem+json errors.

use portico::domain::{GrantType, Permission};

use crate::helpers::api::{admin_token, call};
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::tokens_for_member;

#[tokio::test]
async fn an_admin_invites_lists_resends_and_removes_guests_through_the_api() {
    let b = b2b().await;
    let token = admin_token(&b.app).await;
    let (status, created, _) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(&token),
        Some(serde_json::json!({"email": GUEST, "message": "hi"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let first_link = created["redeem_url"].as_str().unwrap().to_owned();
    let id = created["invitation_id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "pending");

    let (status, list, _) = call(
        &b.app,
        reqwest::Method::GET,
        "/invitations",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["invitations"][0]["id"], id);

    let (status, resent, _) = call(
        &b.app,
        reqwest::Method::POST,
        &format!("/invitations/{id}/resend"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let second_link = resent["redeem_url"].as_str().unwrap().to_owned();
    assert_ne!(first_link, second_link);
    assert_eq!(
        reqwest::get(&first_link).await.unwrap().status(),
        404,
        "the old link is dead"
    );
    b.mail.wait_for(GUEST, 1).await;

    b.redeem(&second_link, GUEST).await;
    let (status, guests, _) = call(
        &b.app,
        reqwest::Method::GET,
        "/users?type=guest",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let guest = &guests["users"][0];
    assert_eq!(
        (guest["email"].as_str(), guest["external_state"].as_str()),
        (Some(GUEST), Some("accepted"))
    );
    assert!(guest.get("password_hash").is_none());
    let guest_id = guest["id"].as_str().unwrap().to_owned();

    let (status, _, _) = call(
        &b.app,
        reqwest::Method::POST,
        &format!("/users/{guest_id}/block"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = call(
        &b.app,
        reqwest::Method::DELETE,
        &format!("/users/{guest_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body, content_type) = call(
        &b.app,
        reqwest::Method::GET,
        &format!("/users/{guest_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (404, "application/problem+json")
    );
    assert_eq!(body["status"], 404);

    let (status, audit, _) = call(&b.app, reqwest::Method::GET, "/audit", Some(&token), None).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "invitation.created",
        "invitation.resent",
        "invitation.redeemed",
        "user.blocked",
        "user.removed",
    ] {
        assert!(actions.contains(&expected), "{expected} not in {actions:?}");
    }
}

#[tokio::test]
async fn app_tokens_need_the_matching_permission() {
    let b = b2b().await;
    let inviter = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::InvitationsInvite],
    );
    let nothing = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![],
    );
    let inviter_token = b.app.client_token("contoso", &inviter).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let nothing_token = b.app.client_token("contoso", &nothing).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = serde_json::json!({"email": GUEST});
    let (status, body, _) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(&inviter_token),
        Some(invite.clone()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["redeem_url"].as_str().unwrap().contains("/invite/"));
    let (status, body, content_type) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(&nothing_token),
        Some(invite),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (403, "application/problem+json"),
        "{body}"
    );
    let (status, _, _) = call(
        &b.app,
        reqwest::Method::GET,
        "/users",
        Some(&inviter_token),
        None,
    )
    .await;
    assert_eq!(
        status, 403,
        "Invitations.Invite does not read the directory"
    );
}

#[tokio::test]
async fn tokens_of_another_tenant_or_of_third_party_apps_are_refused() {
    let b = b2b().await;
    let proseware_app = b.app.app(
        "proseware",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::UsersReadWrite],
    );
    let foreign = b.app.client_token("proseware", &proseware_app).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body, _) =
        call(&b.app, reqwest::Method::GET, "/users", Some(&foreign), None).await;
    assert_eq!(status, 401, "{body}");

    // Megan is a member; a user token through a third-party app is not enough.
    let third_party =
        tokens_for_member(&b.app, "contoso", &b.web, "megan@contoso.example", "openid").await;
    let token = third_party["access_token"].as_str().unwrap();
    let (status, _, _) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(token),
        Some(serde_json::json!({"email": GUEST})),
    )
    .await;
    assert_eq!(status, 403);

    // Through a first-party app a member may invite, but not administer users.
    let portal = b.app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let member = tokens_for_member(
        &b.app,
        "contoso",
        &portal,
        "megan@contoso.example",
        "openid",
    )
    .await;
    let token = member["access_token"].as_str().unwrap();
    let (status, _, _) = call(
        &b.app,
        reqwest::Method::POST,
        "/invitations",
        Some(token),
        Some(serde_json::json!({"email": GUEST})),
    )
    .await;
    assert_eq!(status, 201);
    // Members read the directory (entries only), but cannot administer it.
    let (status, users, _) = call(&b.app, reqwest::Method::GET, "/users", Some(token), None).await;
    assert_eq!(status, 200);
    let entry = &users["users"][0];
    assert!(
        entry["email"].is_string() && entry.get("status").is_none(),
        "{entry}"
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    let (status, _, _) = call(
        &b.app,
        reqwest::Method::POST,
        &format!("/users/{id}/block"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 403);

    let (status, _, content_type) = call(&b.app, reqwest::Method::GET, "/users", None, None).await;
    assert_eq!(
        (status, content_type.as_str()),
        (401, "application/problem+json")
    );
}

#[tokio::test]
async fn bad_input_gets_problem_json_not_a_500() {
    let b = b2b().await;
    let token = admin_token(&b.app).await;
    let cases = [
        (
            reqwest::Method::POST,
            "/invitations",
            Some(serde_json::json!({"email": "not an email"})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/invitations",
            Some(serde_json::json!({"email": GUEST, "group": "nope"})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/invitations",
            Some(serde_json::json!({"email": "megan@contoso.example"})),
            409,
        ),
        (
            reqwest::Method::POST,
            "/invitations",
            Some(serde_json::json!({"unexpected": 1})),
            400,
        ),
        (
            reqwest::Method::POST,
            "/invitations/unknown/revoke",
            None,
            404,
        ),
        (reqwest::Method::GET, "/users?type=robot", None, 400),
        (reqwest::Method::GET, "/nowhere", None, 404),
        (
            reqwest::Method::POST,
            "/groups",
            Some(serde_json::json!({"name": ""})),
            400,
        ),
    ];
    for (method, path, body, expected) in cases {
        let (status, problem, _) =
            call(&b.app, method.clone(), path, Some(&token), body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {problem}");
    }
}
