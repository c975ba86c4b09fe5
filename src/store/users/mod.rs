//! Users of one tenant (members now; guests share the table) and their roles.

mod activity;
mod grants;
mod guests;
mod queries;
mod search;
mod upstream;

use diesel::prelude::*;

pub use activity::{live_sessions, trail};
pub use grants::{grant_role, roles};
pub use guests::{accept_guest, accounts_of_home, create_guest, reset_guest};
pub use queries::{
    NewMember, create_member, delete, find, find_by_email, find_by_home, list, set_access_expiry,
    set_status,
};
pub use search::{Home, Standing, UserFilter, emails_of, home_issuers, in_group, search};
pub use upstream::{UpstreamProfile, upsert_federated};

use super::schema::users;
use super::{DbConn, StoreError, StoreResult, now};
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

const EMAIL_TAKEN: &str = "a user with this email already exists in the tenant";

/// Inserts a new user; a unique-key clash is the conflict `taken`.
fn insert(conn: &mut DbConn, user: &User, taken: &'static str) -> StoreResult<()> {
    diesel::insert_into(users::table)
        .values(UserRow::from(user))
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, taken))?;
    Ok(())
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
