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

/// Creates a guest in `pending_acceptance`: no password, identity elsewhere.
pub fn create_guest(
    conn: &mut DbConn,
    tenant_id: &str,
    email: &str,
    display_name: &str,
    invited_by: &str,
) -> StoreResult<User> {
    let at = now();
    let user = User {
        id: new_id(),
        tenant_id: tenant_id.to_owned(),
        user_type: "guest".into(),
        email: email.to_owned(),
        display_name: display_name.to_owned(),
        password_hash: None,
        status: "active".into(),
        external_state: Some("pending_acceptance".into()),
        home_issuer: None,
        home_subject: None,
        identity_source: "home_tenant".into(),
        access_expires_at: None,
        invited_by: Some(invited_by.to_owned()),
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

/// Links a pending guest to its home identity and marks it accepted.
pub fn accept_guest(
    conn: &mut DbConn,
    tenant_id: &str,
    user_id: &str,
    home_issuer: &str,
    home_subject: &str,
    identity_source: &str,
    display_name: Option<&str>,
) -> StoreResult<()> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(user_id))
            .filter(users::user_type.eq("guest")),
    )
    .set((
        users::external_state.eq("accepted"),
        users::home_issuer.eq(home_issuer),
        users::home_subject.eq(home_subject),
        users::identity_source.eq(identity_source),
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
                .filter(users::tenant_id.eq(tenant_id))
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
    tenant_id: &str,
    profile: UpstreamProfile<'_>,
) -> StoreResult<(User, bool)> {
    let at = now();
    let existing = match find_by_home(conn, tenant_id, profile.issuer, profile.subject)? {
        Some(user) => Some(user),
        None => find_by_email(conn, tenant_id, profile.email)?
            .filter(|u| u.user_type == "member" && u.home_issuer.is_none()),
    };
    let Some(user) = existing else {
        if find_by_email(conn, tenant_id, profile.email)?.is_some() {
            return Err(StoreError::Conflict(
                "another account of this tenant already uses this email",
            ));
        }
        let user = User {
            id: new_id(),
            tenant_id: tenant_id.to_owned(),
            user_type: "member".into(),
            email: profile.email.to_owned(),
            display_name: profile.display_name.to_owned(),
            password_hash: None,
            status: "active".into(),
            external_state: None,
            home_issuer: Some(profile.issuer.to_owned()),
            home_subject: Some(profile.subject.to_owned()),
            identity_source: "federated".into(),
            access_expires_at: None,
            invited_by: None,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(users::table)
            .values(&user)
            .execute(conn)
            .map_err(|e| StoreError::unique_as(e, "this upstream account already exists"))?;
        return Ok((user, true));
    };
    if user.user_type != "member" {
        return Err(StoreError::Conflict(
            "the upstream account is linked to a guest",
        ));
    }
    diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(&user.id)),
    )
    .set((
        users::email.eq(profile.email),
        users::display_name.eq(profile.display_name),
        users::home_issuer.eq(profile.issuer),
        users::home_subject.eq(profile.subject),
        users::identity_source.eq("federated"),
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
    tenant_id: &str,
    issuer: &str,
    subject: &str,
) -> StoreResult<Option<User>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::home_issuer.eq(issuer))
        .filter(users::home_subject.eq(subject))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, tenant_id: &str, user_type: Option<&str>) -> StoreResult<Vec<User>> {
    let mut query = users::table
        .filter(users::tenant_id.eq(tenant_id))
        .select(User::as_select())
        .order(users::email)
        .into_boxed();
    if let Some(t) = user_type {
        query = query.filter(users::user_type.eq(t.to_owned()));
    }
    Ok(query.load(conn)?)
}

pub fn set_status(
    conn: &mut DbConn,
    tenant_id: &str,
    user_id: &str,
    status: &str,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(user_id)),
    )
    .set((users::status.eq(status), users::updated_at.eq(now())))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete(conn: &mut DbConn, tenant_id: &str, user_id: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_access_expiry(
    conn: &mut DbConn,
    tenant_id: &str,
    user_id: &str,
    expires_at: Option<chrono::NaiveDateTime>,
) -> StoreResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
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
pub fn reset_guest(conn: &mut DbConn, tenant_id: &str, user_id: &str) -> StoreResult<()> {
    let n = diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(user_id))
            .filter(users::user_type.eq("guest")),
    )
    .set((
        users::external_state.eq("pending_acceptance"),
        users::home_issuer.eq(None::<String>),
        users::home_subject.eq(None::<String>),
        users::status.eq("active"),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}
