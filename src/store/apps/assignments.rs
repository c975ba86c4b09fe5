//! Who is assigned an app (users directly, or groups): listed for the
//! console and the API, and taken away. Assigning is `store::groups::assign_app`.

use diesel::prelude::*;

use crate::domain::TenantId;
use crate::store::schema::app_assignments;
use crate::store::{DbConn, StoreResult};

/// Whom an app is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    User,
    Group,
}

impl Principal {
    /// As stored in `app_assignments.principal_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Principal::User => "user",
            Principal::Group => "group",
        }
    }

    /// From the stored text; `None` for anything else.
    pub fn parse(kind: &str) -> Option<Principal> {
        match kind {
            "user" => Some(Principal::User),
            "group" => Some(Principal::Group),
            _ => None,
        }
    }
}

/// One assignment of an app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub kind: Principal,
    pub principal_id: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The assignments of the app with row id `app_id`, oldest first (rows of an
/// unknown kind are left out).
pub fn of_app(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    app_id: &str,
) -> StoreResult<Vec<Assignment>> {
    let rows: Vec<(String, String, chrono::NaiveDateTime)> = app_assignments::table
        .filter(app_assignments::tenant_id.eq(tenant_id.as_str()))
        .filter(app_assignments::app_id.eq(app_id))
        .order(app_assignments::created_at)
        .select((
            app_assignments::principal_kind,
            app_assignments::principal_id,
            app_assignments::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, principal_id, created_at)| {
            Some(Assignment {
                kind: Principal::parse(&kind)?,
                principal_id,
                created_at,
            })
        })
        .collect())
}

/// Takes the assignment away; false when there was none.
pub fn remove(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    app_id: &str,
    kind: Principal,
    principal_id: &str,
) -> StoreResult<bool> {
    let removed = diesel::delete(
        app_assignments::table
            .filter(app_assignments::tenant_id.eq(tenant_id.as_str()))
            .filter(app_assignments::app_id.eq(app_id))
            .filter(app_assignments::principal_kind.eq(kind.as_str()))
            .filter(app_assignments::principal_id.eq(principal_id)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}
