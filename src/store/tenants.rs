//! Tenants and their verified email domains.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::{tenant_domains, tenants};
use super::{DbConn, StoreError, StoreResult, new_id, now};
use crate::domain::AuthMode;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: TenantId,
    pub slug: String,
    pub display_name: String,
    /// Stored as its text; read back through `AuthMode::try_from`.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub auth_mode: AuthMode,
    pub signing_alg: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn create(conn: &mut DbConn, slug: &str, display_name: &str) -> StoreResult<Tenant> {
    let tenant = Tenant {
        id: TenantId::from(new_id()),
        slug: slug.to_owned(),
        display_name: display_name.to_owned(),
        auth_mode: AuthMode::Local,
        signing_alg: "RS256".into(),
        created_at: now(),
    };
    diesel::insert_into(tenants::table)
        .values(tenant.clone())
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, "a tenant with this slug already exists"))?;
    Ok(tenant)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> StoreResult<Option<Tenant>> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}

/// Every tenant of the server, by name (the start page's list, when the
/// operator lets it list them).
pub fn list(conn: &mut DbConn) -> StoreResult<Vec<Tenant>> {
    Ok(tenants::table
        .order((tenants::display_name, tenants::slug))
        .select(Tenant::as_select())
        .load(conn)?)
}

/// The tenants with these ids, by name.
pub fn find_many(conn: &mut DbConn, ids: &[TenantId]) -> StoreResult<Vec<Tenant>> {
    let ids: Vec<&str> = ids.iter().map(TenantId::as_str).collect();
    Ok(tenants::table
        .filter(tenants::id.eq_any(ids))
        .order((tenants::display_name, tenants::slug))
        .select(Tenant::as_select())
        .load(conn)?)
}

/// The slug of the tenant with this id.
pub fn slug_of(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Option<String>> {
    Ok(tenants::table
        .filter(tenants::id.eq(tenant_id.as_str()))
        .select(tenants::slug)
        .first(conn)
        .optional()?)
}

pub fn add_domain(conn: &mut DbConn, tenant_id: &TenantId, domain: &str) -> StoreResult<()> {
    let owner: Option<String> = tenant_domains::table
        .filter(tenant_domains::domain.eq(domain))
        .select(tenant_domains::tenant_id)
        .first(conn)
        .optional()?;
    match owner {
        Some(owner) if owner == tenant_id.as_str() => Ok(()),
        Some(_) => Err(StoreError::Conflict(
            "this domain belongs to another tenant",
        )),
        None => {
            diesel::insert_into(tenant_domains::table)
                .values((
                    tenant_domains::domain.eq(domain),
                    tenant_domains::tenant_id.eq(tenant_id.as_str()),
                    tenant_domains::created_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(())
        }
    }
}

pub fn set_signing_alg(conn: &mut DbConn, tenant_id: &TenantId, alg: &str) -> StoreResult<()> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant_id.as_str())))
        .set(tenants::signing_alg.eq(alg))
        .execute(conn)?;
    Ok(())
}

/// `local` (passwords here) or `federated` (all member sign-in upstream).
pub fn set_auth_mode(conn: &mut DbConn, tenant_id: &TenantId, mode: AuthMode) -> StoreResult<()> {
    diesel::update(tenants::table.filter(tenants::id.eq(tenant_id.as_str())))
        .set(tenants::auth_mode.eq(mode.as_str()))
        .execute(conn)?;
    Ok(())
}

/// The tenant that owns a verified email domain (home-realm discovery).
pub fn owner_of_domain(conn: &mut DbConn, domain: &str) -> StoreResult<Option<Tenant>> {
    Ok(tenant_domains::table
        .inner_join(tenants::table)
        .filter(tenant_domains::domain.eq(domain))
        .select(Tenant::as_select())
        .first(conn)
        .optional()?)
}
