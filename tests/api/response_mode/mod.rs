//! `response_mode` (OAuth 2.0 Multiple Response Types §2.1, Form Post
//! Response Mode §2): the answer to an authorization request, success or
//! error, posted to the redirect URI by a self-submitting form, on every path
//! that ends a request (straight from /authorize, after consent, prompt=none
//! errors, a denied consent); `query` explicit; other modes refused.

use openidconnect::TokenResponse;
use portico::domain::GrantType;

use crate::helpers::rp::{code_request, discover, redeem_code, rp_http};
use crate::helpers::{TestApp, TestClient, authorize_url, hidden, query_param, redeem, spawn_app};

/// A browser signed in at Contoso through `client` (a query-mode request,
/// consent given for `openid`).
async fn signed_in(app: &TestApp, client: &TestClient) -> reqwest::Client {
    app.signed_in_member("contoso", client, "ann@contoso.example")
        .await
}

/// The fields of a form_post page, after checking what makes it one: a form
/// posting to the redirect URI, a script that submits it, a button for
/// browsers without scripts, nothing cached, and a policy that lets the form
/// go to the redirect URI's origin only.
async fn posted_form(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    assert_eq!(response.headers()["cache-control"], "no-store");
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("form-action http://127.0.0.1:9;"),
        "{policy}"
    );
    assert!(policy.contains("script-src 'nonce-"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"<form method="post" action="http://127.0.0.1:9/callback">"#),
        "{page}"
    );
    assert!(page.contains("document.forms[0].submit()"), "{page}");
    let noscript = page.split("<noscript>").nth(1).expect("a <noscript> part");
    assert!(noscript.contains(r#"<button type="submit">"#), "{page}");
    page
}

fn first_party(app: &TestApp) -> TestClient {
    let grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    app.app("contoso", false, true, grants, vec![])
}

#[tokio::test]
async fn a_relying_party_receives_its_code_by_form_post_and_redeems_it() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = first_party(&app);
    let browser = signed_in(&app, &client).await;
    let http = rp_http();
    let (rp, metadata) = discover(&app, "contoso", &client, &http).await;
    let modes: Vec<String> = metadata
        .response_modes_supported()
        .unwrap()
        .iter()
        .map(|m| m.as_ref().to_owned())
        .collect();
    assert_eq!(modes, ["query", "form_post"]);
    let form_post = [("response_mode", "form_post")];
    let (url, csrf, nonce, verifier) = code_request(&rp, &["email"], &form_post);
    let page = posted_form(browser.get(url.as_str()).send().await.unwrap()).await;
    assert_eq!(hidden(&page, "state"), *csrf.secret());
    assert_eq!(hidden(&page, "iss"), app.issuer("contoso"));
    let tokens = redeem_code(&rp, &http, hidden(&page, "code"), verifier).await;
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &nonce)
        .expect("ID token verifies");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("ann@contoso.example")
    );
}

#[tokio::test]
async fn errors_after_the_redirect_uri_is_verified_are_posted_too() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = app.web_app("contoso");
    let browser = app.browser();
    // prompt=none with no session: login_required, by form.
    let form_post = [("response_mode", "form_post"), ("prompt", "none")];
    let (url, _) = authorize_url(&app, "contoso", &client, "openid", &form_post);
    let page = posted_form(browser.get(&url).send().await.unwrap()).await;
    assert_eq!(hidden(&page, "error"), "login_required");
    assert_eq!(hidden(&page, "state"), "st-1");
    assert_eq!(hidden(&page, "iss"), app.issuer("contoso"));
    assert!(!page.contains(r#"name="code""#));
    // A request error found after the mode was read: invalid_scope, by form.
    let (url, _) = authorize_url(
        &app,
        "contoso",
        &client,
        "openid admin",
        &[("response_mode", "form_post")],
    );
    let page = posted_form(browser.get(&url).send().await.unwrap()).await;
    assert_eq!(hidden(&page, "error"), "invalid_scope");
}

#[tokio::test]
async fn consent_given_or_denied_answers_in_the_requested_mode() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = app.web_app("contoso");
    let browser = signed_in(&app, &client).await;
    // email was not consented to yet: the consent page comes first.
    for (decision, field, expected) in [("deny", "error", "access_denied"), ("allow", "code", "")] {
        let form_post = [("response_mode", "form_post")];
        let (url, verifier) = authorize_url(&app, "contoso", &client, "openid email", &form_post);
        let consent = app.follow(&browser, &url).await;
        assert!(consent.contains("/consent?req="), "{consent}");
        let page = app.text(&browser, &consent).await;
        let response = app
            .decide_consent(&browser, "contoso", &page, decision)
            .await;
        let posted = posted_form(response).await;
        let value = hidden(&posted, field);
        if decision == "deny" {
            assert_eq!(value, expected);
            continue;
        }
        let tokens = redeem(&app, "contoso", &client, &value, &verifier).await;
        assert_eq!(tokens.status(), 200);
    }
}

#[tokio::test]
async fn query_mode_may_be_named_and_other_modes_are_refused_in_the_query() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = first_party(&app);
    let browser = signed_in(&app, &client).await;
    let (url, _) = authorize_url(
        &app,
        "contoso",
        &client,
        "openid",
        &[("response_mode", "query")],
    );
    let back = app.follow(&browser, &url).await;
    assert!(query_param(&back, "code").is_some(), "{back}");
    for mode in ["fragment", "form_post.jwt", "web_message"] {
        let (url, _) = authorize_url(
            &app,
            "contoso",
            &client,
            "openid",
            &[("response_mode", mode)],
        );
        let back = app.follow(&browser, &url).await;
        assert!(back.starts_with("http://127.0.0.1:9/callback?"), "{back}");
        assert_eq!(
            query_param(&back, "error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(query_param(&back, "state").as_deref(), Some("st-1"));
        assert!(query_param(&back, "code").is_none());
    }
}
