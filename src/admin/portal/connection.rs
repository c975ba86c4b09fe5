//! "Test the connection" for an identity provider: its discovery document
//! and keys fetched exactly as a real sign-in fetches them
//! (`b2b::home::discover`: the operator's egress policy, pinned to the
//! issuer, no redirects, bounded in time and size), and what was found or
//! why it failed, in words an administrator can act on.

use std::time::Duration;

use crate::b2b::home::{self, HomeError};
use crate::config::Settings;

/// What the console shows after a connection test.
pub struct ConnectionView {
    /// The provider's name, as configured here.
    pub name: String,
    pub issuer: String,
    pub outcome: Outcome,
}

impl ConnectionView {
    /// Whether the provider answered as a sign-in needs.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Found(_))
    }
}

pub enum Outcome {
    /// The provider answered as a sign-in needs.
    Found(Found),
    /// Why not: a sentence, and the technical detail.
    Failed { reason: String, detail: String },
}

/// What the provider's discovery document says.
pub struct Found {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    /// How many keys its JWKS holds.
    pub keys: usize,
    /// `id_token_signing_alg_values_supported`, comma separated.
    pub algorithms: String,
}

/// Fetches `issuer`'s discovery document and keys, within the configured
/// upstream timeouts.
pub async fn test(settings: &Settings, name: &str, issuer: &str) -> ConnectionView {
    // Two calls (the document, then its keys), each bounded by reqwest.
    let limit = settings.upstream_timeout * 2 + Duration::from_secs(1);
    let outcome = match tokio::time::timeout(limit, home::discover(settings, issuer)).await {
        Ok(Ok((metadata, _))) => Outcome::Found(Found {
            authorization_endpoint: metadata.authorization_endpoint().to_string(),
            token_endpoint: shown(metadata.token_endpoint().map(|u| u.to_string())),
            userinfo_endpoint: shown(metadata.userinfo_endpoint().map(|u| u.to_string())),
            jwks_uri: metadata.jwks_uri().to_string(),
            keys: metadata.jwks().keys().len(),
            algorithms: metadata
                .id_token_signing_alg_values_supported()
                .iter()
                .map(|alg| {
                    serde_json::to_value(alg)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
        Ok(Err(e)) => failed(&e, issuer),
        Err(_) => Outcome::Failed {
            reason: format!(
                "The provider did not answer within {} seconds.",
                limit.as_secs()
            ),
            detail: String::new(),
        },
    };
    ConnectionView {
        name: name.to_owned(),
        issuer: issuer.to_owned(),
        outcome,
    }
}

fn shown(endpoint: Option<String>) -> String {
    endpoint.unwrap_or_else(|| "not advertised".to_owned())
}

/// Why the test failed, as the administrator would fix it.
fn failed(e: &HomeError, issuer: &str) -> Outcome {
    let reason = match e {
        HomeError::Misconfigured(_) => {
            "Not called: this server's outbound policy does not allow that address, or the provider sends keys or tokens to another host. The server operator decides which addresses may be called.".to_owned()
        }
        HomeError::Unreachable(_) => {
            "The provider could not be reached: the name does not resolve, nothing listens there, or it did not answer in time.".to_owned()
        }
        HomeError::BadAnswer(_) => format!(
            "The provider answered, but not with a valid discovery document naming exactly this issuer (it must be served at {issuer}/.well-known/openid-configuration)."
        ),
        HomeError::Denied(_) | HomeError::UnknownFlow(_) | HomeError::Store(_) => {
            "The provider could not be checked.".to_owned()
        }
    };
    Outcome::Failed {
        reason,
        detail: e.to_string(),
    }
}
