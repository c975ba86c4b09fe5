//! A guest's account: created pending, accepted with its home identity,
//! reset to pending again.

use diesel::prelude::*;

use super::{EMAIL_TAKEN, User, UserRow, insert};
use crate::domain::{ExternalState, IdentitySource, TenantId, UserStatus, UserType};
use crate::store::schema::users;
use crate::store::{DbConn, StoreError, StoreResult, new_id, now};

/// Creates a guest in `pending_acceptance`: no password, identity elsewhere.
pub fn create_guest(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    email: &str,
    display_name: &str,
    invited_by: &str,
) -> StoreResult<User> {
    let at = now();
    let user = User {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        user_type: UserType::Guest,
        email: email.to_owned(),
        display_name: display_name.to_owned(),
        password_hash: None,
        status: UserStatus::Active,
        external_state: Some(ExternalState::PendingAcceptance),
        home_issuer: None,
        home_subject: None,
        identity_source: IdentitySource::HomeTenant,
        access_expires_at: None,
        invited_by: Some(invited_by.to_owned()),
        created_at: at,
        updated_at: at,
    };
    insert(conn, &user, EMAIL_TAKEN)?;
    Ok(user)
}

/// Links a pending guest to its home identity and marks it accepted.
pub fn accept_guest(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    home_issuer: &str,
    home_subject: &str,
    identity_source: IdentitySource,
    display_name: Option<&str>,
) -> StoreResult<()> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id))
            .filter(users::user_type.eq(UserType::Guest.as_str())),
    )
    .set((
        users::external_state.eq(ExternalState::Accepted.as_str()),
        users::home_issuer.eq(home_issuer),
        users::home_subject.eq(home_subject),
        users::identity_source.eq(identity_source.as_str()),
        users::updated_at.eq(now()),
    ))
    .execute(conn)
    .map_err(|e| StoreError::unique_as(e, "this home identity is already a guest of the tenant"))?;
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    if let Some(name) = display_name.filter(|n| !n.trim().is_empty()) {
        diesel::update(
            users::table
                .filter(users::tenant_id.eq(tenant_id.as_str()))
                .filter(users::id.eq(user_id)),
        )
        .set(users::display_name.eq(name.trim()))
        .execute(conn)?;
    }
    Ok(())
}

/// Clears a guest's home link and puts it back to `pending_acceptance`.
pub fn reset_guest(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<()> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id))
            .filter(users::user_type.eq(UserType::Guest.as_str())),
    )
    .set((
        users::external_state.eq(ExternalState::PendingAcceptance.as_str()),
        users::home_issuer.eq(None::<String>),
        users::home_subject.eq(None::<String>),
        users::status.eq(UserStatus::Active.as_str()),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// The accepted guest accounts, in every tenant of the server, of one home
/// identity (an issuer and its subject): where a person is a guest, for
/// their own My apps page. The same lookup by home identity that each
/// tenant makes at a guest's sign-in; it spans tenants because the person
/// asking is the one identity all these accounts are linked to.
pub fn accounts_of_home(
    conn: &mut DbConn,
    home_issuer: &str,
    home_subject: &str,
) -> StoreResult<Vec<User>> {
    let rows = users::table
        .filter(users::user_type.eq(UserType::Guest.as_str()))
        .filter(users::external_state.eq(ExternalState::Accepted.as_str()))
        .filter(users::home_issuer.eq(home_issuer))
        .filter(users::home_subject.eq(home_subject))
        .select(UserRow::as_select())
        .load(conn)?;
    rows.into_iter().map(User::try_from).collect()
}
