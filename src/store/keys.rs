//! Per-tenant signing keys: one active, retired ones published until their
//! tokens have expired (DESIGN.md §3).

use crate::domain::TenantId;
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
    pub created_at: chrono::NaiveDateTime,
    pub retired_at: Option<chrono::NaiveDateTime>,
    pub publish_until: Option<chrono::NaiveDateTime>,
}

/// Retires the current active key (published for `keep_published` more) and
/// makes `new` the active one, in the caller's transaction.
pub fn rotate(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    new: &KeyRow,
    keep_published: chrono::TimeDelta,
) -> StoreResult<()> {
    let at = now();
    diesel::update(
        signing_keys::table
            .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
            .filter(signing_keys::active.eq(true)),
    )
    .set((
        signing_keys::active.eq(false),
        signing_keys::retired_at.eq(at),
        signing_keys::publish_until.eq(at + keep_published),
    ))
    .execute(conn)?;
    diesel::insert_into(signing_keys::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

/// The active key and every retired key still within its publication window.
pub fn published(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<KeyRow>> {
    let at = now();
    Ok(signing_keys::table
        .filter(signing_keys::tenant_id.eq(tenant_id.as_str()))
        .filter(
            signing_keys::active
                .eq(true)
                .or(signing_keys::publish_until.gt(at)),
        )
        .order(signing_keys::created_at.desc())
        .select(KeyRow::as_select())
        .load(conn)?)
}
