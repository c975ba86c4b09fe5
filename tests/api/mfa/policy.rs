//! Who must use a second factor: the tenant's policy per role (admins,
//! members, guests), apps that require it, and `prompt=none`.

use portico::b2b::invitation::Target;
use portico::domain::MfaRequired;

use super::{ALICE, back_with_code, fixture, page};
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, authorize_url, drive};

const ADA: &str = "ada@contoso.example";

fn asks_to_enrol(landing: &Landing) -> bool {
    matches!(landing, Landing::Page(200, page) if page.contains("Set up two-step verification"))
}

#[tokio::test]
async fn the_policy_names_administrators_or_members() {
    let f = fixture().await;
    portico::admin::provision::create_member(&f.app.db, "contoso", ADA, "Ada", PASSWORD, true)
        .unwrap();
    let sign_in = async |email| f.start(&f.app.browser(), email, &[]).await;
    assert!(back_with_code(&sign_in(ALICE).await), "nobody by default");
    f.policy(MfaRequired::Admins);
    assert!(back_with_code(&sign_in(ALICE).await));
    assert!(asks_to_enrol(&sign_in(ADA).await), "administrators");
    f.policy(MfaRequired::Members);
    assert!(asks_to_enrol(&sign_in(ALICE).await), "members");
    f.policy(MfaRequired::Nobody);
    assert!(back_with_code(&sign_in(ALICE).await));
}

#[tokio::test]
async fn the_policy_names_guests_who_enrol_at_the_resource_tenant() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let tenant = b.contoso();
    let policy = |required| {
        b.app
            .db
            .write_blocking(|c| portico::store::auth_policy::put(c, &tenant.id, required, "test"))
            .unwrap()
    };
    let sign_in = async |email| {
        let (url, _) = authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
        drive(&b.app, &b.app.browser(), &url, email, PASSWORD).await
    };
    policy(MfaRequired::Guests);
    assert!(asks_to_enrol(&sign_in(GUEST).await), "guests");
    assert!(back_with_code(&sign_in("megan@contoso.example").await));
    policy(MfaRequired::Members);
    assert!(
        back_with_code(&sign_in(GUEST).await),
        "members are not guests"
    );
    assert!(asks_to_enrol(&sign_in("megan@contoso.example").await));
}

#[tokio::test]
async fn an_app_that_requires_a_second_factor_asks_for_it_even_when_the_tenant_does_not() {
    let f = fixture().await;
    let other = f.app.app(
        "contoso",
        false,
        true,
        vec![portico::domain::GrantType::AuthorizationCode],
        vec![],
    );
    f.require_mfa(&f.client.client_id);
    let browser = f.app.browser();
    let enrolled = f
        .enrol(&browser, &page(f.start(&browser, ALICE, &[]).await))
        .await;
    assert!(back_with_code(&f.carry_on(&browser, &enrolled.next).await));
    // An app that does not require it asks too, now that Alice has a factor.
    let (url, _) = authorize_url(&f.app, "contoso", &other, "openid", &[]);
    let landing = drive(&f.app, &f.app.browser(), &url, ALICE, PASSWORD).await;
    assert!(matches!(&landing, Landing::Page(200, p) if p.contains("Verify it's you")));
}

#[tokio::test]
async fn prompt_none_cannot_step_up_and_says_so() {
    let f = fixture().await;
    let browser = f.app.browser();
    assert!(back_with_code(&f.start(&browser, ALICE, &[]).await));
    f.require_mfa(&f.client.client_id);
    let silent = f.start(&browser, ALICE, &[("prompt", "none")]).await;
    let Landing::Away(url) = &silent else {
        panic!("{silent:?}")
    };
    assert!(
        url.contains("error=unmet_authentication_requirements"),
        "{url}"
    );
    assert!(url.contains("state=st-1"), "{url}");
    // Interactively, the same session goes on to enrol (it is recent).
    assert!(asks_to_enrol(&f.start(&browser, ALICE, &[]).await));
}

#[tokio::test]
async fn requiring_mfa_of_administrators_steps_up_their_open_portal_session() {
    let f = fixture().await;
    portico::admin::provision::create_member(&f.app.db, "contoso", ADA, "Ada", PASSWORD, true)
        .unwrap();
    let browser = f.app.browser();
    let portal = format!("{}/admin", f.app.issuer("contoso"));
    let before = page(drive(&f.app, &browser, &portal, ADA, PASSWORD).await);
    assert!(before.contains("<h1>Contoso"), "{before}");
    f.policy(MfaRequired::Admins);
    let response = browser.get(&portal).send().await.unwrap();
    let sign_in = super::location(&response);
    assert!(sign_in.contains("/authorize?"), "{sign_in}");
    // The session is recent: straight to enrolment, no password again.
    let landing = drive(&f.app, &browser, &sign_in, ADA, "not-asked").await;
    assert!(asks_to_enrol(&landing), "{landing:?}");
}
