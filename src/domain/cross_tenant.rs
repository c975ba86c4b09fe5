//! Cross-tenant access settings' values (DESIGN.md §1): inbound (whose users
//! may come in as guests) and outbound (where this tenant's users may go as
//! guests), each a default plus per-organization entries keyed by issuer URL
//! or, for tenants on this server, by tenant slug. Stored by
//! `store::cross_tenant`, enforced by `b2b::cross_tenant`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::inbound_trust::{InboundTrust, TrustSettings};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Allow,
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectionSettings {
    pub default: Access,
    /// Issuer URL of the partner organization → allow or block.
    #[serde(default)]
    pub partners: BTreeMap<String, Access>,
}

impl Default for DirectionSettings {
    fn default() -> Self {
        DirectionSettings {
            default: Access::Allow,
            partners: BTreeMap::new(),
        }
    }
}

impl DirectionSettings {
    /// Whether the organization with this issuer URL (and, when it is a
    /// tenant on this server, this slug) is allowed: an entry for either
    /// name overrides the default.
    pub fn allows(&self, issuer: &str, tenant: Option<&str>) -> bool {
        self.partners
            .get(issuer)
            .or_else(|| tenant.and_then(|slug| self.partners.get(slug)))
            .copied()
            .unwrap_or(self.default)
            == Access::Allow
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossTenantAccess {
    #[serde(default)]
    pub inbound: DirectionSettings,
    #[serde(default)]
    pub outbound: DirectionSettings,
    /// What partners' sign-ins count for here (their users as guests).
    #[serde(default)]
    pub inbound_trust: InboundTrust,
}

impl CrossTenantAccess {
    pub fn validated(self) -> Result<CrossTenantAccess, String> {
        for issuer in self
            .inbound
            .partners
            .keys()
            .chain(self.outbound.partners.keys())
            .chain(self.inbound_trust.partners.keys())
        {
            // A partner is a tenant on this server (by slug) or any issuer URL.
            if crate::domain::TenantSlug::parse(issuer).is_ok() {
                continue;
            }
            let url = url::Url::parse(issuer)
                .map_err(|_| format!("{issuer:?} is neither a tenant nor an issuer URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("{issuer:?} is not an http(s) issuer URL"));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_override_the_default() {
        let mut d = DirectionSettings::default();
        assert!(d.allows("https://a.example", None));
        d.partners.insert("https://a.example".into(), Access::Block);
        assert!(!d.allows("https://a.example", None));
        d.default = Access::Block;
        d.partners.insert("https://b.example".into(), Access::Allow);
        assert!(d.allows("https://b.example", None));
        assert!(!d.allows("https://c.example", None));
        // A tenant here may be named by its slug.
        d.partners.insert("fabrikam".into(), Access::Allow);
        assert!(d.allows("https://id.example/t/fabrikam", Some("fabrikam")));
        assert!(!d.allows("https://id.example/t/other", Some("other")));
    }
}
