//! A user's second factors: one TOTP authenticator (its secret sealed, the
//! last accepted time step) and single-use recovery codes (SHA-256 digests).

use diesel::prelude::*;

use super::schema::{recovery_codes, totp_credentials};
use super::{DbConn, StoreResult, new_id, now};
use crate::domain::TenantId;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = totp_credentials)]
pub struct TotpRow {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    /// Sealed with the server key; the row id is the sealing context.
    pub secret_sealed: String,
    /// False until the user proved their app has it (a first code).
    pub confirmed: bool,
    /// The last time step whose code was accepted; only later ones are.
    pub last_step: i64,
    pub created_at: chrono::NaiveDateTime,
}

/// The user's TOTP authenticator, confirmed or still being enrolled.
pub fn totp(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Option<TotpRow>> {
    Ok(totp_credentials::table
        .filter(totp_credentials::tenant_id.eq(tenant_id.as_str()))
        .filter(totp_credentials::user_id.eq(user_id))
        .select(TotpRow::as_select())
        .first(conn)
        .optional()?)
}

/// The authenticator being enrolled: the unconfirmed one if there is one,
/// else a new one whose secret `seal` seals for the new row id. None when a
/// confirmed one exists (it must be removed first).
pub fn begin_totp(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    seal: impl FnOnce(&str) -> String,
) -> StoreResult<Option<TotpRow>> {
    match totp(conn, tenant_id, user_id)? {
        Some(row) if row.confirmed => return Ok(None),
        Some(row) => return Ok(Some(row)),
        None => {}
    }
    let id = new_id();
    let row = TotpRow {
        secret_sealed: seal(&id),
        id,
        tenant_id: tenant_id.as_str().to_owned(),
        user_id: user_id.to_owned(),
        confirmed: false,
        last_step: 0,
        created_at: now(),
    };
    diesel::insert_into(totp_credentials::table)
        .values(&row)
        .execute(conn)?;
    Ok(Some(row))
}

/// Records that the code of `step` was accepted (confirming the
/// authenticator); false when that step or a later one already was, so a
/// code is accepted once even by two requests at the same moment.
pub fn accept_totp_step(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    credential_id: &str,
    step: i64,
) -> StoreResult<bool> {
    let updated = diesel::update(
        totp_credentials::table
            .filter(totp_credentials::tenant_id.eq(tenant_id.as_str()))
            .filter(totp_credentials::id.eq(credential_id))
            .filter(totp_credentials::last_step.lt(step)),
    )
    .set((
        totp_credentials::last_step.eq(step),
        totp_credentials::confirmed.eq(true),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Removes the user's authenticator; true when there was one.
pub fn remove_totp(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<bool> {
    Ok(diesel::delete(
        totp_credentials::table
            .filter(totp_credentials::tenant_id.eq(tenant_id.as_str()))
            .filter(totp_credentials::user_id.eq(user_id)),
    )
    .execute(conn)?
        > 0)
}

/// Replaces every recovery code of the user with these digests.
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    hashes: &[String],
) -> StoreResult<()> {
    remove_recovery_codes(conn, tenant_id, user_id)?;
    let at = now();
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(new_id()),
                recovery_codes::tenant_id.eq(tenant_id.as_str()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up the unused code with this digest; false when there is none
/// (wrong, or used before).
pub fn use_recovery_code(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    hash: &str,
) -> StoreResult<bool> {
    let used = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now()))
    .execute(conn)?;
    Ok(used == 1)
}

/// How many unused recovery codes the user has left.
pub fn recovery_codes_left(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::tenant_id.eq(tenant_id.as_str()))
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes every factor of the user (an administrator's reset).
pub fn reset(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<()> {
    remove_totp(conn, tenant_id, user_id)?;
    super::passkeys::remove_all_for_user(conn, tenant_id, user_id)?;
    remove_recovery_codes(conn, tenant_id, user_id)
}

pub fn remove_recovery_codes(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<()> {
    diesel::delete(
        recovery_codes::table
            .filter(recovery_codes::tenant_id.eq(tenant_id.as_str()))
            .filter(recovery_codes::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(())
}
