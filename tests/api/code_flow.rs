//! Happy paths through the `openidconnect` crate as a real relying party.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse,
};

use crate::helpers::rp::rp_http;
use crate::helpers::{PASSWORD, jwt_payload, query_param, spawn_app};

#[tokio::test]
async fn a_certified_rp_library_signs_in_refreshes_and_reads_userinfo() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let client = app.web_app("contoso");
    let http = rp_http();

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer("contoso")).unwrap(), &http)
            .await
            .expect("discovery validates");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = app.browser();
    let back = app
        .sign_in(&browser, url.as_str(), "megan@contoso.example", PASSWORD)
        .await;
    assert!(back.starts_with(&client.redirect_uri), "{back}");
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    assert_eq!(query_param(&back, "iss"), Some(app.issuer("contoso")));
    let code = query_param(&back, "code").unwrap();

    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token
        .claims(&rp.id_token_verifier(), &nonce)
        .expect("ID token verifies against the JWKS");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("megan@contoso.example")
    );
    assert_eq!(claims.issuer().as_str(), app.issuer("contoso"));
    let raw = jwt_payload(&id_token.to_string());
    assert_eq!(raw["user_type"], "Member");
    assert_eq!(raw["idp"], app.issuer("contoso"));
    assert_eq!(raw["amr"], serde_json::json!(["pwd"]));
    assert!(raw["tid"].is_string() && raw["auth_time"].is_i64());

    let access = jwt_payload(tokens.access_token().secret());
    assert_eq!(access["client_id"], client.client_id);
    assert_eq!(access["sub"], raw["sub"]);

    let info: CoreUserInfoClaims = rp
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), claims.subject().as_str());
    assert_eq!(
        info.email().map(|e| e.as_str()),
        Some("megan@contoso.example")
    );

    let refresh = tokens
        .refresh_token()
        .expect("offline_access gives a refresh token");
    let refreshed = rp
        .exchange_refresh_token(refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let rotated = refreshed.refresh_token().expect("rotated refresh token");
    assert_ne!(rotated.secret(), refresh.secret());
    let again = rp
        .exchange_refresh_token(&RefreshToken::new(rotated.secret().clone()))
        .unwrap()
        .request_async(&http)
        .await;
    assert!(again.is_ok(), "the rotated token works once");
}

#[tokio::test]
async fn client_credentials_through_the_rp_library_carry_permissions_as_roles() {
    let app = spawn_app().await;
    app.tenant("contoso");
    let client = app.app(
        "contoso",
        false,
        false,
        vec![portico::domain::GrantType::ClientCredentials],
        vec![portico::domain::Permission::InvitationsInvite],
    );
    let http = rp_http();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer("contoso")).unwrap(), &http)
            .await
            .unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    );
    let tokens = rp
        .exchange_client_credentials()
        .unwrap()
        .request_async(&http)
        .await
        .expect("client credentials");
    let header = jsonwebtoken::decode_header(tokens.access_token().secret()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let claims = jwt_payload(tokens.access_token().secret());
    assert_eq!(claims["roles"], serde_json::json!(["Invitations.Invite"]));
    assert_eq!(claims["sub"], client.client_id);
    assert_eq!(claims["aud"], app.issuer("contoso"));
    assert!(claims["jti"].is_string() && claims["exp"].is_i64());
}

#[tokio::test]
async fn a_second_app_signs_in_with_the_session_and_no_password() {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let first = app.web_app("contoso");
    let second = app.app(
        "contoso",
        true,
        true,
        vec![portico::domain::GrantType::AuthorizationCode],
        vec![],
    );
    let browser = app.browser();
    let (url, _) = crate::helpers::authorize_url(&app, "contoso", &first, "openid", &[]);
    app.sign_in(&browser, &url, "megan@contoso.example", PASSWORD)
        .await;

    let (url, verifier) = crate::helpers::authorize_url(&app, "contoso", &second, "openid", &[]);
    let back = app.follow(&browser, &url).await;
    assert!(
        back.starts_with(&second.redirect_uri),
        "went straight back: {back}"
    );
    let code = query_param(&back, "code").unwrap();
    let response = crate::helpers::redeem(&app, "contoso", &second, &code, &verifier).await;
    assert_eq!(response.status(), 200);

    // prompt=login forces the password again; max_age=0 too.
    for extra in [("prompt", "login"), ("max_age", "0")] {
        let (url, _) = crate::helpers::authorize_url(&app, "contoso", &second, "openid", &[extra]);
        let back = app.follow(&browser, &url).await;
        assert!(
            back.contains("/login?req="),
            "{extra:?} must ask again: {back}"
        );
    }
    // prompt=none without a session is login_required, sent back to the app.
    let stranger = app.browser();
    let (url, _) =
        crate::helpers::authorize_url(&app, "contoso", &second, "openid", &[("prompt", "none")]);
    let back = app.follow(&stranger, &url).await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-1"));
}

#[tokio::test]
async fn es256_tenants_issue_tokens_that_verify_with_their_jwks() {
    let app = spawn_app().await;
    app.tenant_with_alg("fabrikam", portico::tokens::keys::SigningAlg::Es256);
    app.member("fabrikam", "ann@fabrikam.example");
    let client = app.web_app("fabrikam");
    let http = rp_http();
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(app.issuer("fabrikam")).unwrap(),
        &http,
    )
    .await
    .unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let back = app
        .sign_in(
            &app.browser(),
            url.as_str(),
            "ann@fabrikam.example",
            PASSWORD,
        )
        .await;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(query_param(&back, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let verifier = rp.id_token_verifier().set_allowed_algs(vec![
        openidconnect::core::CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    ]);
    tokens
        .id_token()
        .unwrap()
        .claims(&verifier, &nonce)
        .expect("ES256 ID token verifies");
}
