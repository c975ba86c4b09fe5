//! Password-guessing throttle, first line: keyed GCRA limiters per (tenant,
//! account) and per client IP, in memory per replica. The per-account limit
//! is also counted in the database (`store::attempts`), shared by replicas.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Throttling;

pub struct Throttle {
    accounts: DefaultKeyedRateLimiter<(String, String)>,
    ips: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Throttle {
    pub fn new(settings: &Throttling) -> Throttle {
        Throttle {
            accounts: RateLimiter::keyed(quota(settings.per_account_per_minute)),
            ips: RateLimiter::keyed(quota(settings.per_ip_per_minute)),
        }
    }

    /// Counts one password attempt; false when either limit is exhausted.
    pub fn allow_attempt(&self, tenant_id: &str, email: &str, ip: Option<IpAddr>) -> bool {
        let account_ok = self
            .accounts
            .check_key(&(tenant_id.to_owned(), email.to_owned()))
            .is_ok();
        let ip_ok = ip.is_none_or(|ip| self.ips.check_key(&ip).is_ok());
        if self.accounts.len() > 100_000 {
            self.accounts.retain_recent();
            self.ips.retain_recent();
        }
        account_ok && ip_ok
    }
}
