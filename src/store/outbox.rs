//! The email outbox: written in the same transaction as what it announces,
//! delivered later by the mailer with retries.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::outbox_emails;
use super::{DbConn, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_emails)]
pub struct OutboxEmail {
    pub id: String,
    pub tenant_id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: chrono::NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub sent_at: Option<chrono::NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn enqueue(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    recipient: &str,
    subject: &str,
    body: &str,
) -> StoreResult<String> {
    let at = now();
    let id = new_id();
    diesel::insert_into(outbox_emails::table)
        .values(OutboxEmail {
            id: id.clone(),
            tenant_id: tenant_id.as_str().to_owned(),
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            created_at: at,
            attempts: 0,
            next_attempt_at: at,
            sent_at: None,
            last_error: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Unsent messages whose next attempt is due (any tenant: the mailer is server-wide).
pub fn due(conn: &mut DbConn, limit: i64) -> StoreResult<Vec<OutboxEmail>> {
    Ok(outbox_emails::table
        .filter(outbox_emails::sent_at.is_null())
        .filter(outbox_emails::next_attempt_at.le(now()))
        .order(outbox_emails::next_attempt_at)
        .limit(limit)
        .select(OutboxEmail::as_select())
        .load(conn)?)
}

pub fn mark_sent(conn: &mut DbConn, id: &str) -> StoreResult<()> {
    diesel::update(outbox_emails::table.filter(outbox_emails::id.eq(id)))
        .set(outbox_emails::sent_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    retry_at: chrono::NaiveDateTime,
    error: &str,
) -> StoreResult<()> {
    diesel::update(outbox_emails::table.filter(outbox_emails::id.eq(id)))
        .set((
            outbox_emails::attempts.eq(attempts),
            outbox_emails::next_attempt_at.eq(retry_at),
            outbox_emails::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims a message for sending: pushes its next attempt out so another
/// replica does not send it too; false when someone else claimed it first.
pub fn claim(
    conn: &mut DbConn,
    id: &str,
    seen_attempt_at: chrono::NaiveDateTime,
    lease: chrono::TimeDelta,
) -> StoreResult<bool> {
    let n = diesel::update(
        outbox_emails::table
            .filter(outbox_emails::id.eq(id))
            .filter(outbox_emails::sent_at.is_null())
            .filter(outbox_emails::next_attempt_at.eq(seen_attempt_at)),
    )
    .set(outbox_emails::next_attempt_at.eq(now() + lease))
    .execute(conn)?;
    Ok(n == 1)
}
