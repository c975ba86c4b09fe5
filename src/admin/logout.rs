//! Ending sessions and where apps hear of it (Back-Channel Logout 1.0), the
//! same on the API and the CLI: an administrator signs a user out
//! everywhere; an app registers its back-channel logout URI. Audited.

use crate::domain::egress::EgressPolicy;
use crate::domain::{AuditAction, BackchannelUri, TenantId};
use crate::store::apps::BackchannelLogout;
use crate::store::{self, DbConn, StoreResult};

/// The registration an administrator asked for: the URI checked for its
/// syntax and against the operator's egress rules. `None` for no URI.
pub fn registration(
    uri: Option<&str>,
    session_required: bool,
    egress: &EgressPolicy,
) -> Result<Option<BackchannelLogout>, String> {
    match uri {
        Some(uri) => Ok(Some(BackchannelLogout {
            uri: BackchannelUri::registered(uri, egress)?,
            session_required,
        })),
        None if session_required => {
            Err("backchannel_logout_session_required needs a backchannel_logout_uri".into())
        }
        None => Ok(None),
    }
}

/// Sets (or clears) app `client_id`'s back-channel logout registration;
/// false when there is no such app.
pub fn set_app_backchannel(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    logout: Option<&BackchannelLogout>,
    actor: &str,
) -> StoreResult<bool> {
    if !store::apps::set_backchannel_logout(conn, tenant_id, client_id, logout)? {
        return Ok(false);
    }
    let detail = registration_json(logout).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppBackchannelLogoutUpdated,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}

/// The registration as the API and the CLI show it (client metadata names).
pub fn registration_json(logout: Option<&BackchannelLogout>) -> serde_json::Value {
    serde_json::json!({
        "backchannel_logout_uri": logout.map(|l| l.uri.as_str()),
        "backchannel_logout_session_required": logout.is_some_and(|l| l.session_required),
    })
}

/// Ends every session of a user (their apps hear of it); how many ended,
/// or `None` when there is no such user.
pub fn revoke_sessions(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    actor: &str,
) -> StoreResult<Option<usize>> {
    let Some(user) = store::users::find(conn, tenant_id, user_id)? else {
        return Ok(None);
    };
    let n = store::sessions::revoke_all_for_user(conn, tenant_id, &user.id)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::SessionsRevoked,
        Some(&user.email),
        Some(&user.id),
    )?;
    Ok(Some(n))
}
