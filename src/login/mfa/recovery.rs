//! Recovery codes: ten per user, 80 random bits each, shown once, stored as
//! SHA-256 digests bound to the user, each usable once.

use crate::crypto::token_hash;

pub const COUNT: usize = 10;

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Ten fresh codes, `xxxx-xxxx-xxxx-xxxx`.
pub fn generate() -> Vec<String> {
    (0..COUNT).map(|_| one()).collect()
}

fn one() -> String {
    let bytes: [u8; 16] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored digest of a code for `user_id`, however it was typed
/// (case, dashes and spaces do not matter).
pub fn digest(user_id: &str, typed: &str) -> String {
    let normalized: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    token_hash(&format!("{user_id}:{normalized}"))
}

/// Whether `typed` has the shape of a recovery code (not a TOTP code).
pub fn looks_like(typed: &str) -> bool {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_typed_in_any_case() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        assert_ne!(codes[0], codes[1]);
        assert!(looks_like(&codes[0]) && codes[0].len() == 19);
        let shouted = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(digest("u1", &shouted), digest("u1", &codes[0]));
        assert_ne!(digest("u2", &codes[0]), digest("u1", &codes[0]));
    }
}
