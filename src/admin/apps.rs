//! Changes to a registered app that the API and the CLI share, audited.

use crate::domain::{AuditAction, HomeUrl, TenantId};
use crate::store::{self, DbConn, StoreResult};

/// Sets or clears app `client_id`'s home page; false when there is no such
/// app.
pub fn set_home_url(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    home_url: Option<&HomeUrl>,
    actor: &str,
) -> StoreResult<bool> {
    if !store::apps::set_home_url(conn, tenant_id, client_id, home_url)? {
        return Ok(false);
    }
    let detail = serde_json::json!({ "home_url": home_url.map(HomeUrl::as_str) }).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppHomeUrlUpdated,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}
