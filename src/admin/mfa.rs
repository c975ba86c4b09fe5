//! Administering strong authentication, the same on the API, the CLI and
//! the portal: the tenant's authentication policy, which apps require a
//! second factor, and resetting a user's factors. Every change is audited.

use crate::domain::{MfaRequired, TenantId};
use crate::store::{self, DbConn, StoreResult};

/// Replaces who must use a second factor.
pub fn save_policy(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    required: MfaRequired,
    actor: &str,
) -> StoreResult<()> {
    store::auth_policy::put(conn, tenant_id, required, actor)?;
    let detail = policy_json(required).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        crate::domain::AuditAction::AuthPolicyUpdated,
        None,
        Some(&detail),
    )
}

/// The policy as the API and the CLI show it.
pub fn policy_json(required: MfaRequired) -> serde_json::Value {
    serde_json::json!({ "mfa_required": required })
}

/// Whether signing in to app `client_id` takes a second factor; false
/// when there is no such app.
pub fn set_app_requires_mfa(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    required: bool,
    actor: &str,
) -> StoreResult<bool> {
    let switch = crate::store::apps::AppSwitch::RequireMfa;
    crate::admin::app_switch::set(conn, tenant_id, client_id, switch, required, actor)
}

/// Removes every factor of the user (they enrol again when next required),
/// for someone who lost their authenticator; false when there is no such user.
pub fn reset_factors(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    actor: &str,
) -> StoreResult<bool> {
    if store::users::find(conn, tenant_id, user_id)?.is_none() {
        return Ok(false);
    }
    store::factors::reset(conn, tenant_id, user_id)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        crate::domain::AuditAction::FactorsReset,
        Some(user_id),
        None,
    )?;
    Ok(true)
}
