//! Guest administration shared by the CLI (and the API and portal): the same
//! rules and the same audit on every path.

use crate::b2b::invitation::{self, InviteError, InviteRequest, Invited, Inviter};
use crate::b2b::removal::{self, RemovalError};
pub use crate::domain::GuestAction;
use crate::store::tenants::Tenant;
use crate::store::users::User;
use crate::store::{self, Db, DbConn};

/// The user behind `--by`: a member (or guest) of the tenant, with roles.
pub fn inviter_by_email(
    conn: &mut DbConn,
    tenant: &Tenant,
    email: &str,
) -> Result<Inviter, InviteError> {
    let email = email.trim().to_ascii_lowercase();
    let user = store::users::find_by_email(conn, &tenant.id, &email)?
        .ok_or_else(|| InviteError::Invalid(format!("{email} is not a user of {}", tenant.slug)))?;
    inviter_from_user(conn, tenant, &user)
}

pub fn inviter_from_user(
    conn: &mut DbConn,
    tenant: &Tenant,
    user: &User,
) -> Result<Inviter, InviteError> {
    if !user.is_usable() {
        return Err(InviteError::Forbidden);
    }
    Ok(Inviter::User {
        id: user.id.clone(),
        name: user.display_name.clone(),
        roles: store::users::roles(conn, &tenant.id, &user.id)?,
        is_guest: user.is_guest(),
    })
}

pub fn invite_as(
    db: &Db,
    tenant: &Tenant,
    issuer: &str,
    by_email: &str,
    request: &InviteRequest,
    lifetime: chrono::TimeDelta,
) -> Result<Invited, InviteError> {
    db.write_blocking(|c| {
        let inviter = inviter_by_email(c, tenant, by_email)?;
        invitation::invite(c, tenant, issuer, &inviter, request, lifetime)
    })
}

/// Applies a removal action to a user found by email or id.
pub fn act_on_guest(
    db: &Db,
    tenant: &Tenant,
    actor: &str,
    who: &str,
    action: GuestAction,
) -> Result<User, RemovalError> {
    db.write_blocking(|c| {
        let user = removal::find_user(c, &tenant.id, who)?;
        removal::apply(c, &tenant.id, actor, &user, action)?;
        Ok(user)
    })
}
