//! Signing in as a certified relying party library would: the
//! `openidconnect` crate drives code + PKCE + nonce and verifies the ID token.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use portico::compare::journey::drive_across;

use super::{Landing, PASSWORD, TestApp, TestClient, query_param};

/// A relying party as the `openidconnect` crate builds it from discovery.
pub type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The HTTP client a relying party uses (no redirects followed).
pub fn rp_http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `client` of `slug` as a relying party, from the tenant's discovery
/// document (returned too); the JWKS is fetched once, here.
pub async fn discover(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    http: &openidconnect::reqwest::Client,
) -> (Rp, CoreProviderMetadata) {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer(slug)).unwrap(), http)
            .await
            .expect("discovery validates");
    let rp = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap());
    (rp, metadata)
}

/// An authorization request of `rp` (code + PKCE + nonce) for `openid` and
/// `scopes`, with `extra` parameters: (url, state, nonce, PKCE verifier).
pub fn code_request(
    rp: &Rp,
    scopes: &[&str],
    extra: &[(&str, &str)],
) -> (url::Url, CsrfToken, Nonce, PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = rp.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    (url, state, nonce, verifier)
}

/// Redeems `code` as `rp` with its PKCE verifier.
pub async fn redeem_code(
    rp: &Rp,
    http: &openidconnect::reqwest::Client,
    code: String,
    verifier: PkceCodeVerifier,
) -> CoreTokenResponse {
    rp.exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await
        .expect("code exchange")
}

/// A sign-in to `slug`'s app `client` through the `openidconnect` crate as the
/// relying party (code + PKCE + nonce, ID token verified), the browser typing
/// `email` and the test password wherever asked on any server in `bases`.
pub async fn rp_sign_in(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    email: &str,
    bases: &[&str],
) -> Result<CoreTokenResponse, Landing> {
    let http = rp_http();
    let (rp, _) = discover(app, slug, client, &http).await;
    let (url, _, nonce, verifier) = code_request(&rp, &["email", "offline_access"], &[]);
    match drive_across(bases, &app.browser(), url.as_str(), email, PASSWORD).await {
        Landing::Away(back) => {
            let Some(code) = query_param(&back, "code") else {
                return Err(Landing::Away(back));
            };
            let tokens = redeem_code(&rp, &http, code, verifier).await;
            tokens
                .id_token()
                .unwrap()
                .claims(&rp.id_token_verifier(), &nonce)
                .expect("ID token verifies");
            Ok(tokens)
        }
        page => Err(page),
    }
}
