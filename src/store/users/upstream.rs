//! Members of a federated tenant, provisioned and updated from the upstream.

use diesel::prelude::*;

use super::queries::{find, find_by_email, find_by_home};
use super::{User, insert};
use crate::domain::{IdentitySource, TenantId, UserStatus, UserType};
use crate::store::schema::users;
use crate::store::{DbConn, StoreError, StoreResult, new_id, now};

/// What an upstream says about a federated tenant's member.
pub struct UpstreamProfile<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
}

/// A federated tenant's member as the upstream describes them: found by
/// upstream identity and updated, or linked to the unlinked member with the
/// same address, or created (then the flag is true). Guests are never matched.
pub fn upsert_federated(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    profile: UpstreamProfile<'_>,
) -> StoreResult<(User, bool)> {
    let Some(user) = linked_or_linkable(conn, tenant_id, &profile)? else {
        return Ok((create_federated(conn, tenant_id, &profile)?, true));
    };
    if user.user_type != UserType::Member {
        return Err(StoreError::Conflict(
            "the upstream account is linked to a guest",
        ));
    }
    update_federated(conn, tenant_id, &user.id, &profile)?;
    let updated = find(conn, tenant_id, &user.id)?.ok_or(StoreError::NotFound)?;
    Ok((updated, false))
}

/// The user already linked to this upstream identity, else the member with
/// the same address not yet linked to any.
fn linked_or_linkable(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    profile: &UpstreamProfile<'_>,
) -> StoreResult<Option<User>> {
    match find_by_home(conn, tenant_id, profile.issuer, profile.subject)? {
        Some(user) => Ok(Some(user)),
        None => Ok(find_by_email(conn, tenant_id, profile.email)?
            .filter(|u| u.user_type == UserType::Member && u.home_issuer.is_none())),
    }
}

/// A new member signing in through the upstream only, unless another
/// account of the tenant holds the address.
fn create_federated(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    profile: &UpstreamProfile<'_>,
) -> StoreResult<User> {
    if find_by_email(conn, tenant_id, profile.email)?.is_some() {
        return Err(StoreError::Conflict(
            "another account of this tenant already uses this email",
        ));
    }
    let at = now();
    let user = User {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        user_type: UserType::Member,
        email: profile.email.to_owned(),
        display_name: profile.display_name.to_owned(),
        password_hash: None,
        status: UserStatus::Active,
        external_state: None,
        home_issuer: Some(profile.issuer.to_owned()),
        home_subject: Some(profile.subject.to_owned()),
        identity_source: IdentitySource::Federated,
        access_expires_at: None,
        invited_by: None,
        created_at: at,
        updated_at: at,
    };
    insert(conn, &user, "this upstream account already exists")?;
    Ok(user)
}

/// The member's address, name and link as the upstream now says.
fn update_federated(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user_id: &str,
    profile: &UpstreamProfile<'_>,
) -> StoreResult<()> {
    diesel::update(
        users::table
            .filter(users::tenant_id.eq(tenant_id.as_str()))
            .filter(users::id.eq(user_id)),
    )
    .set((
        users::email.eq(profile.email),
        users::display_name.eq(profile.display_name),
        users::home_issuer.eq(profile.issuer),
        users::home_subject.eq(profile.subject),
        users::identity_source.eq(IdentitySource::Federated.as_str()),
        // The upstream is now the only way in: no password is kept here.
        users::password_hash.eq(None::<String>),
        users::updated_at.eq(now()),
    ))
    .execute(conn)
    .map_err(|e| {
        StoreError::unique_as(e, "another account of this tenant already uses this email")
    })?;
    Ok(())
}
