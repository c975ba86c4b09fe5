//! Secrets: random tokens, their SHA-256 digests, and argon2id password hashes
//! (DESIGN.md §4: SHA-256 for 256-bit random tokens, argon2id for passwords).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, base64url without padding (43 characters).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a random token: base64url(SHA-256(token)).
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    Ok(hash.to_string())
}

/// Verifies against a stored PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A well-formed argon2id hash of a random password, verified when a user is
/// unknown so that timing does not reveal whether an account exists.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Seals stored configuration secrets (upstream client secrets) with
/// AES-256-GCM under a server key kept outside the database. Each value is
/// bound to its row through the associated data, so a sealed value copied to
/// another row does not open.
#[derive(Clone)]
pub struct Sealer {
    key: std::sync::Arc<aws_lc_rs::aead::LessSafeKey>,
    /// Derives keys for other purposes (e.g. DPoP nonces) from the same
    /// server secret, so replicas sharing the key file agree on them.
    derive: std::sync::Arc<aws_lc_rs::hmac::Key>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a sealed secret could not be opened (wrong server key or tampered value)")]
pub struct SealError;

const SEAL_PREFIX: &str = "v1.";

impl Sealer {
    pub fn from_key(bytes: &[u8]) -> anyhow::Result<Sealer> {
        let unbound = aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, bytes)
            .map_err(|_| anyhow::anyhow!("the secret key must be 32 bytes"))?;
        Ok(Sealer {
            key: std::sync::Arc::new(aws_lc_rs::aead::LessSafeKey::new(unbound)),
            derive: std::sync::Arc::new(aws_lc_rs::hmac::Key::new(
                aws_lc_rs::hmac::HMAC_SHA256,
                bytes,
            )),
        })
    }

    /// A key given as base64url (`PORTICO_SECRET_KEY`).
    pub fn from_base64(encoded: &str) -> anyhow::Result<Sealer> {
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded.trim().trim_end_matches('='))
            .map_err(|_| anyhow::anyhow!("the secret key is not base64url"))?;
        Sealer::from_key(&bytes)
    }

    /// A fresh random key (tests, and first start without a key file).
    pub fn generate() -> (Sealer, String) {
        let bytes: [u8; 32] = rand::random();
        let encoded = URL_SAFE_NO_PAD.encode(bytes);
        (Sealer::from_key(&bytes).expect("32-byte key"), encoded)
    }

    /// Reads the key file, creating it (owner-only) on first use.
    pub fn load_or_create(path: &std::path::Path) -> anyhow::Result<Sealer> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                Sealer::from_base64(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (sealer, encoded) = Sealer::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options
                    .open(path)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
                std::io::Write::write_all(&mut file, format!("{encoded}\n").as_bytes())?;
                tracing::info!(path = %path.display(), "created a new secret key file");
                Ok(sealer)
            }
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// A 256-bit key for `purpose`, HMAC-SHA-256(server key, purpose): one
    /// key per purpose, none of them revealing the sealing key.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let tag = aws_lc_rs::hmac::sign(&self.derive, purpose.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    pub fn seal(&self, context: &str, plaintext: &str) -> String {
        let nonce_bytes: [u8; 12] = rand::random();
        let nonce = aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce_bytes);
        let mut in_out = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                nonce,
                aws_lc_rs::aead::Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .expect("AES-GCM sealing of a short value cannot fail");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&in_out);
        format!("{SEAL_PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, context: &str, sealed: &str) -> Result<String, SealError> {
        let bytes = sealed
            .strip_prefix(SEAL_PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or(SealError)?;
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce =
            aws_lc_rs::aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(
                nonce,
                aws_lc_rs::aead::Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| SealError)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let (sealer, _) = Sealer::generate();
        let sealed = sealer.seal("idp-1", "s3cret");
        assert!(!sealed.contains("s3cret"));
        assert_eq!(sealer.open("idp-1", &sealed).unwrap(), "s3cret");
        assert!(sealer.open("idp-2", &sealed).is_err());
        let (other, _) = Sealer::generate();
        assert!(other.open("idp-1", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        assert!(sealer.open("idp-1", &tampered).is_err());
    }

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
