//! Tenant slugs: `[a-z0-9][a-z0-9-]{1,62}` (DESIGN.md §2).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(s: &str) -> Result<TenantSlug, String> {
        let bytes = s.as_bytes();
        let valid_len = (2..=63).contains(&bytes.len());
        let first_ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if valid_len && first_ok && rest_ok {
            Ok(TenantSlug(s.to_owned()))
        } else {
            Err(format!(
                "{s:?} is not a valid tenant slug: use 2-63 of a-z, 0-9 and '-', starting with a letter or digit"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::TenantSlug;

    #[test]
    fn slugs_follow_the_pattern() {
        assert!(TenantSlug::parse("contoso").is_ok());
        assert!(TenantSlug::parse("a1-b").is_ok());
        assert!(TenantSlug::parse("-abc").is_err());
        assert!(TenantSlug::parse("a").is_err());
        assert!(TenantSlug::parse("Contoso").is_err());
        assert!(TenantSlug::parse("con/toso").is_err());
        assert!(TenantSlug::parse(&"a".repeat(64)).is_err());
    }
}
