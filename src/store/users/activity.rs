//! What the console shows of one user's activity: their live sessions and
//! the audit events about them or by them.

use diesel::prelude::*;

use super::User;
use crate::domain::TenantId;
use crate::store::audit::AuditEvent;
use crate::store::schema::{audit_events, sessions};
use crate::store::sessions::Session;
use crate::store::{DbConn, StoreResult, now};

/// The user's live sessions (not ended, not expired), newest first; at
/// most `limit`.
pub fn live_sessions(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    limit: i64,
) -> StoreResult<Vec<Session>> {
    Ok(sessions::table
        .filter(sessions::tenant_id.eq(tenant_id.as_str()))
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .order(sessions::created_at.desc())
        .limit(limit)
        .select(Session::as_select())
        .load(conn)?)
}

/// The audit events with the user as actor or target (by id or email; the
/// id also when it is the detail, as a block records it), newest first; at
/// most `limit`.
pub fn trail(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user: &User,
    limit: i64,
) -> StoreResult<Vec<AuditEvent>> {
    let targets = [user.id.clone(), user.email.clone()];
    // A guest redeeming acts as `guest:{id}`; everyone else as `user:{id}`.
    let actors = [format!("user:{}", user.id), format!("guest:{}", user.id)];
    Ok(audit_events::table
        .filter(audit_events::tenant_id.eq(tenant_id.as_str()))
        .filter(
            audit_events::actor
                .eq_any(actors)
                .or(audit_events::target.eq_any(targets))
                .or(audit_events::detail.eq(&user.id)),
        )
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?)
}
