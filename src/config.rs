//! Settings: flags or `PORTICO_*` environment variables (DESIGN.md §6), validated once.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Token and session lifetimes; fixed defaults, shortened in tests where useful.
#[derive(Clone, Debug)]
pub struct Lifetimes {
    pub access_token: chrono::TimeDelta,
    pub id_token: chrono::TimeDelta,
    pub refresh_token: chrono::TimeDelta,
    pub code: chrono::TimeDelta,
    pub auth_request: chrono::TimeDelta,
    pub session: chrono::TimeDelta,
    /// A device code and its user code (RFC 8628 §3.2 `expires_in`).
    pub device_code: chrono::TimeDelta,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access_token: chrono::TimeDelta::minutes(10),
            id_token: chrono::TimeDelta::minutes(10),
            refresh_token: chrono::TimeDelta::days(30),
            code: chrono::TimeDelta::seconds(60),
            auth_request: chrono::TimeDelta::minutes(30),
            session: chrono::TimeDelta::hours(12),
            device_code: chrono::TimeDelta::minutes(10),
        }
    }
}

/// Signing key rotation: how long the next key is published before it signs
/// (longer than any JWKS a relying party or replica may hold: the JWKS
/// `max-age` plus the tenant cache), and how often due switches and removals
/// are recorded.
#[derive(Clone, Debug)]
pub struct KeyRotation {
    pub prepublish: chrono::TimeDelta,
    pub check_every: Duration,
}

impl Default for KeyRotation {
    fn default() -> Self {
        KeyRotation {
            prepublish: chrono::TimeDelta::hours(1),
            check_every: Duration::from_secs(30),
        }
    }
}

/// The JWKS `Cache-Control: max-age` unless configured.
pub const JWKS_MAX_AGE: Duration = Duration::from_secs(60);
/// How long tenant contexts and clients are cached unless configured.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

/// The shortest pre-publication that no cached JWKS can outlive: a replica
/// may serve a JWKS loaded `cache_ttl` ago, and a relying party may keep it
/// for `jwks_max_age` more.
pub fn min_prepublish(jwks_max_age: Duration, cache_ttl: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(jwks_max_age + cache_ttl).unwrap_or(chrono::TimeDelta::MAX)
}

/// How long a key that stopped signing stays published: until every token
/// it signed has expired (the longest ID or access token lifetime; refresh
/// tokens are opaque and unsigned), counted from the switch, plus the cache
/// TTL during which a replica that has not yet reloaded may still sign with it.
pub fn key_retention(lifetimes: &Lifetimes, cache_ttl: Duration) -> chrono::TimeDelta {
    let longest = lifetimes.access_token.max(lifetimes.id_token);
    longest + chrono::TimeDelta::from_std(cache_ttl).unwrap_or_default()
}

/// Password-guessing limits (per account, per recognised device and per
/// client IP, per minute) and the bound on concurrent password-hash work.
#[derive(Clone, Debug)]
pub struct Throttling {
    pub per_account_per_minute: u32,
    /// For a browser holding a device cookie of the account, instead of the
    /// account-wide limit.
    pub per_device_per_minute: u32,
    pub per_ip_per_minute: u32,
    /// Argon2 checks running at once (default: the number of cores).
    pub password_hash_concurrency: usize,
    /// Checks that may wait for one; past that, 503 with Retry-After.
    pub password_hash_queue: usize,
    /// User codes typed on the device page per client IP (RFC 8628 §5.1).
    pub user_codes_per_ip_per_minute: u32,
}

impl Default for Throttling {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Throttling {
            per_account_per_minute: 10,
            per_device_per_minute: 10,
            per_ip_per_minute: 60,
            password_hash_concurrency: cores,
            password_hash_queue: 16 * cores,
            user_codes_per_ip_per_minute: 10,
        }
    }
}

/// The Device Authorization Grant (RFC 8628): how often devices may poll,
/// and how many pending codes anonymous callers may make the server keep.
#[derive(Clone, Debug)]
pub struct DeviceFlow {
    /// The minimum wait between polls, in seconds (§3.2 `interval`).
    pub poll_interval_seconds: i64,
    /// Unexpired codes one client may hold.
    pub pending_per_client: i64,
    /// Unexpired codes asked for from one IP address.
    pub pending_per_ip: i64,
}

impl Default for DeviceFlow {
    fn default() -> Self {
        DeviceFlow {
            poll_interval_seconds: 5,
            pending_per_client: 1000,
            pending_per_ip: 20,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    pub database_url: String,
    pub lifetimes: Lifetimes,
    pub throttling: Throttling,
    pub device_flow: DeviceFlow,
    /// How long tenant contexts (keys, JWKS) and clients are cached.
    pub cache_ttl: Duration,
    /// The JWKS `Cache-Control: max-age`.
    pub jwks_max_age: Duration,
    pub key_rotation: KeyRotation,
    /// `smtp://host:port`; `None` writes outgoing mail to the log.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// How often the outbox is polled.
    pub mail_poll: Duration,
    /// How long an invitation link stays valid.
    pub invitation_lifetime: chrono::TimeDelta,
    /// Bounds on every call to another OpenID provider (discovery, JWKS,
    /// token): connect, and the whole request.
    pub upstream_connect_timeout: Duration,
    pub upstream_timeout: Duration,
    /// What calls to other OpenID providers may reach (SSRF guard): private
    /// networks, and extra endpoint hosts per issuer.
    pub egress: crate::domain::egress::EgressPolicy,
    /// Seals stored upstream client secrets; `None` when no key is configured.
    pub sealer: Option<crate::crypto::Sealer>,
    /// How long a client may take to send a request body once its headers
    /// are in (slow and stalled uploads are cut off, their connection closed).
    pub request_body_timeout: Duration,
    /// How long a stopping server (SIGTERM) waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Whether the server's start page lists every tenant. Off by default:
    /// slugs are no secret (each is in its issuer URL), but an operator
    /// hosting many organizations need not publish a directory of them;
    /// the page then asks for the organization instead.
    pub list_tenants: bool,
    /// Back-Channel Logout delivery: how often the logout outbox is polled,
    /// the bound on each call to an app, and the first retry's delay
    /// (doubling up to an hour, for a bounded number of attempts).
    pub logout_poll: Duration,
    pub logout_timeout: Duration,
    pub logout_retry: Duration,
    /// How often sessions of users whose access ended are ended (and
    /// their apps told).
    pub access_expiry_poll: Duration,
    /// DPoP (RFC 9449): whether the token endpoint demands server nonces
    /// (§8, on by default), and how old a proof may be.
    pub dpop: DpopSettings,
}

#[derive(Clone, Debug)]
pub struct DpopSettings {
    pub nonce_at_token_endpoint: bool,
    pub proof_max_age: Duration,
}

impl Default for DpopSettings {
    fn default() -> Self {
        DpopSettings {
            nonce_at_token_endpoint: true,
            proof_max_age: Duration::from_secs(60),
        }
    }
}

impl Settings {
    pub fn new(bind: &str, public_url: &str, database_url: &str) -> anyhow::Result<Settings> {
        let parsed = url::Url::parse(public_url)
            .map_err(|e| anyhow::anyhow!("PORTICO_PUBLIC_URL {public_url:?} is not a URL: {e}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.query().is_none(),
            "PORTICO_PUBLIC_URL must be an http(s) URL without a query"
        );
        Ok(Settings {
            bind: bind.to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            database_url: database_url.to_owned(),
            lifetimes: Lifetimes::default(),
            throttling: Throttling::default(),
            device_flow: DeviceFlow::default(),
            cache_ttl: CACHE_TTL,
            jwks_max_age: JWKS_MAX_AGE,
            key_rotation: KeyRotation::default(),
            smtp_url: None,
            mail_from: "Portico <no-reply@portico.invalid>".into(),
            mail_poll: Duration::from_secs(2),
            invitation_lifetime: chrono::TimeDelta::days(30),
            upstream_connect_timeout: Duration::from_secs(3),
            upstream_timeout: Duration::from_secs(10),
            egress: crate::domain::egress::EgressPolicy::default(),
            sealer: None,
            request_body_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            list_tenants: false,
            logout_poll: Duration::from_secs(1),
            logout_timeout: Duration::from_secs(5),
            logout_retry: Duration::from_secs(2),
            access_expiry_poll: Duration::from_secs(30),
            dpop: DpopSettings::default(),
        })
    }

    /// Refuses a key pre-publication shorter than a cached JWKS may live.
    pub fn check_key_rotation(&self) -> anyhow::Result<()> {
        let least = min_prepublish(self.jwks_max_age, self.cache_ttl);
        anyhow::ensure!(
            self.key_rotation.prepublish >= least,
            "the key pre-publication period ({} s) must be at least the JWKS max-age plus the cache TTL ({} s)",
            self.key_rotation.prepublish.num_seconds(),
            least.num_seconds()
        );
        Ok(())
    }

    /// How long a key that stopped signing stays in the JWKS.
    pub fn key_retention(&self) -> chrono::TimeDelta {
        key_retention(&self.lifetimes, self.cache_ttl)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
