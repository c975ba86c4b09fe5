//! Password-guessing throttle, first line: keyed GCRA limiters per (tenant,
//! account) and per client IP, in memory per replica. The per-account limit
//! is also counted in the database (`store::attempts`), shared by replicas.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Throttling;

pub struct Throttle {
    accounts: DefaultKeyedRateLimiter<(String, String)>,
    devices: DefaultKeyedRateLimiter<String>,
    ips: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Throttle {
    pub fn new(settings: &Throttling) -> Throttle {
        Throttle {
            accounts: RateLimiter::keyed(quota(settings.per_account_per_minute)),
            devices: RateLimiter::keyed(quota(settings.per_device_per_minute)),
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
        self.forget_idle();
        account_ok && ip_ok
    }

    /// Counts one attempt from a browser holding the account's device cookie
    /// (`device` names it): its own limit replaces the account-wide one.
    pub fn allow_device_attempt(&self, device: &str, ip: Option<IpAddr>) -> bool {
        let device_ok = self.devices.check_key(&device.to_owned()).is_ok();
        let ip_ok = ip.is_none_or(|ip| self.ips.check_key(&ip).is_ok());
        self.forget_idle();
        device_ok && ip_ok
    }

    fn forget_idle(&self) {
        if self.accounts.len() + self.devices.len() > 100_000 {
            self.accounts.retain_recent();
            self.devices.retain_recent();
            self.ips.retain_recent();
        }
    }
}
