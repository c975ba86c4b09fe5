//! Device Authorization Grant values (RFC 8628): the user code a person
//! types (§6.1: an unambiguous alphabet, shown in two groups) and the state
//! of a device code between its issue and its single redemption.

use std::fmt;

use super::text_enum::text_enum;

/// RFC 8628 §6.1's example alphabet: consonants only (no vowels, so no
/// words; no look-alike digits), read back case-insensitively.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code: 20^8 ≈ 2.6·10^10 codes (§5.1 entropy).
pub const USER_CODE_LENGTH: usize = 8;

/// A user code, stored as its eight letters and shown as `XXXX-XXXX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    /// A fresh code, uniformly drawn from the alphabet.
    pub fn generate() -> UserCode {
        let letters = (0..USER_CODE_LENGTH)
            .map(|_| {
                char::from(USER_CODE_ALPHABET[rand::random_range(0..USER_CODE_ALPHABET.len())])
            })
            .collect();
        UserCode(letters)
    }

    /// What a person typed: any case, with or without the dash or spaces
    /// (§6.1); `None` for anything that cannot be a code.
    pub fn parse(typed: &str) -> Option<UserCode> {
        if typed.len() > 4 * USER_CODE_LENGTH {
            return None;
        }
        let letters: String = typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = letters.len() == USER_CODE_LENGTH
            && letters.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
        valid.then_some(UserCode(letters))
    }

    /// The stored form: the eight letters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The form shown to people: `XXXX-XXXX`.
impl fmt::Display for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(USER_CODE_LENGTH / 2);
        write!(f, "{a}-{b}")
    }
}

text_enum! {
    /// Where a device code stands (RFC 8628 §3.5): waiting for the person,
    /// approved or denied by them, or redeemed for tokens (once).
    pub enum DeviceStatus as "device code status" {
        Pending = "pending",
        Approved = "approved",
        Denied = "denied",
        Used = "used",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_alphabet_and_read_back_however_typed() {
        for _ in 0..100 {
            let code = UserCode::generate();
            assert_eq!(code.as_str().len(), USER_CODE_LENGTH);
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| USER_CODE_ALPHABET.contains(&b))
            );
            let shown = code.to_string();
            assert_eq!(shown.len(), USER_CODE_LENGTH + 1);
            assert_eq!(UserCode::parse(&shown), Some(code.clone()));
            assert_eq!(UserCode::parse(&shown.to_lowercase()), Some(code.clone()));
            assert_eq!(UserCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(
            UserCode::parse("wdjb mjht").map(|c| c.to_string()),
            Some("WDJB-MJHT".into())
        );
    }

    #[test]
    fn anything_else_is_no_code() {
        for typed in [
            "",
            "WDJB-MJH",
            "WDJB-MJHTX",
            "WDJB-MJH1",
            "AEIO-UWDJ",
            "WDJB_MJHT",
        ] {
            assert_eq!(UserCode::parse(typed), None, "{typed}");
        }
        assert_eq!(UserCode::parse(&"-".repeat(10_000)), None);
    }
}
