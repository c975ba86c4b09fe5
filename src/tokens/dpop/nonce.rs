//! Server-issued DPoP nonces (RFC 9449 §8): an HMAC of the tenant and a time
//! window under a key derived from the server secret, so any replica checks
//! one without a database round trip. A nonce is good in the window it was
//! issued and the next one.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::TenantId;

/// How long one window lasts; a nonce lives between one and two of them.
pub const WINDOW_SECONDS: i64 = 300;
const TAG_BYTES: usize = 16;

#[derive(Clone)]
pub struct NonceKey(hmac::Key);

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(..)")
    }
}

impl NonceKey {
    pub fn new(secret: &[u8; 32]) -> NonceKey {
        NonceKey(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    fn tag(&self, tenant: &TenantId, window: i64) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(tenant.as_str().as_bytes());
        ctx.update(&[0]);
        ctx.update(&window.to_be_bytes());
        ctx.sign()
    }

    /// The nonce of the current window for `tenant`.
    pub fn issue(&self, tenant: &TenantId, now: i64) -> String {
        let window = now.div_euclid(WINDOW_SECONDS);
        let mut bytes = window.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.tag(tenant, window).as_ref()[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Whether `nonce` was issued for `tenant` in this window or the last.
    pub fn accepts(&self, tenant: &TenantId, nonce: &str, now: i64) -> bool {
        let Some(bytes) = URL_SAFE_NO_PAD
            .decode(nonce)
            .ok()
            .filter(|b| b.len() == 8 + TAG_BYTES)
        else {
            return false;
        };
        let (window, tag) = bytes.split_at(8);
        let window = i64::from_be_bytes(window.try_into().unwrap_or_default());
        let current = now.div_euclid(WINDOW_SECONDS);
        if window != current && window != current - 1 {
            return false;
        }
        let expected = self.tag(tenant, window);
        subtle::ConstantTimeEq::ct_eq(&expected.as_ref()[..TAG_BYTES], tag).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_for_its_tenant_for_one_to_two_windows() {
        let key = NonceKey::new(&[7; 32]);
        let (a, b) = (
            TenantId::from("tenant-a".to_owned()),
            TenantId::from("tenant-b".to_owned()),
        );
        let now = 1_000_000;
        let nonce = key.issue(&a, now);
        assert!(key.accepts(&a, &nonce, now));
        assert!(key.accepts(&a, &nonce, now + WINDOW_SECONDS));
        assert!(!key.accepts(&a, &nonce, now + 2 * WINDOW_SECONDS));
        assert!(!key.accepts(&b, &nonce, now));
        assert!(!NonceKey::new(&[8; 32]).accepts(&a, &nonce, now));
        assert!(!key.accepts(&a, "not-a-nonce", now));
    }
}
