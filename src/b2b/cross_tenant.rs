//! Cross-tenant access settings (DESIGN.md §1): inbound (whose users may come
//! in as guests) and outbound (where this tenant's users may go as guests),
//! each a default plus per-organization entries keyed by issuer URL or, for
//! tenants on this server, by tenant slug. Inbound
//! is checked at redemption, at every guest sign-in and at token exchange;
//! outbound by the home tenant before it signs its user in to another tenant.

use crate::domain::AuditAction;
pub use crate::domain::cross_tenant::{Access, CrossTenantAccess, DirectionSettings};

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
    tenant_id: &crate::domain::TenantId,
    settings: &CrossTenantAccess,
    actor: &str,
) -> crate::store::StoreResult<()> {
    crate::store::cross_tenant::put(conn, tenant_id, settings)?;
    let detail = serde_json::to_string(settings).unwrap_or_default();
    crate::store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::CrossTenantAccessUpdated,
        None,
        Some(&detail),
    )
}
