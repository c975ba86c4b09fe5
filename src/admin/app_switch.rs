//! An app's on/off settings (`require_mfa`; DPoP's `dpop_bound_access_tokens`,
//! RFC 9449 §5.2), changed by the admin API and the CLI, each change audited.

use crate::domain::{AuditAction, TenantId};
use crate::store::apps::AppSwitch;
use crate::store::{self, DbConn, StoreResult};

/// Turns `switch` of app `client_id` on or off; false when there is no
/// such app.
pub fn set(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    switch: AppSwitch,
    on: bool,
    actor: &str,
) -> StoreResult<bool> {
    if !store::apps::set_switch(conn, tenant_id, client_id, switch, on)? {
        return Ok(false);
    }
    let action = match switch {
        AppSwitch::RequireMfa => AuditAction::AppRequireMfaUpdated,
        AppSwitch::DpopBoundAccessTokens => AuditAction::AppDpopBoundUpdated,
    };
    let detail = serde_json::json!({ switch.name(): on }).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        action,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}
