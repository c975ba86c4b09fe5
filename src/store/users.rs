//! Users of one tenant (members now; guests share the table) and their roles.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{user_roles, users};
use super::{DbConn, StoreError, StoreResult, new_id, now};
use crate::domain::{ExternalState, IdentitySource, UnknownValue, UserStatus, UserType};

/// A `users` row as stored: the kinds and states as text.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    tenant_id: String,
    user_type: String,
    email: String,
    display_name: String,
    password_hash: Option<String>,
    status: String,
    external_state: Option<String>,
    home_issuer: Option<String>,
    home_subject: Option<String>,
    identity_source: String,
    access_expires_at: Option<chrono::NaiveDateTime>,
    invited_by: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub user_type: UserType,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    /// A guest's redemption state; `None` for members.
    pub external_state: Option<ExternalState>,
    pub home_issuer: Option<String>,
    pub home_subject: Option<String>,
    pub identity_source: IdentitySource,
    pub access_expires_at: Option<chrono::NaiveDateTime>,
    pub invited_by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<User, StoreError> {
        let corrupt = |e: UnknownValue| StoreError::Corrupt(e.to_string());
        Ok(User {
            user_type: row.user_type.parse().map_err(corrupt)?,
            status: row.status.parse().map_err(corrupt)?,
            external_state: row
                .external_state
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(corrupt)?,
            identity_source: row.identity_source.parse().map_err(corrupt)?,
            id: row.id,
            tenant_id: row.tenant_id,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            home_issuer: row.home_issuer,
            home_subject: row.home_subject,
            access_expires_at: row.access_expires_at,
            invited_by: row.invited_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&User> for UserRow {
    fn from(user: &User) -> UserRow {
        UserRow {
            id: user.id.clone(),
            tenant_id: user.tenant_id.clone(),
            user_type: user.user_type.as_str().to_owned(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            password_hash: user.password_hash.clone(),
            status: user.status.as_str().to_owned(),
            external_state: user.external_state.map(|e| e.as_str().to_owned()),
            home_issuer: user.home_issuer.clone(),
            home_subject: user.home_subject.clone(),
            identity_source: user.identity_source.as_str().to_owned(),
            access_expires_at: user.access_expires_at,
            invited_by: user.invited_by.clone(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

fn to_user(row: Option<UserRow>) -> StoreResult<Option<User>> {
    row.map(User::try_from).transpose()
}

impl User {
    pub fn is_active(&self) -> bool {
        match self.status {
            UserStatus::Active => true,
            UserStatus::Blocked => false,
        }
    }

    pub fn is_guest(&self) -> bool {
        self.user_type == UserType::Guest
    }

    /// Active, and (for guests with an end date) not past it.
    pub fn is_usable(&self) -> bool {
        self.is_active() && self.access_expires_at.is_none_or(|t| t > now())
    }

    /// `blocked`, `expired` (a guest past their end of access) or `active`.
    pub fn access_state(&self) -> &'static str {
        if !self.is_active() {
            "blocked"
        } else if !self.is_usable() {
            "expired"
        } else {
            "active"
        }
    }

    pub fn user_type_claim(&self) -> &'static str {
        self.user_type.claim()
    }
}

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
    diesel::insert_into(users::table)
        .values(UserRow::from(&user))
        .execute(conn)
        .map_err(|e| {
            StoreError::unique_as(e, "a user with this email already exists in the tenant")
        })?;
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

pub fn grant_role(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    role: &str,
) -> StoreResult<()> {
    let exists: i64 = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .filter(user_roles::role.eq(role))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::tenant_id.eq(tenant_id.as_str()),
                user_roles::role.eq(role),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn roles(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(user_roles::table
        .filter(user_roles::tenant_id.eq(tenant_id.as_str()))
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?)
}

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
    diesel::insert_into(users::table)
        .values(UserRow::from(&user))
        .execute(conn)
        .map_err(|e| {
            StoreError::unique_as(e, "a user with this email already exists in the tenant")
        })?;
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

/// What an upstream says about a federated tenant's member.
pub struct UpstreamProfile<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
}

/// A federated tenant's member as the upstream describes them: found by
/// upstream identity and updated, or linked to the unlinked member with the
/// same address, or created (then the flag is true). Guests are never matched.
pub fn upsert_federated(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    profile: UpstreamProfile<'_>,
) -> StoreResult<(User, bool)> {
    let at = now();
    let existing = match find_by_home(conn, tenant_id, profile.issuer, profile.subject)? {
        Some(user) => Some(user),
        None => find_by_email(conn, tenant_id, profile.email)?
            .filter(|u| u.user_type == UserType::Member && u.home_issuer.is_none()),
    };
    let Some(user) = existing else {
        if find_by_email(conn, tenant_id, profile.email)?.is_some() {
            return Err(StoreError::Conflict(
                "another account of this tenant already uses this email",
            ));
        }
        let user = User {
            id: new_id(),
            tenant_id: tenant_id.as_str().to_owned(),
            user_type: UserType::Member,
            email: profile.email.to_owned(),
            display_name: profile.display_name.to_owned(),
            password_hash: None,
            status: UserStatus::Active,
            external_state: None,
            home_issuer: Some(profile.issuer.to_owned()),
            home_subject: Some(profile.subject.to_owned()),
            identity_source: IdentitySource::Federated,
            access_expires_at: None,
            invited_by: None,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(users::table)
            .values(UserRow::from(&user))
            .execute(conn)
            .map_err(|e| StoreError::unique_as(e, "this upstream account already exists"))?;
        return Ok((user, true));
    };
    if user.user_type != UserType::Member {
        return Err(StoreError::Conflict(
            "the upstream account is linked to a guest",
        ));
    }
    diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(&user.id)),
    )
    .set((
        users::email.eq(profile.email),
        users::display_name.eq(profile.display_name),
        users::home_issuer.eq(profile.issuer),
        users::home_subject.eq(profile.subject),
        users::identity_source.eq(IdentitySource::Federated.as_str()),
        // The upstream is now the only way in: no password is kept here.
        users::password_hash.eq(None::<String>),
        users::updated_at.eq(at),
    ))
    .execute(conn)
    .map_err(|e| {
        StoreError::unique_as(e, "another account of this tenant already uses this email")
    })?;
    let updated = find(conn, tenant_id, &user.id)?.ok_or(StoreError::NotFound)?;
    Ok((updated, false))
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
