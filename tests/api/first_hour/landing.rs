//! The server's start page and each tenant's.

use super::{href_of, sign_in_to_my_apps};
use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_start_page_lists_tenants_only_when_the_operator_lets_it() {
    let private = spawn_app().await;
    private.tenant("contoso");
    let page = private.text(&private.browser(), "/").await;
    assert!(page.contains("does not publish a list"), "{page}");
    assert!(page.contains("action=\"/find\""), "{page}");
    assert!(!page.contains("href=\"/t/contoso\""), "{page}");
    assert!(!page.contains("Contoso Ltd"), "{page}");

    let listed = spawn_app_with(|s| s.list_tenants = true).await;
    listed.tenant("contoso");
    listed.tenant("proseware");
    let page = listed.text(&listed.browser(), "/").await;
    for slug in ["contoso", "proseware"] {
        assert!(page.contains(&format!("href=\"/t/{slug}\"")), "{page}");
        let discovery = format!("/t/{slug}/.well-known/openid-configuration");
        assert!(page.contains(&format!("href=\"{discovery}\"")), "{page}");
        let response = reqwest::get(listed.absolute(&discovery)).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert!(page.contains("Contoso Ltd") && page.contains("Proseware Ltd"));
    assert!(!page.contains("Portico · Portico"), "{page}");
}

#[tokio::test]
async fn the_find_form_goes_to_the_organization_or_says_what_a_name_is() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let browser = app.browser();
    let location = app
        .follow(&browser, "/find?organization=%20Contoso%20")
        .await;
    assert_eq!(location, "/t/contoso");
    let response = browser
        .get(app.absolute("/find?organization=..%2Fadmin%3Cb%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("lowercase letters, digits and hyphens"),
        "{page}"
    );
    assert!(page.contains("admin&#60;b&#62;\""), "{page}");
    assert!(!page.contains("<b>"), "{page}");
}

#[tokio::test]
async fn a_tenant_start_page_offers_sign_in_my_apps_the_console_and_discovery() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "ann@contoso.example");
    let browser = app.browser();
    let page = app.text(&browser, "/t/contoso").await;
    assert!(page.contains("<h1>Contoso Ltd</h1>"), "{page}");
    assert_eq!(href_of(&page, "Admin console"), "/t/contoso/admin");
    let discovery = "/t/contoso/.well-known/openid-configuration";
    assert!(page.contains(&format!("href=\"{discovery}\"")), "{page}");
    assert!(page.contains(&format!("<code>{}</code>", app.issuer("contoso"))));
    let sign_in = href_of(&page, "Sign in");
    assert!(sign_in.contains("client_id=portico-portal"), "{sign_in}");
    assert_eq!(app.follow(&browser, "/t/contoso/").await, "/t/contoso");

    let my_apps = sign_in_to_my_apps(&app, &browser, "contoso", "ann@contoso.example").await;
    assert!(my_apps.contains("as ann@contoso.example"), "{my_apps}");
    let page = app.text(&browser, "/t/contoso").await;
    assert!(page.contains("Signed in as ann@contoso.example"), "{page}");
    assert_eq!(href_of(&page, "My apps"), "/t/contoso/myapps");
    assert!(page.contains("<footer><strong>Contoso Ltd</strong> · Portico</footer>"));
}
