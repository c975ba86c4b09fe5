//! Per-tenant signing keys and the times that give each its state: a key
//! signs from `activates_at`; the key that preceded it stops then
//! (`retired_at`) and stays published until `publish_until`, then is
//! removed. `active` records that a switch to the key was seen and audited;
//! which key signs is decided by the times (`tokens/rotation.rs`).

use crate::domain::TenantId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::signing_keys;
use super::{DbConn, StoreResult, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub kid: String,
    pub tenant_id: String,
    pub alg: String,
    pub private_key: String,
    pub public_jwk: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
    pub publish_until: Option<NaiveDateTime>,
    pub activates_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &KeyRow) -> StoreResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every key of the tenant still in its JWKS (next, current, retired within
/// retention), latest activation first.
pub fn published(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<KeyRow>> {
    Ok(signing_keys::table
        .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
        .filter(
            signing_keys::publish_until
                .is_null()
                .or(signing_keys::publish_until.gt(now())),
        )
        .order((
            signing_keys::activates_at.desc(),
            signing_keys::created_at.desc(),
        ))
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// When `kid` stops signing and until when it stays published.
pub fn set_retirement(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    kid: &str,
    retired_at: NaiveDateTime,
    publish_until: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        signing_keys::table
            .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
            .filter(signing_keys::kid.eq(kid)),
    )
    .set((
        signing_keys::retired_at.eq(retired_at),
        signing_keys::publish_until.eq(publish_until),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records `active` for `kid`; false when it already was so (another
/// replica saw the switch first).
pub fn mark_active(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    kid: &str,
    active: bool,
) -> StoreResult<bool> {
    let n = diesel::update(
        signing_keys::table
            .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
            .filter(signing_keys::kid.eq(kid))
            .filter(signing_keys::active.eq(!active)),
    )
    .set(signing_keys::active.eq(active))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes a key; false when it was already gone.
pub fn remove(conn: &mut DbConn, tenant_id: &TenantId, kid: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        signing_keys::table
            .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
            .filter(signing_keys::kid.eq(kid)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Keys of every tenant whose switch has come but is not yet recorded.
pub fn due_promotions(conn: &mut DbConn, at: NaiveDateTime) -> StoreResult<Vec<KeyRow>> {
    Ok(signing_keys::table
        .filter(signing_keys::active.eq(false))
        .filter(signing_keys::activates_at.le(at))
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::retired_at.gt(at)),
        )
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// Keys of every tenant that stopped signing but are still recorded active.
pub fn due_retirements(conn: &mut DbConn, at: NaiveDateTime) -> StoreResult<Vec<KeyRow>> {
    Ok(signing_keys::table
        .filter(signing_keys::active.eq(true))
        .filter(signing_keys::retired_at.le(at))
        .select(KeyRow::as_select())
        .load(conn)?)
}

/// Keys of every tenant past their publication.
pub fn due_removals(conn: &mut DbConn, at: NaiveDateTime) -> StoreResult<Vec<KeyRow>> {
    Ok(signing_keys::table
        .filter(signing_keys::publish_until.le(at))
        .select(KeyRow::as_select())
        .load(conn)?)
}
