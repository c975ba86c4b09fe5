//! Invitations: single-use, expiring offers to become a guest, stored by token hash.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{invitations, users};
use super::text_search::{containing, lower};
use super::{DbConn, StoreError, StoreResult, now};
use crate::domain::{EffectiveStatus, InvitationStatus, TargetKind, UnknownValue};

/// An `invitations` row as stored: status and target kind as text.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
struct InvitationRow {
    id: String,
    tenant_id: String,
    email: String,
    guest_user_id: String,
    target_kind: String,
    target_id: Option<String>,
    target_name: Option<String>,
    invited_by: String,
    inviter_name: String,
    redirect_url: Option<String>,
    message: Option<String>,
    token_hash: String,
    status: String,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
    redeemed_at: Option<chrono::NaiveDateTime>,
    revoked_at: Option<chrono::NaiveDateTime>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Invitation {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub guest_user_id: String,
    pub target_kind: TargetKind,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub invited_by: String,
    pub inviter_name: String,
    pub redirect_url: Option<String>,
    pub message: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    /// As stored; `expired` is derived from `expires_at` by [`Invitation::effective_status`].
    pub status: InvitationStatus,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub created_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    pub expires_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::domain::utc::serialize_opt")]
    pub redeemed_at: Option<chrono::NaiveDateTime>,
    #[serde(serialize_with = "crate::domain::utc::serialize_opt")]
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

impl Invitation {
    /// The status a person sees: a pending invitation past its expiry is `expired`.
    pub fn effective_status(&self) -> EffectiveStatus {
        EffectiveStatus::of(self.status, self.expires_at <= now())
    }
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> Result<Invitation, StoreError> {
        let corrupt = |e: UnknownValue| StoreError::Corrupt(e.to_string());
        Ok(Invitation {
            target_kind: row.target_kind.parse().map_err(corrupt)?,
            status: row.status.parse().map_err(corrupt)?,
            id: row.id,
            tenant_id: row.tenant_id,
            email: row.email,
            guest_user_id: row.guest_user_id,
            target_id: row.target_id,
            target_name: row.target_name,
            invited_by: row.invited_by,
            inviter_name: row.inviter_name,
            redirect_url: row.redirect_url,
            message: row.message,
            token_hash: row.token_hash,
            created_at: row.created_at,
            expires_at: row.expires_at,
            redeemed_at: row.redeemed_at,
            revoked_at: row.revoked_at,
        })
    }
}

impl From<&Invitation> for InvitationRow {
    fn from(i: &Invitation) -> InvitationRow {
        InvitationRow {
            id: i.id.clone(),
            tenant_id: i.tenant_id.clone(),
            email: i.email.clone(),
            guest_user_id: i.guest_user_id.clone(),
            target_kind: i.target_kind.as_str().to_owned(),
            target_id: i.target_id.clone(),
            target_name: i.target_name.clone(),
            invited_by: i.invited_by.clone(),
            inviter_name: i.inviter_name.clone(),
            redirect_url: i.redirect_url.clone(),
            message: i.message.clone(),
            token_hash: i.token_hash.clone(),
            status: i.status.as_str().to_owned(),
            created_at: i.created_at,
            expires_at: i.expires_at,
            redeemed_at: i.redeemed_at,
            revoked_at: i.revoked_at,
        }
    }
}

fn to_invitation(row: Option<InvitationRow>) -> StoreResult<Option<Invitation>> {
    row.map(Invitation::try_from).transpose()
}

const PENDING: &str = InvitationStatus::Pending.as_str();
const REDEEMED: &str = InvitationStatus::Redeemed.as_str();
const REVOKED: &str = InvitationStatus::Revoked.as_str();

/// Stores a new invitation. The schema admits one pending invitation per
/// guest; call [`revoke_pending_for_guest`] first in the same transaction.
pub fn insert(conn: &mut DbConn, invitation: &Invitation) -> StoreResult<()> {
    diesel::insert_into(invitations::table)
        .values(InvitationRow::from(invitation))
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
    tenant_id: &TenantId,
    hash: &str,
) -> StoreResult<Option<Invitation>> {
    to_invitation(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::token_hash.eq(hash))
            .select(InvitationRow::as_select())
            .first(conn)
            .optional()?,
    )
}

pub fn find(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<Option<Invitation>> {
    to_invitation(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::id.eq(id))
            .select(InvitationRow::as_select())
            .first(conn)
            .optional()?,
    )
}

pub fn list(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<Invitation>> {
    invitations::table
        .filter(invitations::tenant_id.eq(tenant_id.as_str()))
        .order(invitations::created_at.desc())
        .select(InvitationRow::as_select())
        .load::<InvitationRow>(conn)?
        .into_iter()
        .map(Invitation::try_from)
        .collect()
}

/// Which invitations a list shows; the empty filter shows all of a tenant's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvitationFilter {
    /// As a person sees it: `Pending` excludes, `Expired` is only, pending
    /// invitations past their expiry.
    pub status: Option<EffectiveStatus>,
    pub target_kind: Option<TargetKind>,
    /// Part of the invited email, whatever its case.
    pub email: Option<String>,
    /// Only those sent by this actor (`user:{id}`): what a member sees.
    pub invited_by: Option<String>,
}

type Backend = <DbConn as Connection>::Backend;

/// The tenant's invitations matching `filter`, in no order yet.
fn matching(
    tenant_id: &TenantId,
    filter: &InvitationFilter,
) -> invitations::BoxedQuery<'static, Backend> {
    let mut query = invitations::table
        .filter(invitations::tenant_id.eq(tenant_id.as_str().to_owned()))
        .into_boxed();
    let at = now();
    query = match filter.status {
        None => query,
        Some(EffectiveStatus::Pending) => query
            .filter(invitations::status.eq(PENDING))
            .filter(invitations::expires_at.gt(at)),
        Some(EffectiveStatus::Expired) => query
            .filter(invitations::status.eq(PENDING))
            .filter(invitations::expires_at.le(at)),
        Some(EffectiveStatus::Redeemed) => query.filter(invitations::status.eq(REDEEMED)),
        Some(EffectiveStatus::Revoked) => query.filter(invitations::status.eq(REVOKED)),
    };
    if let Some(kind) = filter.target_kind {
        query = query.filter(invitations::target_kind.eq(kind.as_str()));
    }
    if let Some(email) = filter.email.as_deref() {
        query = query.filter(
            lower(invitations::email)
                .like(containing(email))
                .escape('\\'),
        );
    }
    if let Some(actor) = &filter.invited_by {
        query = query.filter(invitations::invited_by.eq(actor.clone()));
    }
    query
}

/// At most `limit` of the tenant's invitations matching `filter`, newest
/// first, skipping the first `offset`.
pub fn search(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    filter: &InvitationFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<Invitation>> {
    matching(tenant_id, filter)
        .order((invitations::created_at.desc(), invitations::id.desc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(InvitationRow::as_select())
        .load::<InvitationRow>(conn)?
        .into_iter()
        .map(Invitation::try_from)
        .collect()
}

/// How many of the tenant's invitations match `filter`.
pub fn count(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    filter: &InvitationFilter,
) -> StoreResult<i64> {
    Ok(matching(tenant_id, filter).count().get_result(conn)?)
}

/// Marks a pending, unexpired invitation redeemed; false when it no longer is.
pub fn mark_redeemed(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<bool> {
    lock_guest_of(conn, tenant_id, id)?;
    let at = now();
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq(PENDING))
            .filter(invitations::expires_at.gt(at)),
    )
    .set((
        invitations::status.eq(REDEEMED),
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
    tenant_id: &TenantId,
    guest_id: &str,
) -> StoreResult<usize> {
    lock_guest(conn, tenant_id, guest_id)?;
    Ok(diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::guest_user_id.eq(guest_id))
            .filter(invitations::status.eq(PENDING)),
    )
    .set((
        invitations::status.eq(REVOKED),
        invitations::revoked_at.eq(now()),
    ))
    .execute(conn)?)
}

pub fn revoke(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<bool> {
    lock_guest_of(conn, tenant_id, id)?;
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq(PENDING)),
    )
    .set((
        invitations::status.eq(REVOKED),
        invitations::revoked_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives a pending invitation a new token and expiry (resend).
pub fn renew(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
    token_hash: &str,
    expires_at: chrono::NaiveDateTime,
) -> StoreResult<bool> {
    let n = diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
            .filter(invitations::id.eq(id))
            .filter(invitations::status.eq(PENDING)),
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
fn lock_guest_of(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<()> {
    if let DbConn::Postgres(_) = conn {
        let guest = invitations::table
            .filter(invitations::tenant_id.eq(tenant_id.as_str()))
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
fn lock_guest(conn: &mut DbConn, tenant_id: &TenantId, guest_id: &str) -> StoreResult<()> {
    if let DbConn::Postgres(pg) = conn {
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(guest_id))
            .select(users::id)
            .for_no_key_update()
            .load::<String>(pg)?;
    }
    Ok(())
}
