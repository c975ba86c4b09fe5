//! Browser sessions: one per tenant cookie, stored by token hash.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::logout_outbox::Ended;
use super::schema::{sessions, users};
use super::{DbConn, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub tenant_id: String,
    pub token_hash: String,
    pub user_id: String,
    pub auth_time: chrono::NaiveDateTime,
    pub amr: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub revoked_at: Option<chrono::NaiveDateTime>,
    /// False while the sign-in still owes its second factor: such a session
    /// serves only the second-factor pages.
    pub complete: bool,
}

pub fn create(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    token_hash: &str,
    amr: &str,
    lifetime: chrono::TimeDelta,
    complete: bool,
) -> StoreResult<Session> {
    let at = now();
    let session = Session {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        token_hash: token_hash.to_owned(),
        user_id: user_id.to_owned(),
        auth_time: at,
        amr: amr.to_owned(),
        created_at: at,
        expires_at: at + lifetime,
        revoked_at: None,
        complete,
    };
    diesel::insert_into(sessions::table)
        .values(&session)
        .execute(conn)?;
    Ok(session)
}

/// A live (unexpired, unrevoked) session of this tenant with this token hash.
pub fn find_live(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    token_hash: &str,
) -> StoreResult<Option<Session>> {
    Ok(sessions::table
        .filter(sessions::tenant_id.eq(tenant_id.as_str()))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .select(Session::as_select())
        .first(conn)
        .optional()?)
}

/// The session after a second factor: `amr` now says so, it was
/// authenticated just now, it is complete, it lives a full `lifetime`, and
/// it has a new token (the one from before the second factor stops working).
pub fn complete_second_factor(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    session_id: &str,
    amr: &str,
    lifetime: chrono::TimeDelta,
    new_token_hash: &str,
) -> StoreResult<()> {
    let at = now();
    diesel::update(
        sessions::table
            .filter(sessions::tenant_id.eq(tenant_id.as_str()))
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::amr.eq(amr),
        sessions::auth_time.eq(at),
        sessions::complete.eq(true),
        sessions::expires_at.eq(at + lifetime),
        sessions::token_hash.eq(new_token_hash),
    ))
    .execute(conn)?;
    Ok(())
}

/// Ends a session; every app with a session in it hears of it (the logout
/// outbox is written in the same transaction).
pub fn revoke(conn: &mut DbConn, tenant_id: &TenantId, session_id: &str) -> StoreResult<()> {
    let ended = diesel::update(
        sessions::table
            .filter(sessions::tenant_id.eq(tenant_id.as_str()))
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now()))
    .returning((sessions::id, sessions::user_id))
    .get_results::<(String, String)>(conn)?;
    announce(conn, tenant_id, ended)?;
    Ok(())
}

/// Ends every browser session of a user (removal, blocking, an
/// administrator's revocation, the end of a guest's access); every app
/// with a session among them hears of it.
pub fn revoke_all_for_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<usize> {
    let ended = diesel::update(
        sessions::table
            .filter(sessions::tenant_id.eq(tenant_id.as_str()))
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now()))
    .returning((sessions::id, sessions::user_id))
    .get_results::<(String, String)>(conn)?;
    let n = ended.len();
    announce(conn, tenant_id, ended)?;
    Ok(n)
}

fn announce(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    ended: Vec<(String, String)>,
) -> StoreResult<usize> {
    let ended: Vec<Ended> = ended
        .into_iter()
        .map(|(session_id, user_id)| Ended {
            session_id,
            user_id,
        })
        .collect();
    super::logout_outbox::enqueue(conn, tenant_id, &ended)
}

/// Ends the sessions of users whose access is over (a guest's end of
/// access passed), at most `limit` users a round, in any tenant; returns
/// how many sessions ended. Such sessions already served nothing
/// (`User::is_usable`); ending them tells their apps.
pub fn end_expired_access(conn: &mut DbConn, limit: i64) -> StoreResult<usize> {
    let expired = users::table
        .filter(users::access_expires_at.le(now()))
        .select(users::id);
    let holders: Vec<(String, String)> = sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::user_id.eq_any(expired))
        .select((sessions::tenant_id, sessions::user_id))
        .distinct()
        .limit(limit)
        .load(conn)?;
    let mut n = 0;
    for (tenant_id, user_id) in holders {
        n += revoke_all_for_user(conn, &TenantId::from(tenant_id), &user_id)?;
    }
    Ok(n)
}

/// A completed sign-in, as the console's overview lists it.
#[derive(Clone, Debug, Queryable)]
pub struct SignIn {
    /// When the person authenticated (after their second factor, if any).
    pub at: chrono::NaiveDateTime,
    /// How, as stored (`amr` text).
    pub amr: String,
    pub email: String,
    #[diesel(deserialize_as = String)]
    pub user_type: crate::domain::UserType,
}

/// The tenant's newest `limit` completed sign-ins, newest first (sessions
/// still owing a second factor are not sign-ins yet).
pub fn recent_sign_ins(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    limit: i64,
) -> StoreResult<Vec<SignIn>> {
    Ok(sessions::table
        .inner_join(
            users::table.on(users::id
                .eq(sessions::user_id)
                .and(users::tenant_id.eq(sessions::tenant_id))),
        )
        .filter(sessions::tenant_id.eq(tenant_id.as_str()))
        .filter(sessions::complete.eq(true))
        .order((sessions::auth_time.desc(), sessions::id.desc()))
        .limit(limit)
        .select((
            sessions::auth_time,
            sessions::amr,
            users::email,
            users::user_type,
        ))
        .load(conn)?)
}
