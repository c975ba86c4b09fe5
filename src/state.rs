//! Shared application state, passed into handlers (no globals).

use std::sync::Arc;

use crate::config::Settings;
use crate::login::hashing::PasswordHasher;
use crate::login::throttle::Throttle;
use crate::ops::metrics::Metrics;
use crate::store::Db;
use crate::tokens::{Protocol, TenantDirectory};

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub tenants: TenantDirectory,
    pub throttle: Throttle,
    pub hasher: PasswordHasher,
    pub metrics: Metrics,
    /// The WebAuthn relying party (`None` when the public URL has no domain name).
    pub webauthn: Option<webauthn_rs::Webauthn>,
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
            webauthn: crate::login::passkey::relying_party(&settings.public_url),
            settings,
            db,
        }))
    }
}
