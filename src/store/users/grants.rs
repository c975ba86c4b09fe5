//! The roles granted to users of a tenant.

use diesel::prelude::*;

use crate::domain::{Role, TenantId};
use crate::store::schema::user_roles;
use crate::store::{DbConn, StoreError, StoreResult};

pub fn grant_role(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    role: Role,
) -> StoreResult<()> {
    let exists: i64 = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .filter(user_roles::role.eq(role.as_str()))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::tenant_id.eq(tenant_id.as_str()),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn roles(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<Vec<Role>> {
    let stored: Vec<String> = user_roles::table
        .filter(user_roles::tenant_id.eq(tenant_id.as_str()))
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    stored
        .iter()
        .map(|r| r.parse().map_err(|e| StoreError::Corrupt(format!("{e}"))))
        .collect()
}
