//! The keys of clients that publish them at a `jwks_uri` (OIDC Core §9,
//! `private_key_jwt`), as last fetched: used for [`LIFETIME`], then fetched
//! again. An assertion naming an unknown key id (the client rotated its
//! keys) has them fetched at once, but such refetches, like retries after
//! a failed fetch, happen at most once per [`REFETCH_INTERVAL`] per client,
//! so that made-up key ids cannot make this server call out more often.
//! Fetching itself is the protocol layer's.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use parking_lot::Mutex;

use crate::domain::TenantId;

/// How long fetched keys are used before they are fetched again.
pub const LIFETIME: Duration = Duration::from_secs(300);

/// The shortest time between two refetches of one client's keys for an
/// unknown key id, and between a failed fetch and the next.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// The cache is emptied when it holds this many clients.
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    uri: String,
    keys: Option<(Arc<JwkSet>, Instant)>,
    attempted: Instant,
    /// The last refetch for an unknown key id.
    refetched: Option<Instant>,
}

#[derive(Default)]
pub struct ClientKeyCache {
    entries: Mutex<HashMap<(TenantId, String), Entry>>,
}

impl ClientKeyCache {
    /// The client's keys fetched from `uri` less than [`LIFETIME`] ago.
    /// Keys fetched from another URI (the registration changed) do not count.
    pub fn lookup(&self, tenant_id: &TenantId, client_id: &str, uri: &str) -> Option<Arc<JwkSet>> {
        let entries = self.entries.lock();
        let entry = entries.get(&(tenant_id.clone(), client_id.to_owned()))?;
        if entry.uri != uri {
            return None;
        }
        entry
            .keys
            .as_ref()
            .filter(|(_, fetched)| fetched.elapsed() < LIFETIME)
            .map(|(keys, _)| keys.clone())
    }

    /// Claims the right to fetch now (`for_unknown_kid`: a refetch because
    /// an assertion named a key id the cached keys lack): false when such
    /// a refetch, or any fetch when this is not one, started less than
    /// [`REFETCH_INTERVAL`] ago.
    pub fn start_fetch(
        &self,
        tenant_id: &TenantId,
        client_id: &str,
        uri: &str,
        for_unknown_kid: bool,
    ) -> bool {
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let key = (tenant_id.clone(), client_id.to_owned());
        match entries.get_mut(&key) {
            Some(entry) if entry.uri == uri => {
                let last = match for_unknown_kid {
                    true => entry.refetched,
                    false => Some(entry.attempted),
                };
                if last.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL) {
                    return false;
                }
                entry.attempted = Instant::now();
                if for_unknown_kid {
                    entry.refetched = Some(Instant::now());
                }
            }
            _ => {
                entries.insert(
                    key,
                    Entry {
                        uri: uri.to_owned(),
                        keys: None,
                        attempted: Instant::now(),
                        refetched: None,
                    },
                );
            }
        }
        true
    }

    /// Stores keys just fetched from `uri`.
    pub fn store(&self, tenant_id: &TenantId, client_id: &str, uri: &str, keys: Arc<JwkSet>) {
        let mut entries = self.entries.lock();
        if let Some(entry) = entries.get_mut(&(tenant_id.clone(), client_id.to_owned()))
            && entry.uri == uri
        {
            entry.keys = Some((keys, Instant::now()));
        }
    }
}
