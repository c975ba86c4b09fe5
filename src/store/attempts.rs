//! Password attempts per account and calendar minute, in the database so that
//! every replica counts against the same limit.

use crate::domain::TenantId;
use chrono::Timelike;
use diesel::prelude::*;

use super::schema::sign_in_attempts;
use super::{DbConn, StoreResult, now};

/// The start of the current one-minute window.
pub fn current_window() -> chrono::NaiveDateTime {
    let at = now();
    at.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

/// Counts one attempt for `account` in this minute; false when `limit`
/// attempts were already counted (the attempt must then not be checked).
pub fn count(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    account: &str,
    limit: i32,
) -> StoreResult<bool> {
    let window = current_window();
    let row = sign_in_attempts::table
        .filter(sign_in_attempts::tenant_id.eq(tenant_id.as_str()))
        .filter(sign_in_attempts::account.eq(account))
        .filter(sign_in_attempts::window_start.eq(window));
    let exists: i64 = row.count().get_result(conn)?;
    if exists == 0 {
        // Another replica may insert the same row first: a savepoint keeps
        // the surrounding transaction usable, and the update below counts.
        let _ = conn.transaction(|c| {
            diesel::insert_into(sign_in_attempts::table)
                .values((
                    sign_in_attempts::tenant_id.eq(tenant_id.as_str()),
                    sign_in_attempts::account.eq(account),
                    sign_in_attempts::window_start.eq(window),
                    sign_in_attempts::attempts.eq(0),
                ))
                .execute(c)
        });
    }
    let counted = diesel::update(row.filter(sign_in_attempts::attempts.lt(limit)))
        .set(sign_in_attempts::attempts.eq(sign_in_attempts::attempts + 1))
        .execute(conn)?;
    Ok(counted == 1)
}
