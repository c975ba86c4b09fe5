//! Cross-tenant access rows: `(tenant, direction, partner)` → allowed; the
//! partner `*` holds the direction's default.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{cross_tenant_access, cross_tenant_trust};
use super::{DbConn, StoreResult, now};
use crate::domain::cross_tenant::{
    Access, CrossTenantAccess, DirectionSettings, InboundTrust, TrustSettings,
};

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
    settings.inbound_trust = get_trust(conn, tenant_id)?;
    Ok(settings)
}

/// The inbound trust settings; the partner `*` holds the default.
fn get_trust(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<InboundTrust> {
    let rows: Vec<(String, bool)> = cross_tenant_trust::table
        .filter(cross_tenant_trust::tenant_id.eq(tenant_id.as_str()))
        .select((cross_tenant_trust::partner, cross_tenant_trust::trust_mfa))
        .load(conn)?;
    let mut trust = InboundTrust::default();
    for (partner, mfa) in rows {
        let settings = TrustSettings { mfa };
        if partner == "*" {
            trust.default = settings;
        } else {
            trust.partners.insert(partner, settings);
        }
    }
    Ok(trust)
}

fn put_trust(conn: &mut DbConn, tenant_id: &TenantId, trust: &InboundTrust) -> StoreResult<()> {
    diesel::delete(
        cross_tenant_trust::table.filter(cross_tenant_trust::tenant_id.eq(tenant_id.as_str())),
    )
    .execute(conn)?;
    let entries = std::iter::once(("*", trust.default))
        .chain(trust.partners.iter().map(|(k, v)| (k.as_str(), *v)));
    for (partner, settings) in entries {
        diesel::insert_into(cross_tenant_trust::table)
            .values((
                cross_tenant_trust::tenant_id.eq(tenant_id.as_str()),
                cross_tenant_trust::partner.eq(partner),
                cross_tenant_trust::trust_mfa.eq(settings.mfa),
                cross_tenant_trust::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
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
    put_trust(conn, tenant_id, &settings.inbound_trust)
}
