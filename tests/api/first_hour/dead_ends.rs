//! Pages where a person is stopped say what to do next, with a link.

use portico::b2b::invitation::Target;

use super::href_of;
use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, spawn_app};

/// The links of the page's "where to go next" navigation.
fn ways(page: &str) -> Vec<String> {
    let Some(start) = page.find("<nav class=\"ways\"") else {
        return Vec::new();
    };
    let nav = &page[start..start + page[start..].find("</nav>").expect("nav ends")];
    nav.split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&#38;", "&"))
        .collect()
}

#[tokio::test]
async fn an_unknown_organization_leads_to_the_start_page() {
    let app = spawn_app().await;
    for path in ["/t/nope", "/t/nope/myapps", "/t/nope/login?req=x"] {
        let response = reqwest::get(app.absolute(path)).await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains("no such organization"), "{page}");
        assert_eq!(ways(&page), vec!["/".to_owned()], "{path}: {page}");
        assert!(!page.contains("Portico · Portico"), "{page}");
        assert!(!page.contains("Signing in to"), "{page}");
    }
}

#[tokio::test]
async fn not_signed_in_offers_the_sign_in_and_the_start_page() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let response = reqwest::get(app.absolute("/t/contoso/myapps"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    let sign_in = href_of(&page, "Sign in");
    assert!(sign_in.starts_with(&format!("{}/authorize?", app.issuer("contoso"))));
    assert!(sign_in.contains("myapps%2Fsigned-in"), "{sign_in}");
    assert!(ways(&page).contains(&"/t/contoso".to_owned()), "{page}");
    let start = reqwest::get(app.absolute("/t/contoso")).await.unwrap();
    assert_eq!(start.status(), 200);
}

#[tokio::test]
async fn any_page_error_of_a_tenant_offers_its_start_page() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let response = reqwest::get(app.absolute("/t/contoso/login?req=gone"))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in expired"), "{page}");
    assert_eq!(ways(&page), vec!["/t/contoso".to_owned()], "{page}");
    assert!(page.contains("<footer><strong>Contoso Ltd</strong> · Portico</footer>"));
}

#[tokio::test]
async fn no_access_and_a_refused_redemption_offer_the_tenants_start_page() {
    let b = b2b().await;
    // A member of a partner who is no guest of Contoso.
    let refused = b.guest_tokens("other@proseware.example").await;
    let Err(Landing::Page(403, page)) = refused else {
        panic!("{refused:?}")
    };
    assert!(page.contains("No access"), "{page}");
    assert!(ways(&page).contains(&"/t/contoso".to_owned()), "{page}");

    let link = b.invite(GUEST, Target::Tenant);
    super::block_guest(&b);
    let (_, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(403, page) = landing else {
        panic!("{landing:?}")
    };
    assert!(!ways(&page).is_empty(), "{page}");
}
