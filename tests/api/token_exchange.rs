//! RFC 8693 token exchange with curl-shaped requests: a home ID token in, a
//! resource-tenant access token for the guest out, under the same trust checks.

use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::domain::GrantType;

use crate::guests::{B2b, GUEST, b2b};
use crate::helpers::{PASSWORD, TestClient, authorize_url, jwt_payload, query_param};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// A Proseware ID token for `email` whose audience is `client` (at Proseware).
async fn home_id_token(b: &B2b, client: &TestClient) -> String {
    let (url, verifier) = authorize_url(&b.app, "proseware", client, "openid email", &[]);
    let back = b.app.sign_in(&b.app.browser(), &url, GUEST, PASSWORD).await;
    let code = query_param(&back, "code").expect("code from the home");
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code),
        ("redirect_uri", client.redirect_uri.clone()),
        ("code_verifier", verifier),
        ("client_id", client.client_id.clone()),
    ];
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret.clone()));
    }
    let tokens: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("proseware")))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["id_token"].as_str().expect("id_token").to_owned()
}

async fn exchange(b: &B2b, app: &TestClient, subject_token: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("contoso")))
        .basic_auth(&app.client_id, app.secret.as_deref())
        .form(&[
            ("grant_type", GRANT),
            ("subject_token", subject_token),
            ("subject_token_type", ID_TOKEN),
            ("scope", "openid email"),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_home_id_token_is_exchanged_for_a_resource_token_under_the_same_checks() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let cli_app = b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::TokenExchange],
        vec![],
    );
    // Contoso as a relying party of Proseware: client id = Contoso's issuer.
    let contoso_at_home = TestClient {
        client_id: b.app.issuer("contoso"),
        secret: None,
        redirect_uri: format!("{}/callback/home", b.app.issuer("contoso")),
    };
    let id_token = home_id_token(&b, &contoso_at_home).await;

    let (status, body) = exchange(&b, &cli_app, &id_token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    let access = body["access_token"].as_str().unwrap();
    let claims = jwt_payload(access);
    assert_eq!(claims["iss"], b.app.issuer("contoso"));
    assert_eq!(claims["sub"], b.guest(GUEST).id);
    let info: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/userinfo", b.app.issuer("contoso")))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["user_type"], "Guest");
    assert_eq!(info["idp"], b.app.issuer("proseware"));

    // Wrong audience: a Proseware ID token meant for a Proseware app.
    let proseware_app = b.app.web_app("proseware");
    let foreign_aud = home_id_token(&b, &proseware_app).await;
    assert_eq!(
        exchange(&b, &cli_app, &foreign_aud).await.1["error"],
        "invalid_grant"
    );

    // Wrong key: the signature of another token on the same claims.
    let parts: Vec<&str> = id_token.split('.').collect();
    let other_sig = foreign_aud.split('.').nth(2).unwrap();
    let forged = format!("{}.{}.{other_sig}", parts[0], parts[1]);
    assert_eq!(
        exchange(&b, &cli_app, &forged).await.1["error"],
        "invalid_grant"
    );

    // Untrusted issuer: Contoso's own token, and an issuer that is not a tenant here.
    let own = crate::helpers::tokens_for_member(
        &b.app,
        "contoso",
        &b.web,
        "megan@contoso.example",
        "openid",
    )
    .await;
    assert_eq!(
        exchange(&b, &cli_app, own["id_token"].as_str().unwrap())
            .await
            .1["error"],
        "invalid_grant"
    );
    let evil = {
        use base64::Engine;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.{}",
            parts[0],
            e.encode(
                r#"{"iss":"https://evil.example","sub":"x","aud":"y","exp":9999999999,"iat":1}"#
            ),
            parts[2]
        )
    };
    assert_eq!(
        exchange(&b, &cli_app, &evil).await.1["error"],
        "invalid_grant"
    );

    // An app without the grant may not exchange.
    assert_eq!(
        exchange(&b, &b.web, &id_token).await.1["error"],
        "unauthorized_client"
    );

    // A blocked guest gets nothing.
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    let (status, body) = exchange(&b, &cli_app, &id_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(introspect_inactive(&b, &cli_app, access).await);
}

async fn introspect_inactive(b: &B2b, app: &TestClient, token: &str) -> bool {
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/introspect", b.app.issuer("contoso")))
        .basic_auth(&app.client_id, app.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["active"] == false
}
