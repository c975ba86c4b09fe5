//! DPoP proofs already seen (RFC 9449 §11.1): one row per tenant, key and
//! `jti`, kept while a proof with that `iat` could still be accepted.

use diesel::prelude::*;

use super::schema::dpop_proofs;
use super::{DbConn, StoreError, StoreResult, now};
use crate::domain::TenantId;

/// Records a proof; `false` (or `Conflict`, racing a twin) when it was
/// seen before, a replay. Every so
/// often also drops this tenant's expired rows, so the table holds at most
/// the proofs of one acceptance window between sweeps.
pub fn remember(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    proof_hash: &str,
    expires_at: chrono::NaiveDateTime,
) -> StoreResult<bool> {
    if rand::random::<u8>() < 8 {
        diesel::delete(
            dpop_proofs::table
                .filter(dpop_proofs::tenant_id.eq(tenant_id.as_str()))
                .filter(dpop_proofs::expires_at.lt(now())),
        )
        .execute(conn)?;
    }
    let seen = dpop_proofs::table
        .filter(dpop_proofs::tenant_id.eq(tenant_id.as_str()))
        .filter(dpop_proofs::proof_hash.eq(proof_hash))
        .count()
        .get_result::<i64>(conn)?;
    if seen > 0 {
        return Ok(false);
    }
    // A concurrent twin fails here with `Conflict` (which callers read as a
    // replay too): the transaction is then rolled back, not committed.
    diesel::insert_into(dpop_proofs::table)
        .values((
            dpop_proofs::tenant_id.eq(tenant_id.as_str()),
            dpop_proofs::proof_hash.eq(proof_hash),
            dpop_proofs::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, "DPoP proof replayed"))?;
    Ok(true)
}
