//! How many of each thing a tenant has, counted by the database (the
//! console's overview), never by loading the lists.

use diesel::prelude::*;

use super::invitations::{self, InvitationFilter};
use super::schema::{applications, user_groups, users};
use super::{DbConn, StoreResult};
use crate::domain::{EffectiveStatus, TenantId, UserType};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TenantCounts {
    pub members: i64,
    pub guests: i64,
    /// Invitations still waiting for their guest (not expired).
    pub pending_invitations: i64,
    pub groups: i64,
    pub apps: i64,
}

pub fn tenant_counts(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<TenantCounts> {
    let users_of = |conn: &mut DbConn, user_type: UserType| -> StoreResult<i64> {
        Ok(users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::user_type.eq(user_type.as_str()))
            .count()
            .get_result(conn)?)
    };
    let pending = InvitationFilter {
        status: Some(EffectiveStatus::Pending),
        ..InvitationFilter::default()
    };
    Ok(TenantCounts {
        members: users_of(conn, UserType::Member)?,
        guests: users_of(conn, UserType::Guest)?,
        pending_invitations: invitations::count(conn, tenant_id, &pending)?,
        groups: user_groups::table
            .filter(user_groups::tenant_id.eq(tenant_id.as_str()))
            .count()
            .get_result(conn)?,
        apps: applications::table
            .filter(applications::tenant_id.eq(tenant_id.as_str()))
            .count()
            .get_result(conn)?,
    })
}
