//! Groups, the same on the API and the console: create, rename, add and
//! remove members. Names are checked here once; every change is audited.

use crate::domain::{AuditAction, TenantId};
use crate::store::groups::Group;
use crate::store::{self, DbConn, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("name must be 1-200 characters")]
    BadName,
    #[error("no such group")]
    NoGroup,
    #[error("no such user")]
    NoUser,
    #[error("the user is not a member of this group")]
    NotMember,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A group's name as given: trimmed, 1 to 200 characters.
pub fn group_name(raw: &str) -> Result<String, GroupError> {
    let name = raw.trim();
    match name.chars().count() {
        1..=200 => Ok(name.to_owned()),
        _ => Err(GroupError::BadName),
    }
}

pub fn create(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    name: &str,
    actor: &str,
) -> Result<Group, GroupError> {
    let name = group_name(name)?;
    let group = store::groups::create(conn, tenant_id, &name)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::GroupCreated,
        Some(&name),
        Some(&group.id),
    )?;
    Ok(group)
}

/// Gives the group a new name (unique in the tenant, like a new group's).
pub fn rename(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    name: &str,
    actor: &str,
) -> Result<Group, GroupError> {
    let name = group_name(name)?;
    let old = store::groups::find(conn, tenant_id, group_id)?.ok_or(GroupError::NoGroup)?;
    store::groups::rename(conn, tenant_id, group_id, &name)?;
    let detail = format!("from {:?} to {name:?}", old.name);
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::GroupRenamed,
        Some(group_id),
        Some(&detail),
    )?;
    Ok(Group { name, ..old })
}

/// Adds user `user_id` (of the tenant) to the group; adding a member again
/// changes nothing but is recorded like the first time.
pub fn add_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    user_id: &str,
    actor: &str,
) -> Result<(), GroupError> {
    store::users::find(conn, tenant_id, user_id)?.ok_or(GroupError::NoUser)?;
    store::groups::find(conn, tenant_id, group_id)?.ok_or(GroupError::NoGroup)?;
    store::groups::add_member(conn, tenant_id, group_id, user_id)?;
    record_membership(
        conn,
        tenant_id,
        actor,
        AuditAction::GroupMemberAdded,
        group_id,
        user_id,
    )
}

/// Takes user `user_id` out of the group: the apps assigned to the group
/// are no longer theirs through it.
pub fn remove_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    group_id: &str,
    user_id: &str,
    actor: &str,
) -> Result<(), GroupError> {
    store::groups::find(conn, tenant_id, group_id)?.ok_or(GroupError::NoGroup)?;
    if !store::groups::remove_member(conn, tenant_id, group_id, user_id)? {
        return Err(GroupError::NotMember);
    }
    record_membership(
        conn,
        tenant_id,
        actor,
        AuditAction::GroupMemberRemoved,
        group_id,
        user_id,
    )
}

/// A change of membership: the user is the event's target, the group its detail.
fn record_membership(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    change: AuditAction,
    group_id: &str,
    user_id: &str,
) -> Result<(), GroupError> {
    let (target, detail) = (Some(user_id), Some(group_id));
    Ok(store::audit::record(
        conn, tenant_id, actor, change, target, detail,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_name_is_trimmed_and_bounded() {
        assert_eq!(group_name("  Sales ").unwrap(), "Sales");
        assert!(matches!(group_name("   "), Err(GroupError::BadName)));
        assert!(group_name(&"é".repeat(200)).is_ok());
        assert!(matches!(
            group_name(&"x".repeat(201)),
            Err(GroupError::BadName)
        ));
    }
}
