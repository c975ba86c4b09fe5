//! The per-tenant context every request needs (tenant row, issuer, current
//! signing key, published verification keys, JWKS), cached for a short TTL so
//! a key rotated through any replica is picked up by all without a restart.
//! A context knows when its keys change next (a switch, a removal) and is
//! rebuilt from its own rows at that moment, database or not, so every
//! replica switches at the stored time.

use crate::domain::TenantId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use parking_lot::RwLock;

use super::keys::{self, SigningAlg, SigningKey};
use super::rotation;
use crate::domain::TenantSlug;
use crate::store::apps::Client;
use crate::store::tenants::Tenant;
use crate::store::{self, Db, DbConn, StoreError, StoreResult};

pub struct VerificationKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub key: DecodingKey,
}

pub struct TenantContext {
    pub tenant: Tenant,
    pub issuer: String,
    pub signing: SigningKey,
    pub verification: Vec<VerificationKey>,
    /// The JWKS document, serialised once.
    pub jwks: String,
    /// The discovery document, serialised once.
    pub discovery: String,
    /// The tenant's published keys, to rebuild from at `changes_at`.
    rows: Vec<store::keys::KeyRow>,
    /// When a key starts signing or leaves the JWKS next.
    changes_at: Option<chrono::NaiveDateTime>,
    loaded: Instant,
}

impl TenantContext {
    pub fn verification_key(&self, kid: &str) -> Option<&VerificationKey> {
        self.verification.iter().find(|k| k.kid == kid)
    }
}

/// Longer than any client id this server registers (UUIDs, chosen ids);
/// anything longer is unknown without a lookup.
pub const MAX_CLIENT_ID_LEN: usize = 255;
/// The client cache is emptied when it reaches this many entries.
const MAX_CACHED_CLIENTS: usize = 10_000;
/// How long a cached tenant context or client is still served when the
/// database cannot be reached to refresh it: discovery, JWKS and
/// client_credentials tokens go on through a short outage, not a long one.
const STALE_LIMIT: Duration = Duration::from_secs(600);

struct CachedClient {
    loaded: Instant,
    client: Arc<Client>,
}

/// What the protocol layer (`oidc/`) tells the directory, wired at startup so
/// that `tokens/` depends on nothing above the store: a tenant's issuer URL,
/// its discovery document, and the clients every tenant has without
/// registering them.
#[derive(Clone, Copy)]
pub struct Protocol {
    /// The issuer URL of a slug under a public URL.
    pub issuer_url: fn(public_url: &str, slug: &str) -> String,
    /// The discovery document of an issuer signing with `alg`, serialised.
    pub discovery: fn(issuer: &str, alg: SigningAlg) -> String,
    /// A client the tenant has without registering it, if `client_id` names one.
    pub built_in_client: fn(
        conn: &mut DbConn,
        tenant_id: &TenantId,
        client_id: &str,
        public_url: &str,
    ) -> StoreResult<Option<Client>>,
}

pub struct TenantDirectory {
    db: Db,
    protocol: Protocol,
    public_url: String,
    ttl: Duration,
    tenants: RwLock<HashMap<String, Arc<TenantContext>>>,
    clients: RwLock<HashMap<(TenantId, String), CachedClient>>,
    stale_served: Option<prometheus::IntCounterVec>,
}

/// The slug, when `url` is the issuer URL of a tenant slug on the server at
/// `public_url` (existence not checked).
pub fn sibling_slug<'a>(public_url: &str, url: &'a str) -> Option<&'a str> {
    url.strip_prefix(public_url.trim_end_matches('/'))?
        .strip_prefix("/t/")
        .filter(|slug| TenantSlug::parse(slug).is_ok())
}

impl TenantDirectory {
    pub fn new(db: Db, protocol: Protocol, public_url: &str, ttl: Duration) -> TenantDirectory {
        TenantDirectory {
            db,
            protocol,
            public_url: public_url.trim_end_matches('/').to_owned(),
            ttl,
            tenants: RwLock::default(),
            clients: RwLock::default(),
            stale_served: None,
        }
    }

    /// Counts answers served stale during an outage in this metric.
    pub fn count_stale_in(&mut self, counter: prometheus::IntCounterVec) {
        self.stale_served = Some(counter);
    }

    /// `fresh`'s outcome, or, when the database was unreachable, the cached
    /// value if it is recent enough (counted as served stale).
    fn or_stale<T>(
        &self,
        fresh: StoreResult<Option<T>>,
        cached: Option<(Instant, T)>,
        cache: &str,
    ) -> StoreResult<Option<T>> {
        match (fresh, cached) {
            (Err(e), Some((loaded, value)))
                if e.is_unavailable() && loaded.elapsed() < STALE_LIMIT =>
            {
                tracing::warn!(cache, error = %e, "database unreachable: serving from cache");
                if let Some(counter) = &self.stale_served {
                    counter.with_label_values(&[cache]).inc();
                }
                Ok(Some(value))
            }
            (fresh, _) => fresh,
        }
    }

    pub fn issuer_for(&self, slug: &str) -> String {
        (self.protocol.issuer_url)(&self.public_url, slug)
    }

    /// The slug, when `url` is the issuer URL of a tenant slug on this server
    /// (the inverse of [`TenantDirectory::issuer_for`]; existence not checked).
    pub fn slug_of_issuer<'a>(&self, url: &'a str) -> Option<&'a str> {
        sibling_slug(&self.public_url, url)
    }

    /// The tenant's context, or `None` when no such tenant exists.
    pub async fn get(&self, slug: &str) -> StoreResult<Option<Arc<TenantContext>>> {
        let cached = self.tenants.read().get(slug).cloned();
        if let Some(ctx) = &cached
            && ctx.loaded.elapsed() < self.ttl
        {
            return self.as_of_now(ctx.clone()).map(Some);
        }
        let fresh = self.reload(slug).await;
        match self.or_stale(fresh, cached.map(|c| (c.loaded, c)), "tenant")? {
            Some(ctx) => self.as_of_now(ctx).map(Some),
            None => Ok(None),
        }
    }

    /// `ctx`, or when one of its keys has switched or expired since it was
    /// built, `ctx` rebuilt from its own rows for this moment (no database:
    /// the times are in the rows), keeping when it was loaded.
    fn as_of_now(&self, ctx: Arc<TenantContext>) -> StoreResult<Arc<TenantContext>> {
        if ctx.changes_at.is_none_or(|at| at > store::now()) {
            return Ok(ctx);
        }
        let mut rebuilt = self.build(ctx.tenant.clone(), ctx.rows.clone())?;
        rebuilt.loaded = ctx.loaded;
        let rebuilt = Arc::new(rebuilt);
        self.tenants
            .write()
            .insert(ctx.tenant.slug.clone(), rebuilt.clone());
        Ok(rebuilt)
    }

    /// Reloads from the database, bypassing the cache (e.g. on an unknown kid).
    pub async fn reload(&self, slug: &str) -> StoreResult<Option<Arc<TenantContext>>> {
        let Ok(slug) = TenantSlug::parse(slug) else {
            return Ok(None);
        };
        let slug_str = slug.as_str().to_owned();
        let loaded = self
            .db
            .read(move |c| {
                let Some(tenant) = store::tenants::find_by_slug(c, &slug_str)? else {
                    return Ok(None);
                };
                let keys = store::keys::published(c, &tenant.id)?;
                Ok(Some((tenant, keys)))
            })
            .await?;
        let Some((tenant, mut key_rows)) = loaded else {
            self.tenants.write().remove(slug.as_str());
            return Ok(None);
        };
        if rotation::signing_at(&key_rows, store::now()).is_none() {
            key_rows = self.create_first_key(&tenant).await?;
        }
        let ctx = Arc::new(self.build(tenant, key_rows)?);
        self.tenants
            .write()
            .insert(slug.as_str().to_owned(), ctx.clone());
        Ok(Some(ctx))
    }

    async fn create_first_key(&self, tenant: &Tenant) -> StoreResult<Vec<store::keys::KeyRow>> {
        let alg = SigningAlg::parse(&tenant.signing_alg).unwrap_or(SigningAlg::Rs256);
        let row = keys::generate(alg)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .into_row(&tenant.id, store::now());
        let tenant_id = tenant.id.clone();
        self.db
            .write(move |c| {
                // Another replica may have won the race; keep whichever is there.
                let rows = store::keys::published(c, &tenant_id)?;
                if rotation::signing_at(&rows, store::now()).is_none() {
                    store::keys::insert(c, &row)?;
                }
                store::keys::published(c, &tenant_id)
            })
            .await
    }

    /// The context as of now: the key that signs now, every key still
    /// published (the next one too, so tokens it signs on a replica whose
    /// clock runs ahead still verify).
    fn build(
        &self,
        tenant: Tenant,
        mut rows: Vec<store::keys::KeyRow>,
    ) -> StoreResult<TenantContext> {
        let corrupt = |e: String| StoreError::Corrupt(e);
        let at = store::now();
        rows.retain(|k| k.publish_until.is_none_or(|until| until > at));
        let current = rotation::signing_at(&rows, at)
            .ok_or_else(|| corrupt("no current signing key".into()))?;
        let signing = SigningKey::from_row(current).map_err(|e| corrupt(e.to_string()))?;
        let mut jwks = Vec::with_capacity(rows.len());
        let mut verification = Vec::with_capacity(rows.len());
        for row in &rows {
            let public: serde_json::Value =
                serde_json::from_str(&row.public_jwk).map_err(|e| corrupt(e.to_string()))?;
            let jwk: Jwk =
                serde_json::from_value(public.clone()).map_err(|e| corrupt(e.to_string()))?;
            verification.push(VerificationKey {
                kid: row.kid.clone(),
                alg: SigningAlg::parse(&row.alg).ok_or_else(|| corrupt("unknown alg".into()))?,
                key: DecodingKey::from_jwk(&jwk).map_err(|e| corrupt(e.to_string()))?,
            });
            jwks.push(public);
        }
        let issuer = self.issuer_for(&tenant.slug);
        Ok(TenantContext {
            discovery: (self.protocol.discovery)(&issuer, signing.alg),
            issuer,
            tenant,
            signing,
            verification,
            jwks: serde_json::json!({ "keys": jwks }).to_string(),
            changes_at: rotation::next_change(&rows, at),
            rows,
            loaded: Instant::now(),
        })
    }

    /// A client of this tenant, cached like the tenant context. Only clients
    /// that exist are cached: a made-up client id costs one lookup and no
    /// memory, and one longer than any client id here is not even looked up.
    pub async fn client(
        &self,
        tenant_id: &TenantId,
        client_id: &str,
    ) -> StoreResult<Option<Arc<Client>>> {
        // Registered client ids are short; a sibling tenant's is its issuer URL.
        if client_id.len() > MAX_CLIENT_ID_LEN && self.slug_of_issuer(client_id).is_none() {
            return Ok(None);
        }
        let key = (tenant_id.to_owned(), client_id.to_owned());
        let cached = self
            .clients
            .read()
            .get(&key)
            .map(|entry| (entry.loaded, entry.client.clone()));
        if let Some((loaded, client)) = &cached
            && loaded.elapsed() < self.ttl
        {
            return Ok(Some(client.clone()));
        }
        let fresh = self.load_client(&key).await;
        self.or_stale(fresh, cached, "client")
    }

    async fn load_client(&self, key: &(TenantId, String)) -> StoreResult<Option<Arc<Client>>> {
        let (t, c) = key.clone();
        let (public_url, built_in) = (self.public_url.clone(), self.protocol.built_in_client);
        let client = self
            .db
            .read(move |conn| match store::apps::find(conn, &t, &c)? {
                Some(client) => Ok(Some(client)),
                None => built_in(conn, &t, &c, &public_url),
            })
            .await?
            .map(Arc::new);
        let mut cache = self.clients.write();
        let Some(client) = client else {
            // A client deleted since it was cached goes too.
            cache.remove(key);
            return Ok(None);
        };
        if cache.len() >= MAX_CACHED_CLIENTS {
            cache.clear();
        }
        cache.insert(
            key.clone(),
            CachedClient {
                loaded: Instant::now(),
                client: client.clone(),
            },
        );
        Ok(Some(client))
    }

    /// Drops this replica's cached copy of a client, so that a change made
    /// here (a rotated secret) applies to its next request at once.
    pub fn forget_client(&self, tenant_id: &TenantId, client_id: &str) {
        let key = (tenant_id.to_owned(), client_id.to_owned());
        self.clients.write().remove(&key);
    }

    /// How many clients are cached (for operators and tests: it never counts
    /// client ids that do not exist).
    pub fn cached_clients(&self) -> usize {
        self.clients.read().len()
    }
}
