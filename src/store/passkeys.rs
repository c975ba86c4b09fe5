//! Passkeys and security keys (WebAuthn credentials) per account, and the
//! pending ceremonies between a start and its finish.

use diesel::prelude::*;

use crate::domain::TenantId;

use super::schema::{passkey_ceremonies, passkeys};
use super::{DbConn, StoreError, StoreResult, new_id, now};

/// One registered credential. `credential` is the relying-party library's
/// serialized credential (public key, signature counter, backup flags).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub name: String,
    /// base64url of the credential id the authenticator chose.
    pub credential_id: String,
    pub credential: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_used_at: Option<chrono::NaiveDateTime>,
}

pub struct NewPasskey<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub credential_id: &'a str,
    pub credential: &'a str,
}

/// Registers a credential; a credential id already registered in this tenant
/// is a conflict (WebAuthn §7.1 step 22: one credential, one account).
pub fn insert(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    new: NewPasskey<'_>,
) -> StoreResult<PasskeyRow> {
    let row = PasskeyRow {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        user_id: new.user_id.to_owned(),
        name: new.name.to_owned(),
        credential_id: new.credential_id.to_owned(),
        credential: new.credential.to_owned(),
        created_at: now(),
        last_used_at: None,
    };
    diesel::insert_into(passkeys::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, "passkey already registered"))?;
    Ok(row)
}

/// A user's passkeys, oldest first.
pub fn list_for_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Vec<PasskeyRow>> {
    Ok(passkeys::table
        .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
        .filter(passkeys::user_id.eq(user_id))
        .order(passkeys::created_at.asc())
        .select(PasskeyRow::as_select())
        .load(conn)?)
}

/// The user's passkey with this credential id, if it is theirs.
pub fn find_for_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    credential_id: &str,
) -> StoreResult<Option<PasskeyRow>> {
    Ok(passkeys::table
        .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
        .filter(passkeys::user_id.eq(user_id))
        .filter(passkeys::credential_id.eq(credential_id))
        .select(PasskeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the credential as it is after a successful use (its new signature
/// counter and backup state) and when it was used.
pub fn record_use(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
    credential: &str,
) -> StoreResult<()> {
    diesel::update(
        passkeys::table
            .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
            .filter(passkeys::id.eq(id)),
    )
    .set((
        passkeys::credential.eq(credential),
        passkeys::last_used_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Removes one of the user's passkeys; returns its name when it existed.
pub fn remove(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    id: &str,
) -> StoreResult<Option<String>> {
    let scope = passkeys::table
        .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
        .filter(passkeys::user_id.eq(user_id))
        .filter(passkeys::id.eq(id));
    let name = scope
        .select(passkeys::name)
        .first::<String>(conn)
        .optional()?;
    if name.is_some() {
        diesel::delete(scope).execute(conn)?;
    }
    Ok(name)
}

/// Removes every passkey of a user (an administrator's factor reset).
pub fn remove_all_for_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<usize> {
    Ok(diesel::delete(
        passkeys::table
            .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
            .filter(passkeys::user_id.eq(user_id)),
    )
    .execute(conn)?)
}

/// How many passkeys a user has (whether they have a factor here).
pub fn count_for_user(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<i64> {
    Ok(passkeys::table
        .filter(passkeys::tenant_id.eq(tenant_id.as_str()))
        .filter(passkeys::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

/// A ceremony between its start and its finish (stored by the hash of the
/// random id its browser holds).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = passkey_ceremonies)]
pub struct Ceremony {
    pub id_hash: String,
    pub tenant_id: String,
    pub purpose: String,
    /// Who registers or proves a second factor; `None` for a passwordless
    /// sign-in, where the authenticator names the user.
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub auth_request_id: Option<String>,
    /// The relying-party library's serialized challenge state.
    pub state: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
}

/// Stores a ceremony. A user has at most one pending ceremony per purpose:
/// starting again replaces the earlier one.
pub fn begin(conn: &mut DbConn, ceremony: &Ceremony) -> StoreResult<()> {
    if let Some(user_id) = &ceremony.user_id {
        diesel::delete(
            passkey_ceremonies::table
                .filter(passkey_ceremonies::tenant_id.eq(&ceremony.tenant_id))
                .filter(passkey_ceremonies::user_id.eq(user_id))
                .filter(passkey_ceremonies::purpose.eq(&ceremony.purpose)),
        )
        .execute(conn)?;
    }
    diesel::insert_into(passkey_ceremonies::table)
        .values(ceremony)
        .execute(conn)?;
    Ok(())
}

/// Removes and returns an unexpired ceremony: each challenge is answered once.
pub fn take(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id_hash: &str,
) -> StoreResult<Option<Ceremony>> {
    let scope = passkey_ceremonies::table
        .filter(passkey_ceremonies::tenant_id.eq(tenant_id.as_str()))
        .filter(passkey_ceremonies::id_hash.eq(id_hash));
    let ceremony = scope.select(Ceremony::as_select()).first(conn).optional()?;
    if ceremony.is_some() {
        diesel::delete(scope).execute(conn)?;
    }
    Ok(ceremony.filter(|c| c.expires_at > now()))
}
