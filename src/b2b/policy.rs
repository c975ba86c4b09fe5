//! Collaboration policy per tenant (DESIGN.md §1), enforced wherever an
//! invitation is made or redeemed, on every path (API, portal, CLI). The
//! policy's values live in `domain::policy`; this module saves them.

use crate::domain::AuditAction;
pub use crate::domain::policy::{DomainMode, GuestVisibility, Policy, WhoCanInvite};

/// Stores the tenant's policy and audits the change with the new policy.
pub fn save(
    conn: &mut crate::store::DbConn,
    tenant_id: &crate::domain::TenantId,
    policy: &Policy,
    actor: &str,
) -> crate::store::StoreResult<()> {
    crate::store::policies::put(conn, tenant_id, policy, actor)?;
    let detail = serde_json::to_string(policy).unwrap_or_default();
    crate::store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::PolicyUpdated,
        None,
        Some(&detail),
    )
}
