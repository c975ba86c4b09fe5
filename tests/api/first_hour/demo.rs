//! The demo callback page names the tenant that answered and shows the
//! command that redeems the code, filled in.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_demo_callback_names_the_tenant_and_fills_in_the_command() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let issuer = app.issuer("contoso");
    let url = reqwest::Url::parse_with_params(
        &app.absolute("/demo/callback"),
        &[("code", "Abc_123-xyz"), ("state", "demo"), ("iss", &issuer)],
    )
    .unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("back from Contoso Ltd"), "{page}");
    assert!(page.contains("/static/portico.css"), "{page}");
    let command = format!(
        "-d grant_type=authorization_code -d code=Abc_123-xyz \\\n     --data-urlencode redirect_uri={}/demo/callback {issuer}/token",
        app.base
    );
    assert!(page.contains(&command), "{page}");
    // No demo app registered here: placeholders, not the demo's secret.
    assert!(page.contains("-u CLIENT_ID:CLIENT_SECRET"), "{page}");

    let hostile = reqwest::Url::parse_with_params(
        &app.absolute("/demo/callback"),
        &[("code", "x;rm -rf ~"), ("iss", &issuer)],
    )
    .unwrap();
    let page = reqwest::get(hostile).await.unwrap().text().await.unwrap();
    assert!(!page.contains("curl"), "{page}");
    assert!(page.contains("no command is shown"), "{page}");

    let error = reqwest::Url::parse_with_params(
        &app.absolute("/demo/callback"),
        &[
            ("error", "access_denied"),
            ("error_description", "<b>no</b>"),
            ("iss", &issuer),
        ],
    )
    .unwrap();
    let page = reqwest::get(error).await.unwrap().text().await.unwrap();
    assert!(page.contains("<code>access_denied</code>"), "{page}");
    assert!(!page.contains("<b>no</b>"), "{page}");
}

#[tokio::test]
async fn the_demo_callback_shows_the_demo_apps_credentials_where_the_demo_registered_it() {
    let app = spawn_app().await;
    let printed = portico::admin::demo::seed(&app.db, &app.base).unwrap();
    assert!(printed.contains(&format!("admin console:  {}/admin", app.issuer("contoso"))));
    assert!(printed.contains("signs in at Contoso"), "{printed}");
    assert!(printed.contains("is sent home to Proseware"), "{printed}");
    assert!(printed.contains("withdraws this link"), "{printed}");
    let url = reqwest::Url::parse_with_params(
        &app.absolute("/demo/callback"),
        &[("code", "c0de"), ("iss", &app.issuer("contoso"))],
    )
    .unwrap();
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("-u contoso-demo-app:demo-secret-do-not-use-in-production"),
        "{page}"
    );
    assert!(page.contains("back from Contoso"), "{page}");
}
