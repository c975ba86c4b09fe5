//! Whether an application requires MFA (`applications.require_mfa`), read on
//! its own where only that is needed: before a guest is sent home, and at
//! token exchange.

use diesel::prelude::*;

use super::schema::applications;
use super::{DbConn, StoreResult};
use crate::domain::TenantId;

/// The app's "requires MFA" switch; false for an unknown client.
pub fn requires_mfa(conn: &mut DbConn, tenant_id: &TenantId, client_id: &str) -> StoreResult<bool> {
    Ok(applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::client_id.eq(client_id))
        .select(applications::require_mfa)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}
