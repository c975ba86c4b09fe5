//! Authentication policies (who must use a second factor), one row per
//! tenant; a tenant without a row requires it of nobody.

use diesel::prelude::*;

use super::schema::authentication_policies;
use super::{DbConn, StoreError, StoreResult, now};
use crate::domain::{MfaRequired, TenantId};

/// The tenant's MFA requirement, or `Nobody`.
pub fn get(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<MfaRequired> {
    let stored: Option<String> = authentication_policies::table
        .filter(authentication_policies::tenant_id.eq(tenant_id.as_str()))
        .select(authentication_policies::mfa_required)
        .first(conn)
        .optional()?;
    match stored {
        None => Ok(MfaRequired::default()),
        Some(text) => MfaRequired::parse(&text)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown mfa_required {text:?}"))),
    }
}

/// Replaces the tenant's requirement (delete + insert: portable across both databases).
pub fn put(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    required: MfaRequired,
    actor: &str,
) -> StoreResult<()> {
    diesel::delete(
        authentication_policies::table
            .filter(authentication_policies::tenant_id.eq(tenant_id.as_str())),
    )
    .execute(conn)?;
    diesel::insert_into(authentication_policies::table)
        .values((
            authentication_policies::tenant_id.eq(tenant_id.as_str()),
            authentication_policies::mfa_required.eq(required.as_str()),
            authentication_policies::updated_at.eq(now()),
            authentication_policies::updated_by.eq(actor),
        ))
        .execute(conn)?;
    Ok(())
}
