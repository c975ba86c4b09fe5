//! Why a browser was sent to another OpenID provider (a stored home flow).

use super::text_enum::text_enum;

text_enum! {
    /// The purpose stored with a relying-party round trip.
    pub enum FlowPurpose as "flow purpose" {
        /// A guest redeeming an invitation at their home.
        Redeem = "redeem",
        /// A guest signing in at their home.
        SignIn = "signin",
        /// A member of a federated tenant signing in at its upstream.
        Federated = "federated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for p in FlowPurpose::ALL {
            assert_eq!(p.as_str().parse::<FlowPurpose>(), Ok(*p));
        }
        assert!("sign_in".parse::<FlowPurpose>().is_err());
    }
}
