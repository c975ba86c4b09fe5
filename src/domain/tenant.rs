//! How a tenant signs its members in, and what its identity providers are for.

use super::text_enum::text_enum;

text_enum! {
    /// Where a tenant's members sign in.
    pub enum AuthMode as "auth mode" {
        /// With a password kept here.
        Local = "local",
        /// At the tenant's one upstream OpenID provider (DESIGN.md §5).
        Federated = "federated",
    }
}

text_enum! {
    /// What a configured identity provider is for.
    pub enum IdpRole as "identity provider role" {
        /// The home of guests whose address is in one of its domains.
        Guests = "guests",
        /// The upstream of a federated tenant: every member signs in there.
        Upstream = "upstream",
    }
}

impl AuthMode {
    /// Whether every member sign-in goes to the upstream (no local password).
    pub fn signs_in_upstream(self) -> bool {
        match self {
            AuthMode::Local => false,
            AuthMode::Federated => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for m in AuthMode::ALL {
            assert_eq!(m.as_str().parse::<AuthMode>(), Ok(*m));
        }
        for r in IdpRole::ALL {
            assert_eq!(r.as_str().parse::<IdpRole>(), Ok(*r));
        }
        assert!("Federated".parse::<AuthMode>().is_err());
        assert!("guest".parse::<IdpRole>().is_err());
    }
}
