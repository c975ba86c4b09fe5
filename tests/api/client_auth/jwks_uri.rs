//! Keys registered by `jwks_uri`, served by a test server on 127.0.0.1:
//! fetched under the egress rules, cached, fetched again once when an
//! assertion names an unknown `kid` (and not again right after).

use portico::domain::TokenAuthMethod;
use portico::tokens::keys::SigningAlg;

use super::{ClientKey, app_with_client, claims, error_of, key_server, register, token_with};

#[tokio::test]
async fn keys_are_fetched_cached_and_refetched_for_an_unknown_kid() {
    let (app, client) = app_with_client().await;
    let first = ClientKey::new(SigningAlg::Rs256);
    let server = key_server(first.jwks());
    register(
        &app,
        &client,
        TokenAuthMethod::PrivateKeyJwt,
        None,
        Some(server.url.clone()),
    );
    let aud = app.issuer("contoso");
    for _ in 0..3 {
        let response = token_with(&app, &first.sign(&claims(&client.client_id, &aud))).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
    assert_eq!(
        *server.fetches.lock().unwrap(),
        1,
        "cached after the first fetch"
    );

    // The client rotates its key: the new kid is unknown, so the set is
    // fetched again, once.
    let second = ClientKey::new(SigningAlg::Es256);
    *server.jwks.lock().unwrap() = second.jwks();
    let response = token_with(&app, &second.sign(&claims(&client.client_id, &aud))).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    assert_eq!(*server.fetches.lock().unwrap(), 2);

    // Made-up kids do not make the server call out again at once.
    let mut stranger = ClientKey::new(SigningAlg::Rs256);
    for n in 0..3 {
        stranger.signing.kid = format!("made-up-{n}");
        let response = token_with(&app, &stranger.sign(&claims(&client.client_id, &aud))).await;
        assert_eq!(error_of(response).await, (401, "invalid_client".into()));
    }
    assert_eq!(
        *server.fetches.lock().unwrap(),
        2,
        "refetching is rate-limited"
    );
}

#[tokio::test]
async fn an_unreachable_or_forbidden_jwks_uri_fails_closed() {
    let (app, client) = app_with_client().await;
    let key = ClientKey::new(SigningAlg::Rs256);
    // Nothing listens there.
    let port = crate::helpers::net::free_port();
    register(
        &app,
        &client,
        TokenAuthMethod::PrivateKeyJwt,
        None,
        Some(format!("http://127.0.0.1:{port}/jwks.json")),
    );
    let aud = app.issuer("contoso");
    let response = token_with(&app, &key.sign(&claims(&client.client_id, &aud))).await;
    assert_eq!(error_of(response).await, (401, "invalid_client".into()));

    // A metadata address is refused at registration.
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let refused = app.db.write_blocking(|c| {
        portico::admin::client_auth::register(
            c,
            None,
            &Default::default(),
            &tenant.id,
            &client.client_id,
            portico::admin::client_auth::ClientAuthSpec {
                method: TokenAuthMethod::PrivateKeyJwt,
                jwks: None,
                jwks_uri: Some("http://169.254.169.254/jwks".into()),
            },
            "test",
        )
    });
    assert!(refused.is_err());
}
