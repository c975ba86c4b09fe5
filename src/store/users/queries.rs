//! Creating members, finding users and changing their standing.

use diesel::prelude::*;

use super::{EMAIL_TAKEN, User, UserRow, insert, to_user};
use crate::domain::{IdentitySource, TenantId, UserStatus, UserType};
use crate::store::schema::users;
use crate::store::{Db, DbConn, StoreResult, new_id, now};

pub struct NewMember<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
}

pub fn create_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    new: NewMember<'_>,
) -> StoreResult<User> {
    let at = now();
    let user = User {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        user_type: UserType::Member,
        email: new.email.to_owned(),
        display_name: new.display_name.to_owned(),
        password_hash: Some(new.password_hash.to_owned()),
        status: UserStatus::Active,
        external_state: None,
        home_issuer: None,
        home_subject: None,
        identity_source: IdentitySource::Local,
        access_expires_at: None,
        invited_by: None,
        created_at: at,
        updated_at: at,
    };
    insert(conn, &user, EMAIL_TAKEN)?;
    Ok(user)
}

pub fn find_by_email(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    email: &str,
) -> StoreResult<Option<User>> {
    to_user(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::email.eq(email))
            .select(UserRow::as_select())
            .first(conn)
            .optional()?,
    )
}

impl Db {
    /// `find_by_email` on the blocking pool, for async callers.
    pub async fn user_by_email(
        &self,
        tenant_id: &TenantId,
        email: &str,
    ) -> StoreResult<Option<User>> {
        let (tenant_id, email) = (tenant_id.clone(), email.to_owned());
        self.read(move |c| find_by_email(c, &tenant_id, &email))
            .await
    }
}

pub fn find(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<Option<User>> {
    to_user(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id))
            .select(UserRow::as_select())
            .first(conn)
            .optional()?,
    )
}

pub fn find_by_home(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    issuer: &str,
    subject: &str,
) -> StoreResult<Option<User>> {
    to_user(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::home_issuer.eq(issuer))
            .filter(users::home_subject.eq(subject))
            .select(UserRow::as_select())
            .first(conn)
            .optional()?,
    )
}

pub fn list(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_type: Option<UserType>,
) -> StoreResult<Vec<User>> {
    let mut query = users::table
        .filter(users::tenant_id.eq(tenant_id.as_str()))
        .select(UserRow::as_select())
        .order(users::email)
        .into_boxed();
    if let Some(t) = user_type {
        query = query.filter(users::user_type.eq(t.as_str()));
    }
    query
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

pub fn set_status(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    status: UserStatus,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id)),
    )
    .set((
        users::status.eq(status.as_str()),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_access_expiry(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    expires_at: Option<chrono::NaiveDateTime>,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id)),
    )
    .set((
        users::access_expires_at.eq(expires_at),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
