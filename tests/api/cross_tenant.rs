//! Cross-tenant access: inbound blocks at the resource (redemption, sign-in),
//! outbound blocks at the home, and the settings API.

use portico::b2b::cross_tenant::{Access, CrossTenantAccess};
use portico::b2b::invitation::Target;
use portico::domain::ExternalState;
use portico::domain::{GrantType, Permission};
use portico::store;

use crate::helpers::Landing;
use crate::helpers::b2b::{B2b, GUEST, b2b};

pub fn set(b: &B2b, slug: &str, settings: CrossTenantAccess) {
    let tenant = portico::admin::provision::tenant(&b.app.db, slug).unwrap();
    b.app
        .db
        .write_blocking(|c| store::cross_tenant::put(c, &tenant.id, &settings))
        .unwrap();
}

pub fn blocking(issuer: String, inbound: bool) -> CrossTenantAccess {
    let mut s = CrossTenantAccess::default();
    let d = if inbound {
        &mut s.inbound
    } else {
        &mut s.outbound
    };
    d.partners.insert(issuer, Access::Block);
    s
}

#[tokio::test]
async fn an_inbound_block_refuses_redemption_and_later_sign_ins() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    set(&b, "contoso", blocking(b.app.issuer("proseware"), true));
    let (_, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(page.contains("does not accept guests"), "{page}");
    assert_eq!(
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );

    // Lifted: redemption works; blocked again: sign-in is refused.
    set(&b, "contoso", CrossTenantAccess::default());
    let (_, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
    assert!(b.guest_tokens(GUEST).await.is_ok());
    // This time the partner is named by its tenant slug.
    set(&b, "contoso", blocking("proseware".into(), true));
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("no longer accepts"), "{page}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_home_refuses_to_sign_its_user_in_where_outbound_settings_block() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    set(&b, "proseware", blocking(b.app.issuer("contoso"), false));
    let (_, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(
        page.contains("Proseware Ltd does not allow its users to sign in to Contoso Ltd"),
        "{page}"
    );
    assert_eq!(
        b.guest(GUEST).external_state,
        Some(ExternalState::PendingAcceptance)
    );

    // Named by slug, the outbound block holds too; lifted, redemption works.
    set(&b, "proseware", blocking("contoso".into(), false));
    let (_, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(403, _)), "{landing:?}");
    set(&b, "proseware", CrossTenantAccess::default());
    let (_, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
}

#[tokio::test]
async fn cross_tenant_settings_are_edited_through_the_api_with_policies_readwrite() {
    let b = b2b().await;
    let admin = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::PoliciesReadWrite],
    );
    let token = b.app.client_token("contoso", &admin).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/api/v1/cross-tenant-access", b.app.issuer("contoso"));
    let http = reqwest::Client::new();
    let body = serde_json::json!({
        "inbound": {"default": "block", "partners": {b.app.issuer("proseware"): "allow"}},
        "outbound": {"default": "allow"}
    });
    let saved = http
        .put(&url)
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let read: serde_json::Value = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["inbound"]["default"], "block");
    assert_eq!(
        read["inbound"]["partners"][b.app.issuer("proseware")],
        "allow"
    );
    let bad = http
        .put(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({"inbound": {"default": "maybe"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // Proseware is allowed by name even though the default blocks.
    let link = b.invite(GUEST, Target::Tenant);
    let (_, landing) = b.redeem(&link, GUEST).await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
}
