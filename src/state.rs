//! Shared application state, passed into handlers (no globals).

use std::sync::Arc;

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use crate::config::Settings;
use crate::guard::hashing::PasswordHasher;
use crate::guard::throttle::Throttle;
use crate::store::Db;
use crate::telemetry::metrics::Metrics;
use crate::tokens::dpop::{Dpop, NonceKey};
use crate::tokens::{Protocol, TenantDirectory};

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub tenants: TenantDirectory,
    pub throttle: Throttle,
    pub hasher: PasswordHasher,
    pub metrics: Metrics,
    /// The WebAuthn relying party (`None` when the public URL has no domain name).
    pub webauthn: Option<Webauthn>,
    /// DPoP proof checking: the nonce key and the operator's settings.
    pub dpop: Dpop,
    /// Clients' keys fetched from their `jwks_uri` (`private_key_jwt`).
    pub client_keys: crate::tokens::client_keys::ClientKeyCache,
}

impl AppState {
    /// `protocol` is what the OpenID layer tells the tenant directory
    /// (`oidc::PROTOCOL`, passed in by startup, the layer above both).
    pub fn new(settings: Settings, db: Db, protocol: Protocol) -> anyhow::Result<Arc<AppState>> {
        let metrics = Metrics::new()?;
        let mut tenants = TenantDirectory::new(
            db.clone(),
            protocol,
            &settings.public_url,
            settings.cache_ttl,
        );
        tenants.count_stale_in(metrics.stale_served.clone());
        Ok(Arc::new(AppState {
            tenants,
            throttle: Throttle::new(&settings.throttling),
            hasher: PasswordHasher::new(
                settings.throttling.password_hash_concurrency,
                settings.throttling.password_hash_queue,
            ),
            metrics,
            webauthn: relying_party(&settings.public_url),
            dpop: dpop(&settings),
            client_keys: Default::default(),
            settings,
            db,
        }))
    }
}

/// DPoP checking with a nonce key derived from the server secret, so
/// replicas sharing it accept each other's nonces; without a secret (a
/// library user's choice) the key is random and nonces are per process.
fn dpop(settings: &Settings) -> Dpop {
    let secret = match &settings.sealer {
        Some(sealer) => sealer.derive_key("portico dpop nonce v1"),
        None => {
            tracing::warn!("no secret key: DPoP nonces hold only within this process");
            rand::random()
        }
    };
    Dpop::new(
        NonceKey::new(&secret),
        settings.dpop.nonce_at_token_endpoint,
        i64::try_from(settings.dpop.proof_max_age.as_secs()).unwrap_or(60),
    )
}

/// How long a started ceremony may wait for its finish (the authenticator
/// timeout the browser is given is the same).
pub const CEREMONY_LIFETIME: std::time::Duration = std::time::Duration::from_secs(300);

/// The relying party of this server: its id is the public URL's host, its
/// one origin the public URL's origin. `None` when the public URL has no
/// domain name (WebAuthn §5.1.3: an IP address is no valid RP id), in which
/// case passkeys are unavailable and their endpoints say so.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let host = origin.domain()?.to_owned();
    let built = WebauthnBuilder::new(&host, &origin)
        .and_then(|b| b.rp_name("Portico").timeout(CEREMONY_LIFETIME).build());
    match built {
        Ok(webauthn) => Some(webauthn),
        Err(e) => {
            tracing::warn!(error = %e, public_url, "passkeys unavailable for this public URL");
            None
        }
    }
}
