//! The logout outbox (Back-Channel Logout 1.0 §2.5): one row per app that
//! must hear of a session's end, written in the transaction that ends the
//! session, delivered later by `oidc::backchannel` with retries. The apps
//! of a session are the clients its grants were issued to (a grant records
//! the session its code came from).

use std::collections::HashSet;

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{grants, logout_outbox};
use super::{DbConn, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = logout_outbox)]
pub struct LogoutMessage {
    /// Also the logout token's `jti` (the same on every attempt).
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub sub: String,
    /// Present when the app registered `backchannel_logout_session_required`.
    pub sid: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub delivered_at: Option<chrono::NaiveDateTime>,
    pub abandoned_at: Option<chrono::NaiveDateTime>,
    pub last_error: Option<String>,
}

/// A session that just ended: its id (the `sid` apps saw) and its user.
pub struct Ended {
    pub session_id: String,
    pub user_id: String,
}

/// Queues a logout token for every app with a back-channel URI that holds a
/// grant from one of the `ended` sessions: with `sid` for apps that require
/// it (one per session), else one per app and user, naming only `sub`.
pub fn enqueue(conn: &mut DbConn, tenant_id: &TenantId, ended: &[Ended]) -> StoreResult<usize> {
    if ended.is_empty() {
        return Ok(0);
    }
    let registered = super::apps::backchannel_registrations(conn, tenant_id)?;
    if registered.is_empty() {
        return Ok(0);
    }
    let mut by_user = HashSet::new();
    let mut queued = 0;
    for session in ended {
        for client_id in clients_of_session(conn, tenant_id, &session.session_id)? {
            let Some((_, session_required)) = registered.iter().find(|(c, _)| *c == client_id)
            else {
                continue;
            };
            let sid = session_required.then(|| session.session_id.clone());
            if sid.is_none() && !by_user.insert((client_id.clone(), session.user_id.clone())) {
                continue;
            }
            insert(conn, tenant_id, &client_id, &session.user_id, sid)?;
            queued += 1;
        }
    }
    Ok(queued)
}

fn clients_of_session(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    session_id: &str,
) -> StoreResult<Vec<String>> {
    Ok(grants::table
        .filter(grants::tenant_id.eq(tenant_id.as_str()))
        .filter(grants::session_id.eq(session_id))
        .select(grants::client_id)
        .distinct()
        .load(conn)?)
}

fn insert(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    sub: &str,
    sid: Option<String>,
) -> StoreResult<()> {
    let at = now();
    diesel::insert_into(logout_outbox::table)
        .values(LogoutMessage {
            id: new_id(),
            tenant_id: tenant_id.as_str().to_owned(),
            client_id: client_id.to_owned(),
            sub: sub.to_owned(),
            sid,
            created_at: at,
            attempts: 0,
            next_attempt_at: at,
            delivered_at: None,
            abandoned_at: None,
            last_error: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Undelivered messages whose next attempt is due (any tenant: the
/// deliverer is server-wide).
pub fn due(conn: &mut DbConn, limit: i64) -> StoreResult<Vec<LogoutMessage>> {
    Ok(logout_outbox::table
        .filter(logout_outbox::delivered_at.is_null())
        .filter(logout_outbox::abandoned_at.is_null())
        .filter(logout_outbox::next_attempt_at.le(now()))
        .order(logout_outbox::next_attempt_at)
        .limit(limit)
        .select(LogoutMessage::as_select())
        .load(conn)?)
}

/// Claims a message for delivery: pushes its next attempt out so another
/// replica does not deliver it too; false when someone else claimed it.
pub fn claim(
    conn: &mut DbConn,
    id: &str,
    seen_attempt_at: chrono::NaiveDateTime,
    lease: chrono::TimeDelta,
) -> StoreResult<bool> {
    let n = diesel::update(
        logout_outbox::table
            .filter(logout_outbox::id.eq(id))
            .filter(logout_outbox::delivered_at.is_null())
            .filter(logout_outbox::next_attempt_at.eq(seen_attempt_at)),
    )
    .set(logout_outbox::next_attempt_at.eq(now() + lease))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_delivered(conn: &mut DbConn, id: &str, attempts: i32) -> StoreResult<()> {
    diesel::update(logout_outbox::table.filter(logout_outbox::id.eq(id)))
        .set((
            logout_outbox::delivered_at.eq(now()),
            logout_outbox::attempts.eq(attempts),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `None`.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    retry_at: Option<chrono::NaiveDateTime>,
    error: &str,
) -> StoreResult<()> {
    let at = now();
    diesel::update(logout_outbox::table.filter(logout_outbox::id.eq(id)))
        .set((
            logout_outbox::attempts.eq(attempts),
            logout_outbox::next_attempt_at.eq(retry_at.unwrap_or(at)),
            logout_outbox::abandoned_at.eq(retry_at.is_none().then_some(at)),
            logout_outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// The messages of one tenant, newest first (operators and tests read
/// what was delivered, what failed and why).
pub fn list(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    limit: i64,
) -> StoreResult<Vec<LogoutMessage>> {
    Ok(logout_outbox::table
        .filter(logout_outbox::tenant_id.eq(tenant_id.as_str()))
        .order(logout_outbox::created_at.desc())
        .limit(limit)
        .select(LogoutMessage::as_select())
        .load(conn)?)
}

/// Deletes messages delivered or given up more than `kept` ago.
pub fn sweep(conn: &mut DbConn, kept: chrono::TimeDelta) -> StoreResult<usize> {
    let before = now() - kept;
    Ok(diesel::delete(
        logout_outbox::table.filter(
            logout_outbox::delivered_at
                .lt(before)
                .or(logout_outbox::abandoned_at.lt(before)),
        ),
    )
    .execute(conn)?)
}
