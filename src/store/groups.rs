//! Groups of one tenant, their members, and app assignments.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{app_assignments, applications, group_members, user_groups};
use super::{DbConn, StoreError, StoreResult, new_id, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = user_groups)]
pub struct Group {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: chrono::NaiveDateTime,
}

pub fn create(conn: &mut DbConn, tenant_id: &TenantId, name: &str) -> StoreResult<Group> {
    let group = Group {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        name: name.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(user_groups::table)
        .values(&group)
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, "a group with this name already exists"))?;
    Ok(group)
}

pub fn find_by_name(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    name: &str,
) -> StoreResult<Option<Group>> {
    Ok(user_groups::table
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .filter(user_groups::name.eq(name))
        .select(Group::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<Option<Group>> {
    Ok(user_groups::table
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .filter(user_groups::id.eq(id))
        .select(Group::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<Group>> {
    Ok(user_groups::table
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .order(user_groups::name)
        .select(Group::as_select())
        .load(conn)?)
}

/// Adds a member; the group must belong to the tenant.
pub fn add_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    user_id: &str,
) -> StoreResult<()> {
    find(conn, tenant_id, group_id)?.ok_or(StoreError::NotFound)?;
    let exists: i64 = group_members::table
        .filter(group_members::group_id.eq(group_id))
        .filter(group_members::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(group_members::table)
            .values((
                group_members::group_id.eq(group_id),
                group_members::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Ids of the groups a user is in (within the tenant).
pub fn groups_of(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Vec<String>> {
    Ok(group_members::table
        .inner_join(user_groups::table)
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .filter(group_members::user_id.eq(user_id))
        .select(user_groups::id)
        .load(conn)?)
}

/// Assigns an app to a user or a group (`principal_kind` = `user` | `group`).
pub fn assign_app(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    app_id: &str,
    kind: &str,
    principal_id: &str,
) -> StoreResult<()> {
    let exists: i64 = app_assignments::table
        .filter(app_assignments::app_id.eq(app_id))
        .filter(app_assignments::principal_kind.eq(kind))
        .filter(app_assignments::principal_id.eq(principal_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(app_assignments::table)
            .values((
                app_assignments::app_id.eq(app_id),
                app_assignments::tenant_id.eq(tenant_id.as_str()),
                app_assignments::principal_kind.eq(kind),
                app_assignments::principal_id.eq(principal_id),
                app_assignments::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// True when the user is assigned the app directly or through a group.
pub fn is_assigned(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    app_id: &str,
    user_id: &str,
) -> StoreResult<bool> {
    let mut principals = groups_of(conn, tenant_id, user_id)?;
    principals.push(user_id.to_owned());
    let n: i64 = app_assignments::table
        .filter(app_assignments::tenant_id.eq(tenant_id.as_str()))
        .filter(app_assignments::app_id.eq(app_id))
        .filter(app_assignments::principal_id.eq_any(principals))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// App ids assigned to the user directly or through a group.
pub fn assigned_apps(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Vec<String>> {
    let mut principals = groups_of(conn, tenant_id, user_id)?;
    principals.push(user_id.to_owned());
    Ok(app_assignments::table
        .filter(app_assignments::tenant_id.eq(tenant_id.as_str()))
        .filter(app_assignments::principal_id.eq_any(principals))
        .select(app_assignments::app_id)
        .distinct()
        .load(conn)?)
}

/// Renames a group; false when there is no such group in the tenant.
pub fn rename(conn: &mut DbConn, tenant_id: &TenantId, id: &str, name: &str) -> StoreResult<bool> {
    let n = diesel::update(
        user_groups::table
            .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
            .filter(user_groups::id.eq(id)),
    )
    .set(user_groups::name.eq(name))
    .execute(conn)
    .map_err(|e| StoreError::unique_as(e, "a group with this name already exists"))?;
    Ok(n == 1)
}

/// Takes a member out of a group of the tenant; false when they were not in it.
pub fn remove_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    user_id: &str,
) -> StoreResult<bool> {
    find(conn, tenant_id, group_id)?.ok_or(StoreError::NotFound)?;
    let n = diesel::delete(
        group_members::table
            .filter(group_members::group_id.eq(group_id))
            .filter(group_members::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// How many members each group of the tenant has (groups without any are
/// absent).
pub fn member_counts(
    conn: &mut DbConn,
    tenant_id: &TenantId,
) -> StoreResult<std::collections::HashMap<String, i64>> {
    let counts: Vec<(String, i64)> = group_members::table
        .inner_join(user_groups::table)
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .group_by(group_members::group_id)
        .select((group_members::group_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(counts.into_iter().collect())
}

/// The groups a user is in, by name.
pub fn named_groups_of(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Vec<Group>> {
    Ok(group_members::table
        .inner_join(user_groups::table)
        .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
        .filter(group_members::user_id.eq(user_id))
        .order(user_groups::name)
        .select(Group::as_select())
        .load(conn)?)
}

/// An app as a list shows it: its client id and name.
pub struct AppName {
    pub client_id: String,
    pub name: String,
}

/// The apps assigned to a group, by name.
pub fn apps_of_group(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
) -> StoreResult<Vec<AppName>> {
    let assigned: Vec<String> = app_assignments::table
        .filter(app_assignments::tenant_id.eq(tenant_id.as_str()))
        .filter(app_assignments::principal_kind.eq("group"))
        .filter(app_assignments::principal_id.eq(group_id))
        .select(app_assignments::app_id)
        .load(conn)?;
    app_names(conn, tenant_id, assigned)
}

/// The apps assigned to a user directly or through a group, by name.
pub fn apps_of_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
) -> StoreResult<Vec<AppName>> {
    let assigned = assigned_apps(conn, tenant_id, user_id)?;
    app_names(conn, tenant_id, assigned)
}

fn app_names(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    ids: Vec<String>,
) -> StoreResult<Vec<AppName>> {
    let rows: Vec<(String, String)> = applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::id.eq_any(ids))
        .order(applications::name)
        .select((applications::client_id, applications::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(client_id, name)| AppName { client_id, name })
        .collect())
}
