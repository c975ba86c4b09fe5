//! Cross-tenant access rows: `(tenant, direction, partner)` → allowed; the
//! partner `*` holds the direction's default.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::cross_tenant_access;
use super::{DbConn, StoreResult, now};
use crate::domain::cross_tenant::{Access, CrossTenantAccess, DirectionSettings};

pub fn get(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<CrossTenantAccess> {
    let rows: Vec<(String, String, bool)> = cross_tenant_access::table
        .filter(cross_tenant_access::tenant_id.eq(tenant_id.as_str()))
        .select((
            cross_tenant_access::direction,
            cross_tenant_access::partner,
            cross_tenant_access::allowed,
        ))
        .load(conn)?;
    let mut settings = CrossTenantAccess::default();
    for (direction, partner, allowed) in rows {
        let access = if allowed {
            Access::Allow
        } else {
            Access::Block
        };
        let d: &mut DirectionSettings = if direction == "inbound" {
            &mut settings.inbound
        } else {
            &mut settings.outbound
        };
        if partner == "*" {
            d.default = access;
        } else {
            d.partners.insert(partner, access);
        }
    }
    Ok(settings)
}

pub fn put(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    settings: &CrossTenantAccess,
) -> StoreResult<()> {
    diesel::delete(
        cross_tenant_access::table.filter(cross_tenant_access::tenant_id.eq(tenant_id.as_str())),
    )
    .execute(conn)?;
    for (direction, d) in [
        ("inbound", &settings.inbound),
        ("outbound", &settings.outbound),
    ] {
        let entries = std::iter::once(("*", d.default))
            .chain(d.partners.iter().map(|(k, v)| (k.as_str(), *v)));
        for (partner, access) in entries {
            diesel::insert_into(cross_tenant_access::table)
                .values((
                    cross_tenant_access::tenant_id.eq(tenant_id.as_str()),
                    cross_tenant_access::direction.eq(direction),
                    cross_tenant_access::partner.eq(partner),
                    cross_tenant_access::allowed.eq(access == Access::Allow),
                    cross_tenant_access::updated_at.eq(now()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
