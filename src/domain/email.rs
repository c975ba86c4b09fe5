//! Email addresses, normalised to lower case; enough syntax to route mail and
//! find a home realm, not a full RFC 5322 parser.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, String> {
        let s = s.trim().to_ascii_lowercase();
        let invalid = || format!("{s:?} is not a valid email address");
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_graphic() && !"@<>()[]\\,;:\"".contains(c));
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(s))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// Normalises a submitted list of email domains: lower-case, checked,
/// sorted, without duplicates.
pub fn domain_list(submitted: &[String]) -> Result<Vec<String>, String> {
    let mut domains = Vec::new();
    for d in submitted {
        let email = Email::parse(&format!("x@{}", d.trim()))
            .map_err(|_| format!("{d:?} is not a domain name"))?;
        domains.push(email.domain().to_owned());
    }
    domains.sort();
    domains.dedup();
    Ok(domains)
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn emails_are_normalised_and_checked() {
        let e = Email::parse(" GCarvalho@Proseware.com ").unwrap();
        assert_eq!(e.as_str(), "gcarvalho@proseware.com");
        assert_eq!(e.domain(), "proseware.com");
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@-b.com",
            "a b@c.com",
            "@c.com",
            "a@c..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
