//! The console's list of users: filtered by type, state and home, searched
//! by email or name, one bounded page at a time.

use diesel::prelude::*;

use super::{User, UserRow};
use crate::domain::{ExternalState, IdentitySource, TenantId, UserStatus, UserType};
use crate::store::schema::{group_members, users};
use crate::store::{DbConn, StoreResult, now};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Where a user stands, as the console shows it: one of these, in this
/// order of precedence (a blocked guest past their end is "blocked").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Blocked,
    Expired,
    PendingAcceptance,
    Active,
}

impl User {
    pub fn standing(&self) -> Standing {
        if !self.is_active() {
            Standing::Blocked
        } else if !self.is_usable() {
            Standing::Expired
        } else if self.external_state == Some(ExternalState::PendingAcceptance) {
            Standing::PendingAcceptance
        } else {
            Standing::Active
        }
    }
}

/// Where a user signs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Home {
    /// A password kept here.
    Password,
    /// One-time passcodes by email.
    Passcode,
    /// Another provider, by its issuer.
    Issuer(String),
}

/// Which users to list; `None` fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub user_type: Option<UserType>,
    pub standing: Option<Standing>,
    pub home: Option<Home>,
    /// A part of the email or display name (case-insensitive).
    pub text: Option<String>,
}

type Boxed<'a> = users::BoxedQuery<'a, <DbConn as Connection>::Backend>;

/// One page of the users matching `filter`, by email: at most `limit`
/// from `offset`.
pub fn search(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<User>> {
    let mut query: Boxed<'_> = users::table
        .filter(users::tenant_id.eq(tenant_id.as_str().to_owned()))
        .into_boxed();
    if let Some(t) = filter.user_type {
        query = query.filter(users::user_type.eq(t.as_str()));
    }
    if let Some(standing) = filter.standing {
        query = by_standing(query, standing);
    }
    if let Some(home) = &filter.home {
        query = by_home(query, home);
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pattern).escape('\\')),
        );
    }
    load(conn, query, offset, limit)
}

/// The users `query` selects, by email: at most `limit` from `offset`.
fn load(conn: &mut DbConn, query: Boxed<'_>, offset: i64, limit: i64) -> StoreResult<Vec<User>> {
    query
        .order((users::email, users::id))
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

fn by_standing(query: Boxed<'_>, standing: Standing) -> Boxed<'_> {
    let at = now();
    let blocked = UserStatus::Blocked.as_str();
    let pending = ExternalState::PendingAcceptance.as_str();
    let current = users::access_expires_at
        .is_null()
        .or(users::access_expires_at.gt(at));
    match standing {
        Standing::Blocked => query.filter(users::status.eq(blocked)),
        Standing::Expired => query
            .filter(users::status.ne(blocked))
            .filter(users::access_expires_at.le(at)),
        Standing::PendingAcceptance => query
            .filter(users::status.ne(blocked))
            .filter(current)
            .filter(users::external_state.eq(pending)),
        Standing::Active => query
            .filter(users::status.ne(blocked))
            .filter(current)
            .filter(
                users::external_state
                    .is_null()
                    .or(users::external_state.ne(pending)),
            ),
    }
}

fn by_home<'a>(query: Boxed<'a>, home: &Home) -> Boxed<'a> {
    match home {
        Home::Password => query.filter(users::identity_source.eq(IdentitySource::Local.as_str())),
        Home::Passcode => {
            query.filter(users::identity_source.eq(IdentitySource::EmailPasscode.as_str()))
        }
        Home::Issuer(issuer) => query.filter(users::home_issuer.eq(issuer.clone())),
    }
}

/// `%`, `_` and the escape character itself match literally.
fn escape_like(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            other => vec![other],
        })
        .collect()
}

/// The other providers users of the tenant sign in with (passcodes
/// excluded), in order; at most `limit`.
pub fn home_issuers(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    limit: i64,
) -> StoreResult<Vec<String>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id.as_str()))
        .filter(users::home_issuer.is_not_null())
        .filter(users::identity_source.ne(IdentitySource::EmailPasscode.as_str()))
        .select(users::home_issuer.assume_not_null())
        .distinct()
        .order(users::home_issuer)
        .limit(limit)
        .load(conn)?)
}

/// The members of a group of the tenant, by email; at most `limit`.
pub fn in_group(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    limit: i64,
) -> StoreResult<Vec<User>> {
    let members = group_members::table
        .filter(group_members::group_id.eq(group_id.to_owned()))
        .select(group_members::user_id);
    let query = users::table
        .filter(users::tenant_id.eq(tenant_id.as_str().to_owned()))
        .filter(users::id.eq_any(members))
        .into_boxed();
    load(conn, query, 0, limit)
}

/// The ids and emails of these users of the tenant.
pub fn emails_of(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    ids: &[&str],
) -> StoreResult<Vec<(String, String)>> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id.as_str()))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(escape_like("a%b_c\\d"), "a\\%b\\_c\\\\d");
        assert_eq!(escape_like("megan"), "megan");
    }
}
