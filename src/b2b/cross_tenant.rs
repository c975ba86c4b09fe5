//! Cross-tenant access settings (DESIGN.md §1): inbound (whose users may come
//! in as guests) and outbound (where this tenant's users may go as guests),
//! each a default plus per-organization entries keyed by issuer URL or, for
//! tenants on this server, by tenant slug. Inbound
//! is checked at redemption, at every guest sign-in and at token exchange;
//! outbound by the home tenant before it signs its user in to another tenant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Allow,
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossTenantAccess {
    #[serde(default)]
    pub inbound: DirectionSettings,
    #[serde(default)]
    pub outbound: DirectionSettings,
}

impl CrossTenantAccess {
    pub fn validated(self) -> Result<CrossTenantAccess, String> {
        for issuer in self
            .inbound
            .partners
            .keys()
            .chain(self.outbound.partners.keys())
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

/// Whether `home`'s outbound settings let its users into the tenant here
/// with issuer `target` and slug `target_slug` (as guests: a sign-in there,
/// or a token for it).
pub async fn outbound_allows(
    db: &crate::store::Db,
    home: &crate::store::tenants::Tenant,
    target: &str,
    target_slug: &str,
) -> crate::store::StoreResult<bool> {
    let (home_id, target, slug) = (home.id.clone(), target.to_owned(), target_slug.to_owned());
    db.read(move |c| {
        Ok(crate::store::cross_tenant::get(c, &home_id)?
            .outbound
            .allows(&target, Some(&slug)))
    })
    .await
}

/// Whether a guest whose home is `home_issuer` may come into the resource
/// tenant now: the resource's inbound settings allow the home, and, when the
/// home is a tenant on this server (`home_slug`), the home's outbound settings
/// allow the resource. Both organizations' "no" holds on every path.
pub fn guest_may_enter(
    conn: &mut crate::store::DbConn,
    resource: &crate::store::tenants::Tenant,
    resource_issuer: &str,
    home_issuer: &str,
    home_slug: Option<&str>,
) -> crate::store::StoreResult<bool> {
    if !crate::store::cross_tenant::get(conn, &resource.id)?
        .inbound
        .allows(home_issuer, home_slug)
    {
        return Ok(false);
    }
    let Some(slug) = home_slug else {
        return Ok(true);
    };
    match crate::store::tenants::find_by_slug(conn, slug)? {
        Some(home) => Ok(crate::store::cross_tenant::get(conn, &home.id)?
            .outbound
            .allows(resource_issuer, Some(&resource.slug))),
        None => Ok(false),
    }
}

/// Stores the tenant's settings and audits the change with the new settings.
pub fn save(
    conn: &mut crate::store::DbConn,
    tenant_id: &str,
    settings: &CrossTenantAccess,
    actor: &str,
) -> crate::store::StoreResult<()> {
    crate::store::cross_tenant::put(conn, tenant_id, settings)?;
    let detail = serde_json::to_string(settings).unwrap_or_default();
    crate::store::audit::record(
        conn,
        tenant_id,
        actor,
        "cross_tenant_access.updated",
        None,
        Some(&detail),
    )
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
