//! Pushed authorization requests (RFC 9126 §2.2): the parameters a client
//! pushed, keyed by the hash of the `request_uri` it was given, for one use
//! by that client before they expire.

use diesel::prelude::*;

use super::schema::pushed_requests;
use super::{DbConn, StoreResult, now};
use crate::domain::TenantId;

/// Stores a pushed request unless the client already has `max_live`
/// unexpired ones; false then.
pub fn save(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    uri_hash: &str,
    params: &str,
    expires_at: chrono::NaiveDateTime,
    max_live: i64,
) -> StoreResult<bool> {
    let live: i64 = pushed_requests::table
        .filter(pushed_requests::tenant_id.eq(tenant_id.as_str()))
        .filter(pushed_requests::client_id.eq(client_id))
        .filter(pushed_requests::expires_at.gt(now()))
        .count()
        .get_result(conn)?;
    if live >= max_live {
        return Ok(false);
    }
    diesel::insert_into(pushed_requests::table)
        .values((
            pushed_requests::uri_hash.eq(uri_hash),
            pushed_requests::tenant_id.eq(tenant_id.as_str()),
            pushed_requests::client_id.eq(client_id),
            pushed_requests::params.eq(params),
            pushed_requests::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Whether `client_id` has a request pushed under `uri_hash` (a read, so
/// that made-up `request_uri`s cost no write).
pub fn exists(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    uri_hash: &str,
) -> StoreResult<bool> {
    let found: i64 = pushed_requests::table
        .filter(pushed_requests::uri_hash.eq(uri_hash))
        .filter(pushed_requests::tenant_id.eq(tenant_id.as_str()))
        .filter(pushed_requests::client_id.eq(client_id))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Takes (deletes) the request `client_id` pushed under `uri_hash`: its
/// parameters if it was there, unexpired, and this call deleted it (two
/// uses at once: one wins). Another client's request is left alone.
pub fn take(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    uri_hash: &str,
) -> StoreResult<Option<String>> {
    let mine = pushed_requests::table
        .filter(pushed_requests::uri_hash.eq(uri_hash))
        .filter(pushed_requests::tenant_id.eq(tenant_id.as_str()))
        .filter(pushed_requests::client_id.eq(client_id));
    let Some((params, expires_at)) = mine
        .select((pushed_requests::params, pushed_requests::expires_at))
        .first::<(String, chrono::NaiveDateTime)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let deleted = diesel::delete(mine).execute(conn)?;
    Ok((deleted == 1 && expires_at > now()).then_some(params))
}
