//! The console's Policies page: its forms grouped and explained, and the
//! redemption order that says which guest signs in where; members and
//! forged forms change nothing.

use portico::b2b::home::REDEMPTION_ORDER;
use portico::store;

use super::providers::{MEMBER, console, open_as, post, set_upstream, stored_provider};
use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::hidden;

/// The start of each step of the redemption order (before any apostrophe,
/// which the page escapes).
fn steps() -> Vec<&'static str> {
    REDEMPTION_ORDER
        .iter()
        .map(|step| step.split('\'').next().unwrap())
        .collect()
}

fn policy(b: &B2b) -> portico::b2b::policy::Policy {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::policies::get(c, &tenant.id))
        .unwrap()
}

#[tokio::test]
async fn the_policies_page_shows_the_redemption_order_and_who_signs_in_where() {
    let b = b2b().await;
    stored_provider(
        &b,
        "Fabrikam sign-in",
        "https://login.fabrikam.example",
        "fabrikam.example",
    );
    let (browser, page) = open_as(&b, b.administrator(), "/policies").await;
    assert!(page.contains("Who signs in where</h2>"), "{page}");
    assert!(page.contains("Members sign in here with their passwords."));
    let at: Vec<usize> = steps()
        .iter()
        .map(|step| page.find(step).unwrap_or_else(|| panic!("{step}: {page}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "in order: {at:?}");
    assert!(
        page.contains(
            "Fabrikam sign-in (<code>https://login.fabrikam.example</code>) for fabrikam.example"
        ),
        "step 2 names the provider and its domains: {page}"
    );
    let passcodes = if policy(&b).otp_enabled {
        "allowed"
    } else {
        "turned off"
    };
    assert!(page.contains(&format!(": {passcodes}.")), "{page}");
    // Grouped, explained fields.
    for legend in [
        "Inviting guests",
        "Second factor",
        "Inbound: their users as guests here",
    ] {
        assert!(
            page.contains(&format!("<legend>{legend}</legend>")),
            "{legend}"
        );
    }
    assert!(page.contains("aria-describedby=\"who_can_invite_help\""));

    // Once members sign in at an upstream, the page says so.
    let csrf = hidden(&page, "csrf_token");
    set_upstream(&b, &browser, &csrf, None).await;
    let page = b.app.text(&browser, &console(&b, "/policies")).await;
    assert!(
        page.contains(
            "Members sign in at the upstream identity provider <strong>Corporate sign-in"
        ),
        "{page}"
    );
}

#[tokio::test]
async fn members_and_forged_forms_change_no_policy() {
    let b = b2b().await;
    let before = policy(&b);
    let (member, page) = open_as(&b, MEMBER, "").await;
    let member_csrf = hidden(&page, "csrf_token");
    let response = member.get(console(&b, "/policies")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let form = |csrf: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("who_can_invite", "everyone".to_owned()),
            ("domain_mode", "none".to_owned()),
            ("guest_visibility", "same_as_members".to_owned()),
            ("otp_enabled", "on".to_owned()),
            ("mfa_required", "everyone".to_owned()),
            ("inbound_default", "block".to_owned()),
            ("outbound_default", "block".to_owned()),
            ("email", MEMBER.to_owned()),
        ]
    };
    let (admin, _) = open_as(&b, b.administrator(), "/policies").await;
    for path in ["/policy", "/auth-policy", "/cross-tenant", "/mfa-reset"] {
        let (status, _, _) = post(&member, &console(&b, path), &form(&member_csrf)).await;
        assert_eq!(status, 403, "member: {path}");
        let (status, _, _) = post(&admin, &console(&b, path), &form("forged")).await;
        assert_eq!(status, 403, "forged: {path}");
    }
    assert_eq!(policy(&b), before);
    let tenant = b.contoso();
    let access = b
        .app
        .db
        .read_blocking(|c| store::cross_tenant::get(c, &tenant.id))
        .unwrap();
    assert!(access.inbound.allows("https://elsewhere.example", None));
}
