//! The `claims` request parameter (OIDC Core §5.5): user claims asked for by
//! name come in the ID token or at userinfo as asked, without the scope that
//! would carry them, once the user consented; they last through the code and
//! every refresh; unknown claims are ignored; a malformed or oversized
//! parameter is `invalid_request`.

use openidconnect::core::CoreUserInfoClaims;
use openidconnect::{AccessToken, OAuth2TokenResponse, RefreshToken, TokenResponse};

use crate::helpers::rp::{Rp, code_request, discover, redeem_code, rp_http};
use crate::helpers::{TestApp, TestClient, authorize_url, query_param, spawn_app};

const CLAIMS: &str = r#"{"id_token":{"email":{"essential":true},"shoe_size":null},"userinfo":{"name":null,"email_verified":null}}"#;

/// Contoso with a web app (consent required).
fn contoso(app: &TestApp) -> TestClient {
    app.tenant("contoso");
    app.web_app("contoso")
}

/// A member signed in to the web app with consent for `openid` only.
async fn signed_in(app: &TestApp, client: &TestClient) -> reqwest::Client {
    app.signed_in_member("contoso", client, "ann@contoso.example")
        .await
}

async fn userinfo(
    rp: &Rp,
    http: &openidconnect::reqwest::Client,
    token: &AccessToken,
) -> CoreUserInfoClaims {
    rp.user_info(token.clone(), None)
        .unwrap()
        .request_async(http)
        .await
        .expect("userinfo")
}

#[tokio::test]
async fn claims_asked_by_name_are_released_where_asked_after_consent_and_survive_refresh() {
    let app = spawn_app().await;
    let client = contoso(&app);
    let browser = signed_in(&app, &client).await;
    let http = rp_http();
    let (rp, _) = discover(&app, "contoso", &client, &http).await;
    let (url, _, nonce, verifier) = code_request(&rp, &["offline_access"], &[("claims", CLAIMS)]);
    // Email and name were never consented to: consent asks, naming them.
    let consent = app.follow(&browser, url.as_str()).await;
    assert!(consent.contains("/consent?req="), "{consent}");
    let page = app.text(&browser, &consent).await;
    assert!(page.contains("See your email address"), "{page}");
    assert!(page.contains("See your name"), "{page}");
    let response = app
        .decide_consent(&browser, "contoso", &page, "allow")
        .await;
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&back, "code").expect("a code");
    let tokens = redeem_code(&rp, &http, code, verifier).await;
    assert_eq!(
        tokens.scopes().unwrap().len(),
        2,
        "the scope stays as asked"
    );
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("ann@contoso.example")
    );
    assert!(claims.name().is_none(), "name was asked of userinfo only");
    let info = userinfo(&rp, &http, tokens.access_token()).await;
    assert!(info.name().is_some(), "name at userinfo");
    assert_eq!(info.email_verified(), Some(true));
    assert!(
        info.email().is_none(),
        "email was asked of the ID token only"
    );

    let refreshed = rp
        .exchange_refresh_token(&RefreshToken::new(
            tokens.refresh_token().unwrap().secret().clone(),
        ))
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let payload = crate::helpers::jwt_payload(&refreshed.id_token().unwrap().to_string());
    assert_eq!(payload["email"], "ann@contoso.example", "{payload}");
    let info = userinfo(&rp, &http, refreshed.access_token()).await;
    assert!(info.name().is_some(), "name at userinfo after refresh");
}

#[tokio::test]
async fn claims_beyond_consent_need_it_and_bad_claims_are_refused() {
    let app = spawn_app().await;
    let client = contoso(&app);
    let browser = signed_in(&app, &client).await;
    let error_for = |claims: String, extra: &'static [(&'static str, &'static str)]| {
        let mut params: Vec<(&str, String)> = vec![("claims", claims)];
        params.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        params
    };
    let cases = [
        (
            error_for(CLAIMS.into(), &[("prompt", "none")]),
            "consent_required",
        ),
        (error_for("not json".into(), &[]), "invalid_request"),
        (
            error_for(r#"{"userinfo":{"email":[]}}"#.into(), &[]),
            "invalid_request",
        ),
        (
            error_for(
                format!(r#"{{"id_token":{{"x":"{}"}}}}"#, "a".repeat(5000)),
                &[],
            ),
            "invalid_request",
        ),
    ];
    for (params, expected) in cases {
        let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (url, _) = authorize_url(&app, "contoso", &client, "openid", &extra);
        let back = app.follow(&browser, &url).await;
        assert_eq!(
            query_param(&back, "error").as_deref(),
            Some(expected),
            "{back}"
        );
    }
    // Only unknown claims: nothing more to consent to, a code at once.
    let unknown = [("claims", r#"{"id_token":{"shoe_size":{"essential":true}}}"#)];
    let (url, verifier) = authorize_url(&app, "contoso", &client, "openid", &unknown);
    let back = app.follow(&browser, &url).await;
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("{back}"));
    let response = crate::helpers::redeem(&app, "contoso", &client, &code, &verifier).await;
    let tokens: serde_json::Value = response.json().await.unwrap();
    let payload = crate::helpers::jwt_payload(tokens["id_token"].as_str().unwrap());
    assert!(
        payload.get("shoe_size").is_none() && payload.get("email").is_none(),
        "{payload}"
    );
}
