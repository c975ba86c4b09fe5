//! The `jti` of each accepted client assertion, until the assertion expires
//! (RFC 7523 §3 item 7: a `jti` is used once).

use diesel::prelude::*;

use super::schema::client_assertion_jtis;
use super::{DbConn, StoreError, StoreResult};
use crate::domain::TenantId;

/// Records the first use of `jti_hash` by `client_id`; false when it was
/// used before (a replay). The primary key decides, so two replicas
/// accepting the same assertion at once cannot both succeed.
pub fn first_use(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    jti_hash: &str,
    expires_at: chrono::NaiveDateTime,
) -> StoreResult<bool> {
    // A savepoint, so that on PostgreSQL the refused insert does not abort
    // the caller's transaction.
    let inserted = conn.transaction(|c| {
        diesel::insert_into(client_assertion_jtis::table)
            .values((
                client_assertion_jtis::tenant_id.eq(tenant_id.as_str()),
                client_assertion_jtis::client_id.eq(client_id),
                client_assertion_jtis::jti_hash.eq(jti_hash),
                client_assertion_jtis::expires_at.eq(expires_at),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(StoreError::from(e)),
    }
}
