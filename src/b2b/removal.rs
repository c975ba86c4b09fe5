//! Removing access (DESIGN.md §5 "Remove"): blocking, deleting or revoking
//! takes effect at once. Sessions end, grants are revoked (refresh tokens die,
//! introspection reports access tokens inactive), and it is audited.

use crate::domain::{AuditAction, GuestAction, TenantId, UserStatus};
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    #[error("no such user")]
    NoUser,
    #[error("no such invitation")]
    NoInvitation,
    #[error("this invitation is no longer pending")]
    NotPending,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn cut_off(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> Result<(), StoreError> {
    store::sessions::revoke_all_for_user(conn, tenant_id, user_id)?;
    store::codes::revoke_user_grants(conn, tenant_id, user_id)?;
    Ok(())
}

pub fn find_user(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    email_or_id: &str,
) -> Result<User, RemovalError> {
    let email = email_or_id.trim().to_ascii_lowercase();
    match store::users::find_by_email(conn, tenant_id, &email)? {
        Some(u) => Ok(u),
        None => store::users::find(conn, tenant_id, email_or_id)?.ok_or(RemovalError::NoUser),
    }
}

/// Blocks, unblocks or removes `user`: the one dispatch shared by the API,
/// the portal and the CLI.
pub fn apply(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    user: &User,
    action: GuestAction,
) -> Result<(), RemovalError> {
    match action {
        GuestAction::Block => block(conn, tenant_id, actor, user),
        GuestAction::Unblock => unblock(conn, tenant_id, actor, user),
        GuestAction::Remove => remove(conn, tenant_id, actor, user),
    }
}

pub fn block(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    user: &User,
) -> Result<(), RemovalError> {
    store::users::set_status(conn, tenant_id, &user.id, UserStatus::Blocked)?;
    cut_off(conn, tenant_id, &user.id)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::UserBlocked,
        Some(&user.email),
        Some(&user.id),
    )?;
    Ok(())
}

pub fn unblock(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    user: &User,
) -> Result<(), RemovalError> {
    store::users::set_status(conn, tenant_id, &user.id, UserStatus::Active)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::UserUnblocked,
        Some(&user.email),
        Some(&user.id),
    )?;
    Ok(())
}

/// Deletes the user object; everything it held goes with it.
pub fn remove(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    user: &User,
) -> Result<(), RemovalError> {
    cut_off(conn, tenant_id, &user.id)?;
    store::invitations::revoke_pending_for_guest(conn, tenant_id, &user.id)?;
    if !store::users::delete(conn, tenant_id, &user.id)? {
        return Err(RemovalError::NoUser);
    }
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::UserRemoved,
        Some(&user.email),
        Some(&user.id),
    )?;
    Ok(())
}

/// Revokes a pending invitation; its link can no longer be redeemed.
pub fn revoke_invitation(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    invitation_id: &str,
) -> Result<(), RemovalError> {
    let invitation = store::invitations::find(conn, tenant_id, invitation_id)?
        .ok_or(RemovalError::NoInvitation)?;
    if !store::invitations::revoke(conn, tenant_id, invitation_id)? {
        return Err(RemovalError::NotPending);
    }
    // The link is dead (redemption requires a pending invitation); the guest
    // object is not blocked, so the inviter may invite the address again,
    // whereas a block by an administrator stands until lifted.
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::InvitationRevoked,
        Some(&invitation.email),
        Some(invitation_id),
    )?;
    Ok(())
}
