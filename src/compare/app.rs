//! An app of the host tenant as a relying party (OIDC Core §3.1, the
//! `openidconnect` crate), signing people in through a browser journey.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

use super::REDIRECT;
use super::journey::{Landing, drive_across};
use super::server::Server;
use crate::admin::provision::{self, AppSpec};

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// An app of the host tenant, as a relying party.
pub(super) struct App {
    rp: Rp,
    http: openidconnect::reqwest::Client,
}

impl App {
    pub(super) async fn register(host: &Server, slug: &str) -> anyhow::Result<App> {
        let (client, secret) = provision::create_app(
            &host.db,
            slug,
            &AppSpec::sign_in_client("Project workspace", REDIRECT.into()),
        )?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()?;
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(host.issuer(slug))?, &http)
                .await
                .map_err(|e| anyhow::anyhow!("discovery of {slug}: {e}"))?;
        let rp = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(client.client_id),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into())?);
        Ok(App { rp, http })
    }

    /// One full sign-in in a fresh browser; the time to a verified ID token.
    pub(super) async fn sign_in(
        &self,
        bases: &[&str],
        email: &str,
        password: &str,
    ) -> Result<Duration, String> {
        let started = Instant::now();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _, nonce) = self
            .rp
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        let browser = browser().map_err(|e| e.to_string())?;
        let back = match drive_across(bases, &browser, url.as_str(), email, password).await {
            Landing::Away(back) => back,
            Landing::Page(status, _) => return Err(format!("stopped on a {status} page")),
            Landing::Stuck(why) => return Err(why),
        };
        let code = url::Url::parse(&back)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or_else(|| format!("no code in {back}"))?;
        let tokens = self
            .rp
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| e.to_string())?;
        tokens
            .id_token()
            .ok_or("no ID token")?
            .claims(&self.rp.id_token_verifier(), &nonce)
            .map_err(|e| e.to_string())?;
        Ok(started.elapsed())
    }
}

pub(super) fn browser() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
}
