//! Members' tokens, discovery, and what `/authorize` stores of `acr_values`
//! and `claims`.

use portico::store;

use crate::helpers::{
    TestApp, authorize_url, jwt_payload, query_param, refresh, spawn_app, tokens_for_member,
};

const MEMBER: &str = "ada@contoso.example";

async fn contoso() -> TestApp {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", MEMBER);
    app
}

#[tokio::test]
async fn a_password_sign_in_says_pwd_and_single_factor_in_every_token() {
    let app = contoso().await;
    let web = app.web_app("contoso");
    let tokens = tokens_for_member(&app, "contoso", &web, MEMBER, "openid offline_access").await;
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    assert_eq!(id["acr"], "urn:portico:acr:sfa");
    assert!(id["auth_time"].as_i64().is_some());
    // RFC 9068 §2.2.1: the access token says the same.
    let access = jwt_payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["amr"], serde_json::json!(["pwd"]));
    assert_eq!(access["acr"], "urn:portico:acr:sfa");

    // A refreshed ID token keeps the original authentication and its time.
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refreshed: serde_json::Value = refresh(&app, "contoso", &web, refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let again = jwt_payload(refreshed["id_token"].as_str().expect("id_token"));
    assert_eq!(again["amr"], serde_json::json!(["pwd"]));
    assert_eq!(again["acr"], "urn:portico:acr:sfa");
    assert_eq!(again["auth_time"], id["auth_time"]);
}

#[tokio::test]
async fn discovery_advertises_the_acr_classes_and_the_claims_parameter() {
    let app = contoso().await;
    let doc = app.discovery("contoso").await;
    assert_eq!(
        doc["acr_values_supported"],
        serde_json::json!(["urn:portico:acr:sfa", "urn:portico:acr:mfa", "phr"])
    );
    assert_eq!(doc["claims_parameter_supported"], true);
    let claims = doc["claims_supported"].as_array().unwrap();
    assert!(claims.contains(&"acr".into()) && claims.contains(&"amr".into()));
}

/// The acr stored with the request an authorize URL with `extra` creates.
async fn stored_acr(app: &TestApp, extra: &[(&str, &str)]) -> Option<String> {
    let web = app.web_app("contoso");
    let (url, _) = authorize_url(app, "contoso", &web, "openid", extra);
    let login = app.follow(&app.browser(), &url).await;
    let id = query_param(&app.absolute(&login), "req").unwrap_or_else(|| panic!("{login}"));
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    app.db
        .read_blocking(|c| store::codes::find_request(c, &tenant.id, &id))
        .unwrap()
        .expect("request stored")
        .acr_values
}

#[tokio::test]
async fn acr_values_and_an_essential_acr_claim_are_stored_with_the_request() {
    let app = contoso().await;
    let mfa = Some("urn:portico:acr:mfa".to_owned());
    assert_eq!(stored_acr(&app, &[]).await, None);
    let listed = [("acr_values", "phr urn:portico:acr:mfa")];
    assert_eq!(stored_acr(&app, &listed).await, mfa);
    assert_eq!(
        stored_acr(&app, &[("acr_values", "urn:x:gold")]).await,
        None
    );
    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
    let phr = Some("phr".to_owned());
    assert_eq!(stored_acr(&app, &[("claims", essential)]).await, phr);
    // A voluntary acr claim asks for nothing.
    let voluntary = r#"{"id_token":{"acr":{"values":["phr"]}}}"#;
    assert_eq!(stored_acr(&app, &[("claims", voluntary)]).await, None);
    // Both given: both must be met.
    let both = [("acr_values", "urn:portico:acr:mfa"), ("claims", essential)];
    assert_eq!(stored_acr(&app, &both).await, phr);
}

#[tokio::test]
async fn a_malformed_claims_parameter_goes_back_as_invalid_request() {
    let app = contoso().await;
    let web = app.web_app("contoso");
    for claims in [
        "{not json",
        r#"{"id_token":{"acr":{"essential":"yes"}}}"#,
        r#"{"id_token":{"acr":{"essential":true,"values":"phr"}}}"#,
    ] {
        let (url, _) = authorize_url(&app, "contoso", &web, "openid", &[("claims", claims)]);
        let back = app.follow(&app.browser(), &url).await;
        assert!(back.starts_with(&web.redirect_uri), "{claims}: {back}");
        assert_eq!(
            query_param(&back, "error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(query_param(&back, "state").as_deref(), Some("st-1"));
    }
}
