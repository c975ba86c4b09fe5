//! Inbound trust (issue 12), part of the cross-tenant access settings: whether
//! the multifactor authentication a partner's user did at home counts here,
//! as Entra ID's inbound trust settings do. A default plus per-organization
//! entries keyed like the access entries (issuer URL, or slug for a tenant on
//! this server); a configured external provider also carries its own switch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::authn::{Acr, Amr, AuthMethod};

/// What a partner's sign-in counts for here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustSettings {
    /// Multifactor authentication done at the partner satisfies this
    /// tenant's MFA requirements.
    #[serde(default)]
    pub mfa: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundTrust {
    #[serde(default)]
    pub default: TrustSettings,
    /// Issuer URL or tenant slug of the partner → its trust settings.
    #[serde(default)]
    pub partners: BTreeMap<String, TrustSettings>,
}

/// Where a guest's identity was proven, as far as trust is concerned.
#[derive(Clone, Copy, Debug)]
pub enum TrustedParty<'a> {
    /// Another tenant on this server, by slug.
    Tenant(&'a str),
    /// An external provider this tenant configured, with its own switch.
    Provider { trust_mfa: bool },
    /// A passcode mailed to the address: never more than one factor.
    Passcode,
}

impl InboundTrust {
    /// The entry for the organization with this issuer (or, for a tenant
    /// here, this slug), if there is one.
    fn entry(&self, issuer: &str, slug: Option<&str>) -> Option<TrustSettings> {
        self.partners
            .get(issuer)
            .or_else(|| slug.and_then(|s| self.partners.get(s)))
            .copied()
    }

    /// Whether MFA done at the home with `issuer` counts here: an entry for
    /// it decides; otherwise tenants on this server follow the default and
    /// configured providers their own switch.
    pub fn trusts_mfa(&self, issuer: &str, party: TrustedParty<'_>) -> bool {
        match party {
            TrustedParty::Passcode => false,
            TrustedParty::Tenant(slug) => {
                self.entry(issuer, Some(slug)).unwrap_or(self.default).mfa
            }
            TrustedParty::Provider { trust_mfa } => {
                self.entry(issuer, None).map_or(trust_mfa, |t| t.mfa)
            }
        }
    }
}

/// Whether a home's verified token proves a second factor: its `amr` has
/// `mfa` (RFC 8176), or its `acr` is a class of two factors or more.
pub fn proves_mfa(amr: &[String], acr: Option<&str>) -> bool {
    Amr::from_claim(amr).contains(AuthMethod::Mfa)
        || acr
            .and_then(|a| a.parse::<Acr>().ok())
            .is_some_and(|a| a.satisfies(Acr::MultiFactor))
}

/// The methods of a guest's authentication here when another provider
/// vouched for them: `fed`, plus `mfa` when that provider proved MFA and this
/// tenant trusts it to.
pub fn federated_amr(proved_mfa: bool, trusted: bool) -> Amr {
    let fed = Amr::of(&[AuthMethod::Fed]);
    if proved_mfa && trusted {
        fed.with_second_factor(&[])
    } else {
        fed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "https://id.example/t/proseware";

    #[test]
    fn entries_override_the_default_for_tenants_and_the_switch_for_providers() {
        let mut trust = InboundTrust::default();
        assert!(!trust.trusts_mfa(HOME, TrustedParty::Tenant("proseware")));
        trust.default.mfa = true;
        assert!(trust.trusts_mfa(HOME, TrustedParty::Tenant("proseware")));
        trust
            .partners
            .insert("proseware".into(), TrustSettings { mfa: false });
        assert!(!trust.trusts_mfa(HOME, TrustedParty::Tenant("proseware")));
        // The default does not reach a configured provider: its switch does.
        let idp = "https://login.northwind.example";
        assert!(!trust.trusts_mfa(idp, TrustedParty::Provider { trust_mfa: false }));
        assert!(trust.trusts_mfa(idp, TrustedParty::Provider { trust_mfa: true }));
        trust
            .partners
            .insert(idp.into(), TrustSettings { mfa: false });
        assert!(!trust.trusts_mfa(idp, TrustedParty::Provider { trust_mfa: true }));
        assert!(!trust.trusts_mfa("mail", TrustedParty::Passcode));
    }

    #[test]
    fn mfa_is_proven_by_amr_or_acr() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(proves_mfa(&words(&["pwd", "otp", "mfa"]), None));
        assert!(!proves_mfa(&words(&["pwd", "otp"]), None));
        assert!(proves_mfa(&[], Some("urn:portico:acr:mfa")));
        assert!(proves_mfa(&[], Some("phr")));
        assert!(!proves_mfa(&[], Some("urn:portico:acr:sfa")));
        assert!(!proves_mfa(&[], Some("urn:other:gold")));
    }

    #[test]
    fn a_guest_gets_fed_and_mfa_only_when_proven_and_trusted() {
        assert_eq!(federated_amr(true, true).to_text(), "mfa fed");
        assert_eq!(federated_amr(true, false).to_text(), "fed");
        assert_eq!(federated_amr(false, true).to_text(), "fed");
    }
}
