//! Collaboration policies, one row per tenant (defaults when absent).

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::collaboration_policies;
use super::{DbConn, StoreError, StoreResult, now};
use crate::domain::policy::Policy;

/// The tenant's policy, or the defaults.
pub fn get(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Policy> {
    let row: Option<(String, String, String, String, Option<i64>, bool)> =
        collaboration_policies::table
            .filter(collaboration_policies::tenant_id.eq(tenant_id.as_str()))
            .select((
                collaboration_policies::who_can_invite,
                collaboration_policies::domain_mode,
                collaboration_policies::domains,
                collaboration_policies::guest_visibility,
                collaboration_policies::guest_lifetime_days,
                collaboration_policies::otp_enabled,
            ))
            .first(conn)
            .optional()?;
    let Some((who, mode, domains, visibility, lifetime, otp)) = row else {
        return Ok(Policy::default());
    };
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    Ok(Policy {
        who_can_invite: serde_json::from_value(who.into()).map_err(corrupt)?,
        domain_mode: serde_json::from_value(mode.into()).map_err(corrupt)?,
        domains: serde_json::from_str(&domains).map_err(corrupt)?,
        guest_visibility: serde_json::from_value(visibility.into()).map_err(corrupt)?,
        guest_lifetime_days: lifetime.map(|d| d.clamp(0, u32::MAX.into()) as u32),
        otp_enabled: otp,
    })
}

fn text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Replaces the tenant's policy (delete + insert: portable across both databases).
pub fn put(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    policy: &Policy,
    actor: &str,
) -> StoreResult<()> {
    diesel::delete(
        collaboration_policies::table
            .filter(collaboration_policies::tenant_id.eq(tenant_id.as_str())),
    )
    .execute(conn)?;
    diesel::insert_into(collaboration_policies::table)
        .values((
            collaboration_policies::tenant_id.eq(tenant_id.as_str()),
            collaboration_policies::who_can_invite.eq(text(&policy.who_can_invite)),
            collaboration_policies::domain_mode.eq(text(&policy.domain_mode)),
            collaboration_policies::domains
                .eq(serde_json::to_string(&policy.domains).unwrap_or_else(|_| "[]".into())),
            collaboration_policies::guest_visibility.eq(text(&policy.guest_visibility)),
            collaboration_policies::guest_lifetime_days
                .eq(policy.guest_lifetime_days.map(i64::from)),
            collaboration_policies::otp_enabled.eq(policy.otp_enabled),
            collaboration_policies::updated_at.eq(now()),
            collaboration_policies::updated_by.eq(actor),
        ))
        .execute(conn)?;
    Ok(())
}
