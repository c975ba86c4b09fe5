//! The admin portal: sign in through the tenant, invite as a member, manage
//! guests as an administrator, CSRF on every form.

use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, drive, hidden};
use portico::domain::{ExternalState, UserStatus};

fn portal(b: &crate::helpers::b2b::B2b) -> String {
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
        page.contains("<h1>Contoso Ltd</h1>") && page.contains("Invite a guest"),
        "{page}"
    );
    assert!(
        !page.contains("/admin/users"),
        "members do not manage users"
    );
    let users = browser
        .get(format!("{}/users", portal(&b)))
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), 403, "nor may they open the users section");
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
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
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
    assert!(page.contains("1</strong> guest<"), "{page}");
    let page = b.app.text(&browser, &format!("{}/users", portal(&b))).await;
    assert!(page.contains(GUEST), "{page}");
    let policies = b
        .app
        .text(&browser, &format!("{}/policies", portal(&b)))
        .await;
    assert!(
        policies.contains("Who may invite: members"),
        "the policy is summarised"
    );
    let guest = b.guest(GUEST);
    let csrf = hidden(&page, "csrf_token");
    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let reset = browser
        .post(format!(
            "{}/users/{}/reset-redemption",
            portal(&b),
            guest.id
        ))
        .form(&confirmed)
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
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );
    let response = browser
        .post(format!("{}/users/{}/block", portal(&b), guest.id))
        .form(&confirmed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(b.guest(GUEST).status, UserStatus::Blocked);
    let response = browser
        .post(format!("{}/users/{}/remove", portal(&b), guest.id))
        .form(&confirmed)
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
        .post(format!("{}/users/{}/block", portal(&b), guest.id))
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn an_admin_edits_the_policy_and_cross_tenant_access_and_sees_the_redemption_order() {
    let b = b2b().await;
    portico::admin::provision::create_member(
        &b.app.db,
        "contoso",
        "admin@contoso.example",
        "Ada",
        PASSWORD,
        true,
    )
    .unwrap();
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
    assert!(page.contains("/admin/policies"), "{page}");
    let page = b
        .app
        .text(&browser, &format!("{}/identity-providers", portal(&b)))
        .await;
    assert!(
        page.contains("Members sign in here with their passwords."),
        "{page}"
    );
    assert!(
        page.contains("An identity provider this organization configured"),
        "{page}"
    );
    assert!(page.contains("(none configured)"), "{page}");
    let csrf = hidden(&page, "csrf_token");

    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = format!("{}/{path}", portal(&b));
        async move { browser.post(url).form(&form).send().await.unwrap() }
    };
    let policy_form = |domains: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("who_can_invite", "admins".to_owned()),
            ("domain_mode", "denylist".to_owned()),
            ("domains", domains.to_owned()),
            ("guest_visibility", "restricted".to_owned()),
            ("guest_lifetime_days", "30".to_owned()),
        ]
    };
    let response = post("policy", policy_form("Fabrikam.example, evil.example")).await;
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    let tenant = b.contoso();
    let saved = b
        .app
        .db
        .read_blocking(|c| portico::store::policies::get(c, &tenant.id))
        .unwrap();
    assert_eq!(saved.domains, vec!["evil.example", "fabrikam.example"]);
    assert_eq!(saved.guest_lifetime_days, Some(30));
    assert!(!saved.otp_enabled, "an unchecked box turns passcodes off");
    let page = b.app.text(&browser, &back).await;
    assert!(page.contains("Collaboration policy saved."), "{page}");
    assert!(
        page.contains("value=\"evil.example, fabrikam.example\""),
        "{page}"
    );
    let providers = b
        .app
        .text(&browser, &format!("{}/identity-providers", portal(&b)))
        .await;
    assert!(providers.contains("turned off"), "{providers}");

    // Bad input: a clear message, nothing saved.
    let response = post("policy", policy_form("not a domain!")).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("Policy not saved"));

    // Cross-tenant access: block Proseware inbound, named by its tenant slug.
    let proseware = b.app.issuer("proseware");
    let response = post(
        "cross-tenant",
        vec![
            ("csrf_token", csrf.clone()),
            ("inbound_default", "allow".to_owned()),
            ("outbound_default", "allow".to_owned()),
            ("inbound_block", "proseware".to_owned()),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let access = b
        .app
        .db
        .read_blocking(|c| portico::store::cross_tenant::get(c, &tenant.id))
        .unwrap();
    assert!(!access.inbound.allows(&proseware, Some("proseware")));
    assert!(access.outbound.allows(&proseware, Some("proseware")));

    // Every change is audited; without the CSRF token nothing changes.
    let audit = b
        .app
        .db
        .read_blocking(|c| portico::store::audit::list(c, &tenant.id, 20))
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"policy.updated"), "{actions:?}");
    let forged = post(
        "cross-tenant",
        vec![
            ("csrf_token", "forged".to_owned()),
            ("inbound_default", "block".to_owned()),
            ("outbound_default", "block".to_owned()),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);

    // Members cannot change settings.
    let member = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &member,
        &portal(&b),
        "megan@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(!page.contains("Save policy") && !page.contains("/admin/policies"));
    let mut form = policy_form("x.example");
    form[0].1 = hidden(&page, "csrf_token");
    let response = member
        .post(format!("{}/policy", portal(&b)))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Only administrators")
    );
}
