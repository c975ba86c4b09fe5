//! A provider's endpoints stay on its issuer's host, unless the operator allowed another.

use super::*;

#[tokio::test]
async fn a_jwks_uri_on_another_host_is_never_fetched_and_the_guest_sees_a_clear_page() {
    let b = b2b().await;
    let elsewhere = recorder();
    let idp = fake_idp();
    idp.set_jwks_uri(format!("{}/jwks", elsewhere.base));
    let tenant = b.contoso();
    let spec = spec(&idp.base, vec!["northwind.example".into()])
        .validated(portico::domain::IdpRole::Guests)
        .unwrap();
    b.app
        .db
        .write_blocking(|c| {
            providers::add_guest_provider(c, &b.app.sealer, &tenant.id, spec, "test")
        })
        .unwrap();

    let link = b.invite(ANN, Target::Tenant);
    let browser = b.app.browser();
    let page = b.app.text(&browser, &link).await;
    assert!(page.contains("Continue with Fake sign-in"), "{page}");
    let response = browser
        .post(&link)
        .form(&[("csrf_token", hidden(&page, "csrf_token").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");
    assert!(
        elsewhere.calls().is_empty(),
        "the other host was called: {:?}",
        elsewhere.calls()
    );
    assert_eq!(
        b.guest(ANN).external_state,
        Some(ExternalState::PendingAcceptance)
    );
}

#[tokio::test]
async fn a_token_endpoint_on_another_host_never_receives_the_client_secret() {
    let b = b2b().await;
    let elsewhere = recorder();
    let idp = fake_idp();
    federate(&b.app, &idp);

    // (1) Discovery sends the token endpoint elsewhere: refused before the
    // browser leaves, with the page that offers the app its error.
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let response = start_sign_in(&b, &b.app.browser()).await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");
    assert!(page.contains("temporarily_unavailable"), "{page}");

    // (2) The provider changes its discovery document while the member is
    // signing in there: the code is not redeemed elsewhere either.
    idp.set_token_endpoint(format!("{}/token", idp.base));
    let browser = b.app.browser();
    let response = start_sign_in(&b, &browser).await;
    assert_eq!(response.status(), 303);
    let at_idp = location(&response);
    assert!(at_idp.starts_with(&idp.base), "{at_idp}");
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let response = come_back(&b, &idp, &browser, &at_idp).await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("Sign-in is not set up correctly"), "{page}");

    assert!(
        elsewhere.calls().is_empty(),
        "the other host was called: {:?}",
        elsewhere.calls()
    );
    assert!(idp.calls.lock().unwrap().is_empty());
    assert!(member(&b, ALICE).is_none());
}

#[tokio::test]
async fn an_operator_allowed_endpoint_host_is_called_and_others_still_are_not() {
    // The same hostile document on a server whose operator allows the other
    // host for this issuer: the token request (with the secret) goes there,
    // which is also what shows the test above would notice a leak.
    let elsewhere = recorder();
    let idp = fake_idp();
    let allowed = format!("{}={}", idp.base, elsewhere.host_port());
    let b = b2b_with(move |s| {
        s.egress.endpoint_hosts = vec![allowed.parse().unwrap()];
    })
    .await;
    federate(&b.app, &idp);
    idp.set_token_endpoint(format!("{}/token", elsewhere.base));
    let browser = b.app.browser();
    let response = start_sign_in(&b, &browser).await;
    assert_eq!(response.status(), 303);
    let at_idp = location(&response);
    let response = come_back(&b, &idp, &browser, &at_idp).await;
    assert_eq!(response.status(), 403, "{}", response.text().await.unwrap());
    let calls = elsewhere.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("POST", "/token")
    );
    assert!(calls[0].body.contains("code=abc"), "{:?}", calls[0]);
    let basic = calls[0]
        .authorization
        .as_deref()
        .and_then(|h| h.strip_prefix("Basic "))
        .expect("client secret sent with HTTP Basic");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("{CLIENT_ID}:{SECRET}")
    );

    // A host the operator did not allow is still refused.
    let third = recorder();
    idp.set_token_endpoint(format!("{}/token", third.base));
    let response = start_sign_in(&b, &b.app.browser()).await;
    assert_eq!(response.status(), 503);
    assert!(third.calls().is_empty());
}
