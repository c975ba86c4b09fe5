//! Users of one tenant (members now; guests share the table) and their roles.

use diesel::prelude::*;

use super::schema::{user_roles, users};
use super::{DbConn, StoreError, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub user_type: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub external_state: Option<String>,
    pub home_issuer: Option<String>,
    pub home_subject: Option<String>,
    pub identity_source: String,
    pub access_expires_at: Option<chrono::NaiveDateTime>,
    pub invited_by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    pub fn user_type_claim(&self) -> &'static str {
        if self.user_type == "guest" {
            "Guest"
        } else {
            "Member"
        }
    }
}

pub struct NewMember<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
}

pub fn create_member(conn: &mut DbConn, tenant_id: &str, new: NewMember<'_>) -> StoreResult<User> {
    let at = now();
    let user = User {
        id: new_id(),
        tenant_id: tenant_id.to_owned(),
        user_type: "member".into(),
        email: new.email.to_owned(),
        display_name: new.display_name.to_owned(),
        password_hash: Some(new.password_hash.to_owned()),
        status: "active".into(),
        external_state: None,
        home_issuer: None,
        home_subject: None,
        identity_source: "local".into(),
        access_expires_at: None,
        invited_by: None,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(users::table)
        .values(&user)
        .execute(conn)
        .map_err(|e| {
            StoreError::unique_as(e, "a user with this email already exists in the tenant")
        })?;
    Ok(user)
}

pub fn find_by_email(conn: &mut DbConn, tenant_id: &str, email: &str) -> StoreResult<Option<User>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, tenant_id: &str, user_id: &str) -> StoreResult<Option<User>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::id.eq(user_id))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn grant_role(
    conn: &mut DbConn,
    tenant_id: &str,
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
                user_roles::tenant_id.eq(tenant_id),
                user_roles::role.eq(role),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn roles(conn: &mut DbConn, tenant_id: &str, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(user_roles::table
        .filter(user_roles::tenant_id.eq(tenant_id))
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?)
}
