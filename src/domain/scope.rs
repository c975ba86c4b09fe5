//! Scopes (RFC 6749 §3.3; OIDC Core §5.4 and §11).

use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    OpenId,
    Profile,
    Email,
    OfflineAccess,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::OpenId,
        Scope::Profile,
        Scope::Email,
        Scope::OfflineAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Email => "email",
            Scope::OfflineAccess => "offline_access",
        }
    }

    fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// A set of known scopes. Unknown scope values are an `invalid_scope` error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    pub fn parse(s: &str) -> Result<ScopeSet, String> {
        s.split(' ')
            .filter(|part| !part.is_empty())
            .map(|part| Scope::parse(part).ok_or_else(|| format!("unknown scope {part:?}")))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(ScopeSet)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// This set and `more`.
    pub fn with(&self, more: impl IntoIterator<Item = Scope>) -> ScopeSet {
        let mut union = self.0.clone();
        union.extend(more);
        ScopeSet(union)
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::{Scope, ScopeSet};

    #[test]
    fn scopes_parse_and_print_in_order() {
        let s = ScopeSet::parse("email  openid").unwrap();
        assert!(s.contains(Scope::OpenId));
        assert_eq!(s.to_string(), "openid email");
        assert!(ScopeSet::parse("openid admin").is_err());
    }
}
