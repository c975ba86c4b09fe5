//! External OIDC identity providers configured by a tenant: homes for guests of
//! listed domains (role `guests`) and the one upstream of a federated tenant
//! (role `upstream`). The client secret is stored sealed, never in clear.

use crate::domain::TenantId;
use diesel::prelude::*;

use super::schema::identity_providers;
use super::{DbConn, StoreResult};
use crate::domain::IdpRole;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = identity_providers)]
pub struct IdentityProvider {
    pub id: String,
    pub tenant_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: IdpRole,
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    /// Space-separated scopes requested besides `openid`.
    pub scopes: String,
    /// Space-separated, lower-case email domains (role `guests`).
    pub domains: String,
    pub email_claim: String,
    pub name_claim: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Set by an administrator: every email this provider sends is verified,
    /// so the `email_verified` claim is not required (issue 9 item 14).
    pub email_verified_trusted: bool,
    /// Set by an administrator: MFA this provider proves counts here.
    pub trust_mfa: bool,
}

impl IdentityProvider {
    pub fn domain_list(&self) -> impl Iterator<Item = &str> {
        self.domains.split_whitespace()
    }

    /// Whether this provider is the home for addresses of `domain` (or one of
    /// its subdomains).
    pub fn serves_domain(&self, domain: &str) -> bool {
        self.domain_list()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    }
}

pub fn insert(conn: &mut DbConn, idp: &IdentityProvider) -> StoreResult<()> {
    diesel::insert_into(identity_providers::table)
        .values(idp.clone())
        .execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<IdentityProvider>> {
    Ok(identity_providers::table
        .filter(identity_providers::tenant_id.eq(tenant_id.as_str()))
        .order(identity_providers::created_at.asc())
        .select(IdentityProvider::as_select())
        .load(conn)?)
}

pub fn find(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
) -> StoreResult<Option<IdentityProvider>> {
    Ok(identity_providers::table
        .filter(identity_providers::tenant_id.eq(tenant_id.as_str()))
        .filter(identity_providers::id.eq(id))
        .select(IdentityProvider::as_select())
        .first(conn)
        .optional()?)
}

/// The tenant's guest home for an email domain: the first configured match.
pub fn for_domain(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    domain: &str,
) -> StoreResult<Option<IdentityProvider>> {
    Ok(list(conn, tenant_id)?
        .into_iter()
        .find(|idp| idp.role == IdpRole::Guests && idp.serves_domain(domain)))
}

/// The tenant's guest home with this issuer (sign-in after redemption).
pub fn for_issuer(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    issuer: &str,
) -> StoreResult<Option<IdentityProvider>> {
    Ok(list(conn, tenant_id)?
        .into_iter()
        .find(|idp| idp.role == IdpRole::Guests && idp.issuer == issuer))
}

pub fn upstream(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Option<IdentityProvider>> {
    Ok(identity_providers::table
        .filter(identity_providers::tenant_id.eq(tenant_id.as_str()))
        .filter(identity_providers::role.eq(IdpRole::Upstream.as_str()))
        .select(IdentityProvider::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<bool> {
    Ok(diesel::delete(
        identity_providers::table
            .filter(identity_providers::tenant_id.eq(tenant_id.as_str()))
            .filter(identity_providers::id.eq(id)),
    )
    .execute(conn)?
        > 0)
}

/// Replaces the editable settings of a provider (never its issuer or role).
pub fn update(conn: &mut DbConn, idp: &IdentityProvider) -> StoreResult<bool> {
    Ok(diesel::update(
        identity_providers::table
            .filter(identity_providers::tenant_id.eq(&idp.tenant_id))
            .filter(identity_providers::id.eq(&idp.id)),
    )
    .set((
        identity_providers::display_name.eq(&idp.display_name),
        identity_providers::client_id.eq(&idp.client_id),
        identity_providers::client_secret_sealed.eq(&idp.client_secret_sealed),
        identity_providers::scopes.eq(&idp.scopes),
        identity_providers::domains.eq(&idp.domains),
        identity_providers::email_claim.eq(&idp.email_claim),
        identity_providers::name_claim.eq(&idp.name_claim),
        identity_providers::email_verified_trusted.eq(idp.email_verified_trusted),
        identity_providers::trust_mfa.eq(idp.trust_mfa),
        identity_providers::updated_at.eq(super::now()),
    ))
    .execute(conn)?
        == 1)
}
