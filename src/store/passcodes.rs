//! One-time passcodes mailed to a guest's invited address: stored as argon2
//! hashes, bound to the browser that asked, short-lived, attempt-limited.
//! An address may have several live codes, one per browser that asked.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::email_passcodes;
use super::{DbConn, StoreResult, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_passcodes)]
pub struct Passcode {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub code_hash: String,
    pub invitation_id: Option<String>,
    pub auth_request_id: Option<String>,
    pub browser_hash: String,
    pub attempts: i32,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub consumed_at: Option<chrono::NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, passcode: &Passcode) -> StoreResult<()> {
    diesel::insert_into(email_passcodes::table)
        .values(passcode)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<Option<Passcode>> {
    Ok(email_passcodes::table
        .filter(email_passcodes::tenant_id.eq(tenant_id.as_str()))
        .filter(email_passcodes::id.eq(id))
        .select(Passcode::as_select())
        .first(conn)
        .optional()?)
}

/// Counts one guess against a live passcode; false when it is used up,
/// consumed or expired (the guess must then not be checked).
pub fn count_attempt(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
    max_attempts: i32,
) -> StoreResult<bool> {
    Ok(diesel::update(
        email_passcodes::table
            .filter(email_passcodes::tenant_id.eq(tenant_id.as_str()))
            .filter(email_passcodes::id.eq(id))
            .filter(email_passcodes::consumed_at.is_null())
            .filter(email_passcodes::expires_at.gt(now()))
            .filter(email_passcodes::attempts.lt(max_attempts)),
    )
    .set(email_passcodes::attempts.eq(email_passcodes::attempts + 1))
    .execute(conn)?
        == 1)
}

/// Marks a passcode used; false when another request got there first.
pub fn consume(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<bool> {
    Ok(diesel::update(
        email_passcodes::table
            .filter(email_passcodes::tenant_id.eq(tenant_id.as_str()))
            .filter(email_passcodes::id.eq(id))
            .filter(email_passcodes::consumed_at.is_null()),
    )
    .set(email_passcodes::consumed_at.eq(Some(now())))
    .execute(conn)?
        == 1)
}

/// Ends the live passcodes one browser holds for an address (its new one
/// replaces them); codes other browsers hold keep working.
pub fn retire_for_browser(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    email: &str,
    browser_hash: &str,
) -> StoreResult<()> {
    diesel::update(
        email_passcodes::table
            .filter(email_passcodes::tenant_id.eq(tenant_id.as_str()))
            .filter(email_passcodes::email.eq(email))
            .filter(email_passcodes::browser_hash.eq(browser_hash))
            .filter(email_passcodes::consumed_at.is_null()),
    )
    .set(email_passcodes::consumed_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

/// When passcodes were sent to an address since `since`, newest first, each
/// with the hash of the browser it is bound to.
pub fn sent_since(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    email: &str,
    since: chrono::NaiveDateTime,
) -> StoreResult<Vec<(chrono::NaiveDateTime, String)>> {
    Ok(email_passcodes::table
        .filter(email_passcodes::tenant_id.eq(tenant_id.as_str()))
        .filter(email_passcodes::email.eq(email))
        .filter(email_passcodes::created_at.gt(since))
        .order(email_passcodes::created_at.desc())
        .select((email_passcodes::created_at, email_passcodes::browser_hash))
        .load(conn)?)
}
