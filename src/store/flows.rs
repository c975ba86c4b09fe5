//! Pending relying-party round trips to a guest's home (state stored hashed).

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::home_flows;
use super::{DbConn, StoreResult};
use crate::domain::FlowPurpose;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = home_flows)]
pub struct HomeFlow {
    pub state_hash: String,
    pub tenant_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub purpose: FlowPurpose,
    pub home_issuer: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub invitation_id: Option<String>,
    pub auth_request_id: Option<String>,
    pub browser_hash: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    /// The configured external provider, when the home is not a tenant here.
    pub idp_id: Option<String>,
}

pub fn insert(conn: &mut DbConn, flow: &HomeFlow) -> StoreResult<()> {
    diesel::insert_into(home_flows::table)
        .values(flow.clone())
        .execute(conn)?;
    Ok(())
}

/// Removes and returns a flow: each state is usable once.
pub fn take(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    state_hash: &str,
) -> StoreResult<Option<HomeFlow>> {
    let flow = home_flows::table
        .filter(home_flows::tenant_id.eq(tenant_id.as_str()))
        .filter(home_flows::state_hash.eq(state_hash))
        .select(HomeFlow::as_select())
        .first(conn)
        .optional()?;
    if flow.is_some() {
        diesel::delete(
            home_flows::table
                .filter(home_flows::tenant_id.eq(tenant_id.as_str()))
                .filter(home_flows::state_hash.eq(state_hash)),
        )
        .execute(conn)?;
    }
    Ok(flow)
}
