//! What RFC 7523 §3 and OIDC Core §9 make a server refuse, at each of the
//! token, introspection and revocation endpoints: the wrong key, the wrong
//! audience, a replayed `jti`, an expired or far-future assertion, and a
//! client using another method than the one it registered. Each is
//! `invalid_client` with 401.

use portico::domain::TokenAuthMethod;
use portico::tokens::keys::SigningAlg;

use super::{
    ClientKey, app_with_client, claims, error_of, hmac_assertion, key_client, post_with_assertion,
    register, token_with,
};
use crate::helpers::TestApp;

const ENDPOINTS: [(&str, &[(&str, &str)]); 3] = [
    ("/token", &[("grant_type", "client_credentials")]),
    ("/introspect", &[("token", "some-token")]),
    ("/revoke", &[("token", "some-token")]),
];

/// Every endpoint refuses the client; `assertion()` makes a new one per call.
async fn refused_everywhere(app: &TestApp, assertion: impl Fn() -> String) {
    for (endpoint, form) in ENDPOINTS {
        let response = post_with_assertion(app, endpoint, &assertion(), form).await;
        assert_eq!(
            error_of(response).await,
            (401, "invalid_client".to_owned()),
            "{endpoint}"
        );
    }
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    let mut other = ClientKey::new(SigningAlg::Rs256);
    other.signing.kid = key.signing.kid.clone();
    let aud = app.issuer("contoso");
    refused_everywhere(&app, || other.sign(&claims(&client.client_id, &aud))).await;
    // Without a kid naming it, an unregistered key finds no key either.
    let stranger = ClientKey::new(SigningAlg::Rs256);
    refused_everywhere(&app, || stranger.sign(&claims(&client.client_id, &aud))).await;
}

#[tokio::test]
async fn an_assertion_for_another_audience_is_refused() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    app.tenant("fabrikam");
    let elsewhere = app.issuer("fabrikam");
    refused_everywhere(&app, || key.sign(&claims(&client.client_id, &elsewhere))).await;
    let introspection_url = format!("{}/introspect", app.issuer("contoso"));
    refused_everywhere(&app, || {
        key.sign(&claims(&client.client_id, &introspection_url))
    })
    .await;
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    let once = key.sign(&claims(&client.client_id, &app.issuer("contoso")));
    assert_eq!(token_with(&app, &once).await.status(), 200);
    refused_everywhere(&app, || once.clone()).await;
}

#[tokio::test]
async fn expired_far_future_and_incomplete_assertions_are_refused() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    let aud = app.issuer("contoso");
    let now = chrono::Utc::now().timestamp();
    let with = |field: &str, value: serde_json::Value| {
        let mut c = claims(&client.client_id, &aud);
        if value.is_null() {
            c.as_object_mut().unwrap().remove(field);
        } else {
            c[field] = value;
        }
        key.sign(&c)
    };
    refused_everywhere(&app, || with("exp", (now - 120).into())).await;
    refused_everywhere(&app, || with("exp", (now + 3600).into())).await;
    refused_everywhere(&app, || with("exp", serde_json::Value::Null)).await;
    refused_everywhere(&app, || with("jti", serde_json::Value::Null)).await;
    refused_everywhere(&app, || with("nbf", (now + 600).into())).await;
    refused_everywhere(&app, || with("iss", "someone-else".into())).await;
    // A good one still passes: the refusals were for the claims.
    assert_eq!(
        token_with(&app, &with("iat", now.into())).await.status(),
        200
    );
}

#[tokio::test]
async fn a_client_must_use_the_method_it_registered() {
    let (app, client, key) = key_client(SigningAlg::Rs256).await;
    // Its old secret, by Basic or in the form, no longer authenticates it.
    let secret = client.secret.clone().unwrap();
    for (endpoint, form) in ENDPOINTS {
        let basic = reqwest::Client::new()
            .post(format!("{}{endpoint}", app.issuer("contoso")))
            .basic_auth(&client.client_id, Some(&secret))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_of(basic).await,
            (401, "invalid_client".into()),
            "{endpoint}"
        );
    }
    // An HMAC under anything is not its method either.
    let aud = app.issuer("contoso");
    refused_everywhere(&app, || {
        hmac_assertion(&secret, &claims(&client.client_id, &aud))
    })
    .await;
    // A client registered for client_secret_basic may not post its secret,
    // nor sign with a key.
    let (app, client) = app_with_client().await;
    register(
        &app,
        &client,
        TokenAuthMethod::ClientSecretBasic,
        None,
        None,
    );
    let posted = reqwest::Client::new()
        .post(format!("{}/token", app.issuer("contoso")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", client.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(posted).await, (401, "invalid_client".into()));
    let aud = app.issuer("contoso");
    refused_everywhere(&app, || key.sign(&claims(&client.client_id, &aud))).await;
    assert!(app.client_token("contoso", &client).await["access_token"].is_string());
}

#[tokio::test]
async fn client_secret_jwt_with_a_wrong_secret_is_refused() {
    let (app, client) = app_with_client().await;
    let secret = register(&app, &client, TokenAuthMethod::ClientSecretJwt, None, None).unwrap();
    let aud = app.issuer("contoso");
    refused_everywhere(&app, || {
        hmac_assertion("not-the-secret", &claims(&client.client_id, &aud))
    })
    .await;
    // The secret issued at creation was replaced.
    let old = client.secret.clone().unwrap();
    refused_everywhere(&app, || {
        hmac_assertion(&old, &claims(&client.client_id, &aud))
    })
    .await;
    let good = hmac_assertion(&secret, &claims(&client.client_id, &aud));
    assert_eq!(token_with(&app, &good).await.status(), 200);
}
