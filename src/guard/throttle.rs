//! Keyed GCRA limiters, in memory per replica.
//!
//! - Password guessing, first line: per (tenant, account) and per client IP.
//!   The per-account limit is also counted in the database
//!   (`store::attempts`), shared by replicas. A browser holding the
//!   account's device cookie is limited per device instead of per account.
//! - Anonymous writes: requests that make the server store something for a
//!   browser nobody has authenticated yet (an authorization request, the
//!   email-first step's home round trip or passcode) are limited per client
//!   IP, at twice the password rate per IP: one sign-in takes one of each.
//! - Second-factor codes per account: a slower, longer limit in memory next
//!   to the per-minute count in the database (`login::mfa::check`).
//! - User codes typed on the device page (RFC 8628 §5.1), per client IP.
//! - Passcodes asked for one address from one IP: a stranger's requests for
//!   a guest's address use up the stranger's allowance, not the guest's.

use crate::domain::TenantId;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Throttling;

/// Anonymous writes allowed per IP per minute, per password attempt allowed.
pub const ANONYMOUS_PER_PASSWORD_ATTEMPT: u32 = 2;
/// Passcodes for one address from one IP per hour (twice what one browser
/// may ask for, so that a guest behind the same address as a stranger, or
/// in a second browser of their own, still gets one).
pub const PASSCODES_PER_ADDRESS_AND_IP_PER_HOUR: u32 = 10;
/// Second-factor codes per account per hour (after a burst of as many, one
/// every two minutes): a guesser who has the password gets about 750 tries
/// of a million a day, and the owner never waits in ordinary use.
pub const SECOND_FACTOR_CODES_PER_HOUR: u32 = 30;
/// Keys kept before stale ones are dropped.
const MAX_KEYS: usize = 100_000;

pub struct Throttle {
    accounts: DefaultKeyedRateLimiter<(String, String)>,
    devices: DefaultKeyedRateLimiter<String>,
    ips: DefaultKeyedRateLimiter<IpAddr>,
    anonymous: DefaultKeyedRateLimiter<IpAddr>,
    passcodes: DefaultKeyedRateLimiter<(String, String, IpAddr)>,
    second_factors: DefaultKeyedRateLimiter<(String, String)>,
    user_codes: DefaultKeyedRateLimiter<IpAddr>,
}

fn non_zero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(non_zero(per_minute))
}

impl Throttle {
    pub fn new(settings: &Throttling) -> Throttle {
        Throttle {
            accounts: RateLimiter::keyed(quota(settings.per_account_per_minute)),
            devices: RateLimiter::keyed(quota(settings.per_device_per_minute)),
            ips: RateLimiter::keyed(quota(settings.per_ip_per_minute)),
            anonymous: RateLimiter::keyed(quota(
                settings
                    .per_ip_per_minute
                    .saturating_mul(ANONYMOUS_PER_PASSWORD_ATTEMPT),
            )),
            passcodes: RateLimiter::keyed(Quota::per_hour(non_zero(
                PASSCODES_PER_ADDRESS_AND_IP_PER_HOUR,
            ))),
            second_factors: RateLimiter::keyed(Quota::per_hour(non_zero(
                SECOND_FACTOR_CODES_PER_HOUR,
            ))),
            user_codes: RateLimiter::keyed(quota(settings.user_codes_per_ip_per_minute)),
        }
    }

    /// Counts one password attempt; false when either limit is exhausted.
    pub fn allow_attempt(&self, tenant_id: &TenantId, email: &str, ip: Option<IpAddr>) -> bool {
        let account_ok = self
            .accounts
            .check_key(&(tenant_id.to_string(), email.to_owned()))
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
        if self.accounts.len() + self.devices.len() > MAX_KEYS {
            self.accounts.retain_recent();
            self.devices.retain_recent();
            self.ips.retain_recent();
        }
    }

    /// Counts one request that stores something for an unauthenticated
    /// browser; false when its IP has used up its allowance.
    pub fn allow_anonymous(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return true };
        let ok = self.anonymous.check_key(&ip).is_ok();
        if self.anonymous.len() > MAX_KEYS {
            self.anonymous.retain_recent();
        }
        ok
    }

    /// Counts one passcode for `email` asked from `ip`; false when that IP
    /// has asked for too many for this address.
    pub fn allow_passcode(&self, tenant_id: &TenantId, email: &str, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return true };
        let ok = self
            .passcodes
            .check_key(&(tenant_id.to_string(), email.to_owned(), ip))
            .is_ok();
        if self.passcodes.len() > MAX_KEYS {
            self.passcodes.retain_recent();
        }
        ok
    }

    /// Counts one second-factor code for the user; false when they have
    /// used up the hour's allowance.
    pub fn allow_second_factor(&self, tenant_id: &TenantId, user_id: &str) -> bool {
        let ok = self
            .second_factors
            .check_key(&(tenant_id.to_string(), user_id.to_owned()))
            .is_ok();
        if self.second_factors.len() > MAX_KEYS {
            self.second_factors.retain_recent();
        }
        ok
    }
}

impl Throttle {
    /// Counts one user code typed from `ip`, found or not (RFC 8628 §5.1:
    /// 20^8 codes, so a guesser needs its allowance for years); false when
    /// the IP has used it up.
    pub fn allow_user_code(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return true };
        let ok = self.user_codes.check_key(&ip).is_ok();
        if self.user_codes.len() > MAX_KEYS {
            self.user_codes.retain_recent();
        }
        ok
    }
}

/// The page for a browser whose IP has used up its anonymous allowance.
pub fn busy(tenant_name: &str) -> crate::pages::PageError {
    crate::pages::PageError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        tenant_name,
        "Too many sign-in requests",
        "Too many sign-ins were started from your network in the last minute. Wait a minute and try again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_factor_codes_are_limited_per_account_and_hour() {
        let throttle = Throttle::new(&Throttling::default());
        let (t1, t2) = (
            TenantId::from("t1".to_owned()),
            TenantId::from("t2".to_owned()),
        );
        for _ in 0..SECOND_FACTOR_CODES_PER_HOUR {
            assert!(throttle.allow_second_factor(&t1, "alice"));
        }
        assert!(!throttle.allow_second_factor(&t1, "alice"));
        assert!(throttle.allow_second_factor(&t1, "bob"), "per account");
        assert!(throttle.allow_second_factor(&t2, "alice"), "per tenant");
    }
}
