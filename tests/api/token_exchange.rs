//! RFC 8693 token exchange with curl-shaped requests: a home ID token in, a
//! resource-tenant access token for the guest out, under the same trust checks.

use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::domain::GrantType;

use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{PASSWORD, TestClient, authorize_url, jwt_payload, query_param};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// A Proseware ID token for `email` whose audience is `client` (at Proseware).
async fn home_id_token(b: &B2b, client: &TestClient) -> String {
    home_tokens(b, client, &[]).await["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned()
}

/// The guest's token response from Proseware for `client`, with `extra`
/// token-request parameters (e.g. RFC 8707 `resource`).
pub async fn home_tokens(
    b: &B2b,
    client: &TestClient,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    home_tokens_in(b, &b.app.browser(), client, extra).await
}

/// [`home_tokens`] in `browser` (which may already be signed in at home).
pub async fn home_tokens_in(
    b: &B2b,
    browser: &reqwest::Client,
    client: &TestClient,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    let (url, verifier) = authorize_url(&b.app, "proseware", client, "openid email", &[]);
    let back = b.app.sign_in(browser, &url, GUEST, PASSWORD).await;
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
    for (k, v) in extra {
        form.push((k, (*v).to_owned()));
    }
    reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("proseware")))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn exchange(b: &B2b, app: &TestClient, subject_token: &str) -> (u16, serde_json::Value) {
    exchange_typed(b, app, subject_token, ID_TOKEN).await
}

pub async fn exchange_typed(
    b: &B2b,
    app: &TestClient,
    subject_token: &str,
    token_type: &str,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("contoso")))
        .basic_auth(&app.client_id, app.secret.as_deref())
        .form(&[
            ("grant_type", GRANT),
            ("subject_token", subject_token),
            ("subject_token_type", token_type),
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
    let cli_app = exchanging_app(&b);
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

const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A Contoso app allowed to exchange tokens.
pub fn exchanging_app(b: &B2b) -> TestClient {
    b.app.app(
        "contoso",
        false,
        false,
        vec![GrantType::TokenExchange],
        vec![],
    )
}

#[tokio::test]
async fn a_home_access_token_for_the_resource_tenant_is_exchanged_and_others_are_refused() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let cli_app = exchanging_app(&b);
    // A developer's app at Proseware asks for a token meant for Contoso.
    let dev_at_home = b.app.web_app("proseware");
    let contoso = b.app.issuer("contoso");
    let tokens = home_tokens(&b, &dev_at_home, &[("resource", contoso.as_str())]).await;
    let for_contoso = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    assert_eq!(jwt_payload(&for_contoso)["aud"], contoso);

    let (status, body) = exchange_typed(&b, &cli_app, &for_contoso, ACCESS_TOKEN).await;
    assert_eq!(status, 200, "{body}");
    let claims = jwt_payload(body["access_token"].as_str().unwrap());
    assert_eq!(claims["iss"], contoso);
    assert_eq!(claims["sub"], b.guest(GUEST).id);

    // A token meant for Contoso is no good at Proseware's own UserInfo.
    let userinfo = reqwest::Client::new()
        .get(format!("{}/userinfo", b.app.issuer("proseware")))
        .bearer_auth(&for_contoso)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);

    // Proseware's ordinary access token (audience Proseware) is refused, and
    // so is an ID token presented as an access token.
    let plain = home_tokens(&b, &dev_at_home, &[]).await;
    let own = plain["access_token"].as_str().unwrap();
    assert_eq!(jwt_payload(own)["aud"], b.app.issuer("proseware"));
    let (status, body) = exchange_typed(&b, &cli_app, own, ACCESS_TOKEN).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let id_token = plain["id_token"].as_str().unwrap();
    let (status, body) = exchange_typed(&b, &cli_app, id_token, ACCESS_TOKEN).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A resource that is not a tenant here is refused at the home (RFC 8707).
    let (url, verifier) = authorize_url(&b.app, "proseware", &dev_at_home, "openid", &[]);
    let back = b.app.sign_in(&b.app.browser(), &url, GUEST, PASSWORD).await;
    let code = query_param(&back, "code").unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("proseware")))
        .basic_auth(&dev_at_home.client_id, dev_at_home.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", dev_at_home.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
            ("resource", "https://evil.example/t/contoso"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_target");

    // Past the guest's end of access, the exchange is refused.
    let tenant = b.contoso();
    let guest = b.guest(GUEST);
    b.app
        .db
        .write_blocking(|c| {
            portico::store::users::set_access_expiry(
                c,
                &tenant.id,
                &guest.id,
                Some(portico::store::now() - chrono::TimeDelta::minutes(1)),
            )
        })
        .unwrap();
    let (status, body) = exchange_typed(&b, &cli_app, &for_contoso, ACCESS_TOKEN).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
