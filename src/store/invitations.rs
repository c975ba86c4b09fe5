//! Invitations: single-use, expiring offers to become a guest, stored by token hash.

use diesel::prelude::*;

use super::schema::{invitations, users};
use super::{DbConn, StoreError, StoreResult, now};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub guest_user_id: String,
    /// `tenant`, `group` or `app`.
    pub target_kind: String,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub invited_by: String,
    pub inviter_name: String,
    pub redirect_url: Option<String>,
    pub message: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    /// `pending`, `redeemed` or `revoked`; `expired` is derived from `expires_at`.
    pub status: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub redeemed_at: Option<chrono::NaiveDateTime>,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

impl Invitation {
    /// The status a person sees: a pending invitation past its expiry is `expired`.
    pub fn effective_status(&self) -> &str {
        if self.status == "pending" && self.expires_at <= now() {
            "expired"
        } else {
            &self.status
        }
    }
}

/// Stores a new invitation. The schema admits one pending invitation per
/// guest; call [`revoke_pending_for_guest`] first in the same transaction.
pub fn insert(conn: &mut DbConn, invitation: &Invitation) -> StoreResult<()> {
    diesel::insert_into(invitations::table)
        .values(invitation)
        .execute(conn)
        .map_err(|e| {
            StoreError::unique_as(
                e,
                "another invitation for this guest was issued at the same time",
            )
        })?;
    Ok(())
}

pub fn find_by_token_hash(
    conn: &mut DbConn,
    tenant_id: &str,
    hash: &str,
) -> StoreResult<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(tenant_id))
        .filter(invitations::token_hash.eq(hash))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, tenant_id: &str, id: &str) -> StoreResult<Option<Invitation>> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(tenant_id))
        .filter(invitations::id.eq(id))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, tenant_id: &str) -> StoreResult<Vec<Invitation>> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(tenant_id))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)?)
}

/// Marks a pending, unexpired invitation redeemed; false when it no longer is.
pub fn mark_redeemed(conn: &mut DbConn, tenant_id: &str, id: &str) -> StoreResult<bool> {
    lock_guest_of(conn, tenant_id, id)?;
    let at = now();
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq("pending"))
            .filter(invitations::expires_at.gt(at)),
    )
    .set((
        invitations::status.eq("redeemed"),
        invitations::redeemed_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every pending invitation of a guest; returns how many. The guest
/// is locked first, so concurrent invitations of one guest take turns and
/// each withdraws the link the previous one issued.
pub fn revoke_pending_for_guest(
    conn: &mut DbConn,
    tenant_id: &str,
    guest_id: &str,
) -> StoreResult<usize> {
    lock_guest(conn, tenant_id, guest_id)?;
    Ok(diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id))
            .filter(invitations::guest_user_id.eq(guest_id))
            .filter(invitations::status.eq("pending")),
    )
    .set((
        invitations::status.eq("revoked"),
        invitations::revoked_at.eq(now()),
    ))
    .execute(conn)?)
}

pub fn revoke(conn: &mut DbConn, tenant_id: &str, id: &str) -> StoreResult<bool> {
    lock_guest_of(conn, tenant_id, id)?;
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq("pending")),
    )
    .set((
        invitations::status.eq("revoked"),
        invitations::revoked_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives a pending invitation a new token and expiry (resend).
pub fn renew(
    conn: &mut DbConn,
    tenant_id: &str,
    id: &str,
    token_hash: &str,
    expires_at: chrono::NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq("pending")),
    )
    .set((
        invitations::token_hash.eq(token_hash),
        invitations::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Locks the guest an invitation is for. Paths that change an invitation and
/// then its guest (redemption, revocation) take the guest first, as inviting
/// does, so that two of them never wait for each other in opposite order.
fn lock_guest_of(conn: &mut DbConn, tenant_id: &str, id: &str) -> StoreResult<()> {
    if let DbConn::Postgres(_) = conn {
        let guest = invitations::table
            .filter(invitations::tenant_id.eq(tenant_id))
            .filter(invitations::id.eq(id))
            .select(invitations::guest_user_id)
            .first::<String>(conn)
            .optional()?;
        if let Some(guest) = guest {
            lock_guest(conn, tenant_id, &guest)?;
        }
    }
    Ok(())
}

/// Holds the guest's row until the transaction ends (PostgreSQL). Statements
/// after it see what the previous holder committed. `NO KEY`: rows that only
/// reference the guest (sessions, grants) are not held up. A SQLite write
/// transaction already holds the whole database (`BEGIN IMMEDIATE`).
fn lock_guest(conn: &mut DbConn, tenant_id: &str, guest_id: &str) -> StoreResult<()> {
    if let DbConn::Postgres(pg) = conn {
        users::table
            .filter(users::tenant_id.eq(tenant_id))
            .filter(users::id.eq(guest_id))
            .select(users::id)
            .for_no_key_update()
            .load::<String>(pg)?;
    }
    Ok(())
}
