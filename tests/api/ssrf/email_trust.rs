//! An email from any claim must be verified, unless an administrator trusts the provider.

use super::*;

#[tokio::test]
async fn an_email_from_a_custom_claim_must_be_verified_unless_the_admin_trusts_the_provider() {
    let b = b2b().await;
    // The admin's token first: once federated, Contoso members sign in there.
    let token = crate::helpers::api::admin_token(&b.app).await;
    let idp = fake_idp();
    // The provider puts the address in `mail` and says nothing about
    // whether it is verified.
    idp.set_claims(serde_json::json!({"mail": ALICE}));
    let upstream = |trusted: Option<bool>| {
        let mut body = serde_json::json!({
            "display_name": "Corp", "issuer": idp.base, "client_id": CLIENT_ID,
            "client_secret": SECRET, "scopes": ["email"], "email_claim": "mail",
        });
        if let Some(t) = trusted {
            body["email_verified_trusted"] = t.into();
        }
        body
    };
    let (status, view, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(upstream(None)),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["upstream"]["email_verified_trusted"], false);

    let sign_in = || async {
        let browser = b.app.browser();
        let response = start_sign_in(&b, &browser).await;
        assert_eq!(response.status(), 303);
        come_back(&b, &idp, &browser, &location(&response)).await
    };
    let response = sign_in().await;
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("No email address"), "{page}");
    assert!(member(&b, ALICE).is_none());

    // `email_verified: false` is no better; `true` is accepted.
    idp.set_claims(serde_json::json!({"mail": ALICE, "email_verified": false}));
    assert_eq!(sign_in().await.status(), 403);
    assert!(member(&b, ALICE).is_none());
    idp.set_claims(serde_json::json!({"mail": ALICE, "email_verified": true}));
    assert_eq!(sign_in().await.status(), 303);
    assert!(member(&b, ALICE).is_some());

    // Marked trusted by the admin: the unverified claim is accepted.
    let bob = "bob@contoso.example";
    idp.set_claims(serde_json::json!({"mail": bob, "sub": "idp-subject-2"}));
    *idp.calls.lock().unwrap() = Vec::new();
    let (status, view, _) = api(
        &b,
        &token,
        reqwest::Method::PUT,
        "/federation",
        Some(upstream(Some(true))),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["upstream"]["email_verified_trusted"], true);
    let (_, view, _) = api(&b, &token, reqwest::Method::GET, "/federation", None).await;
    assert_eq!(view["upstream"]["email_verified_trusted"], true);
    let response = sign_in().await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    assert!(member(&b, bob).is_some());
}

#[tokio::test]
async fn the_email_trust_flag_is_set_through_the_api_and_shown_in_the_portal() {
    let b = b2b().await;
    let token = crate::helpers::api::admin_token(&b.app).await;
    let (status, created, _) = api(
        &b,
        &token,
        reqwest::Method::POST,
        "/identity-providers",
        Some(serde_json::json!({
            "display_name": "Northwind sign-in",
            "issuer": "https://login.northwind.example/",
            "client_id": "c",
            "domains": ["northwind.example"],
            "email_claim": "upn",
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email_verified_trusted"], false);
    let path = format!("/identity-providers/{}", created["id"].as_str().unwrap());
    let (status, _, _) = api(
        &b,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(serde_json::json!({"email_verified_trusted": "yes"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, updated, _) = api(
        &b,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(serde_json::json!({"email_verified_trusted": true})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["email_verified_trusted"], true);
    let (_, list, _) = api(
        &b,
        &token,
        reqwest::Method::GET,
        "/identity-providers",
        None,
    )
    .await;
    assert_eq!(
        list["identity_providers"][0]["email_verified_trusted"],
        true
    );

    let browser = b.app.browser();
    let Landing::Page(200, page) = drive(
        &b.app,
        &browser,
        &format!("{}/admin/identity-providers", b.app.issuer("contoso")),
        "admin@contoso.example",
        PASSWORD,
    )
    .await
    else {
        panic!("portal page expected")
    };
    assert!(
        page.contains("emails from the upn claim are trusted as verified"),
        "{page}"
    );
}
