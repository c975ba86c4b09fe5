//! The console's invitations: filters (status, what they give access to,
//! part of the email) read from the database a page at a time; revoking asks
//! first; members see and manage only their own.

use super::overview::{assert_explained, console_as, is_console_time, paging_link, rows};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::hidden;
use portico::b2b::invitation::Target;
use portico::domain::InvitationStatus;
use portico::store;

fn section(b: &B2b) -> String {
    format!("{}/admin/invitations", b.app.issuer("contoso"))
}

/// The emails listed, in order.
fn emails(page: &str) -> Vec<String> {
    rows(page, "invitations")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn invitation(b: &B2b, email: &str) -> store::invitations::Invitation {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::invitations::list(c, &tenant.id))
        .unwrap()
        .into_iter()
        .find(|i| i.email == email)
        .expect("invitation exists")
}

fn revoke(b: &B2b, email: &str) {
    let (tenant, id) = (b.contoso(), invitation(b, email).id);
    b.app
        .db
        .write_blocking(|c| portico::b2b::removal::revoke_invitation(c, &tenant.id, "cli", &id))
        .unwrap();
}

#[tokio::test]
async fn filters_show_the_right_invitations_with_their_target_and_inviter() {
    let b = b2b().await;
    let admin = b.administrator();
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| store::groups::create(c, &tenant.id, "Finance"))
        .unwrap();
    b.invite(GUEST, Target::Tenant);
    b.invite("ann@fabrikam.example", Target::Group("Finance".into()));
    b.invite("bob@fabrikam.example", Target::Tenant);
    revoke(&b, "bob@fabrikam.example");

    let (browser, _) = console_as(&b, admin).await;
    let page = b.app.text(&browser, &section(&b)).await;
    assert_eq!(
        emails(&page),
        ["bob@fabrikam.example", "ann@fabrikam.example", GUEST],
        "newest first"
    );
    let ann = &rows(&page, "invitations")[1];
    assert_eq!(ann[1..4], ["Group: Finance", "Pending", "Olga Owner"]);
    assert!(
        is_console_time(&ann[4]) && is_console_time(&ann[5]),
        "{ann:?}"
    );

    let filtered = |query: &'static str| {
        let (b, browser) = (&b, &browser);
        async move {
            emails(
                &b.app
                    .text(browser, &format!("{}?{query}", section(b)))
                    .await,
            )
        }
    };
    assert_eq!(
        filtered("status=pending").await,
        ["ann@fabrikam.example", GUEST]
    );
    assert_eq!(filtered("status=revoked").await, ["bob@fabrikam.example"]);
    assert!(filtered("status=accepted").await.is_empty());
    assert_eq!(filtered("kind=group").await, ["ann@fabrikam.example"]);
    assert_eq!(filtered("kind=tenant&status=pending").await, [GUEST]);
    assert_eq!(filtered("email=FABRIKAM").await.len(), 2, "any case");
    assert_eq!(
        filtered("email=%25").await.len(),
        0,
        "a typed % is no wildcard"
    );

    // The chosen filters stay chosen.
    let page = b
        .app
        .text(
            &browser,
            &format!("{}?status=revoked&email=bob", section(&b)),
        )
        .await;
    assert!(
        page.contains(r#"<option value="revoked" selected>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"name="email" type="search" value="bob""#),
        "{page}"
    );
}

#[tokio::test]
async fn unreadable_filters_are_explained_on_the_page() {
    let b = b2b().await;
    let (browser, _) = console_as(&b, b.administrator()).await;
    for (query, says) in [
        ("status=redeemed", "There is no such status"),
        ("kind=tenant:x", "There is no such kind of access"),
        ("page=0", "There is no such page"),
        ("page=99999999999999999999", "There is no such page"),
    ] {
        assert_explained(&browser, &format!("{}?{query}", section(&b)), says).await;
    }
}

#[tokio::test]
async fn the_list_is_paged_and_its_links_keep_the_filters() {
    let b = b2b().await;
    for n in 0..27 {
        b.invite(&format!("guest{n:02}@fabrikam.example"), Target::Tenant);
    }
    b.invite(GUEST, Target::Tenant);
    let (browser, _) = console_as(&b, b.administrator()).await;
    let first = b
        .app
        .text(&browser, &format!("{}?email=fabrikam", section(&b)))
        .await;
    let listed = emails(&first);
    assert_eq!(listed.len(), 25);
    assert_eq!(listed[0], "guest26@fabrikam.example");
    let older = paging_link(&first, "next").expect("a link to older invitations");
    assert!(
        older.contains("email=fabrikam") && older.contains("page=2"),
        "{older}"
    );
    let second = b.app.text(&browser, &older).await;
    assert_eq!(
        emails(&second),
        ["guest01@fabrikam.example", "guest00@fabrikam.example"]
    );
    assert!(!second.contains("rel=\"next\"") && second.contains("rel=\"prev\""));
}

#[tokio::test]
async fn revoking_asks_first_and_a_post_without_confirming_changes_nothing() {
    let b = b2b().await;
    b.invite(GUEST, Target::Tenant);
    let (browser, _) = console_as(&b, b.administrator()).await;
    let page = b.app.text(&browser, &section(&b)).await;
    let id = invitation(&b, GUEST).id;
    let revoke = format!("{}/{id}/revoke", section(&b));
    let csrf = hidden(&page, "csrf_token");

    let asked = browser
        .post(&revoke)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains(&format!("Revoke the invitation of {GUEST}?")),
        "{asked}"
    );
    assert!(asked.contains("name=\"confirm\" value=\"yes\""), "{asked}");
    assert_eq!(invitation(&b, GUEST).status, InvitationStatus::Pending);

    let done = browser
        .post(&revoke)
        .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert!(
        done.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("?notice=revoked")
    );
    assert_eq!(invitation(&b, GUEST).status, InvitationStatus::Revoked);
}

#[tokio::test]
async fn a_member_sees_and_manages_only_their_own_invitations() {
    let b = b2b().await;
    let admin = b.administrator();
    b.invite(GUEST, Target::Tenant);
    b.try_invite(admin, "ann@fabrikam.example", Target::Tenant)
        .unwrap();
    let (browser, _) = console_as(&b, "megan@contoso.example").await;
    let page = b.app.text(&browser, &section(&b)).await;
    assert_eq!(emails(&page), [GUEST]);
    assert!(
        emails(
            &b.app
                .text(&browser, &format!("{}?email=ann", section(&b)))
                .await
        )
        .is_empty()
    );
    assert!(
        emails(
            &b.app
                .text(&browser, &format!("{}?status=pending", section(&b)))
                .await
        ) == [GUEST]
    );

    // Another's invitation reads as not found, on every action.
    let csrf = hidden(&page, "csrf_token");
    let before = invitation(&b, "ann@fabrikam.example");
    let theirs = before.id.clone();
    for (action, confirm) in [("resend", ""), ("revoke", ""), ("revoke", "yes")] {
        let response = browser
            .post(format!("{}/{theirs}/{action}", section(&b)))
            .form(&[("csrf_token", csrf.as_str()), ("confirm", confirm)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{action} {confirm}");
    }
    let ann = invitation(&b, "ann@fabrikam.example");
    assert_eq!(ann.status, InvitationStatus::Pending);
    assert_eq!(ann.token_hash, before.token_hash, "not resent either");

    // Their own they revoke, after confirming.
    let own = invitation(&b, GUEST).id;
    let response = browser
        .post(format!("{}/{own}/revoke", section(&b)))
        .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(invitation(&b, GUEST).status, InvitationStatus::Revoked);

    // The administrators' sections are closed to them.
    for path in ["audit", "users", "policies", "identity-providers"] {
        let url = format!("{}/admin/{path}", b.app.issuer("contoso"));
        let response = browser.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("No access") && page.contains("/admin\""),
            "{path}: {page}"
        );
    }
}
