//! The organizations section of My apps: a guest's home, and the tenants of
//! this server where the signed-in person is a guest. Only the person's own
//! identities are looked up (the account they signed in with, as this
//! tenant vouches for it to others, and, for a guest, the home identity
//! their sign-in proved), so nobody sees anyone else's guest accounts.

use crate::b2b::home::MAIL_IDP;
use crate::domain::TenantId;
use crate::routes;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, DbConn, StoreResult};
use crate::tokens::TenantContext;

/// An organization the page names, with a link to its My apps when it is a
/// tenant here.
pub struct Organization {
    pub name: String,
    pub href: Option<String>,
}

pub struct Organizations {
    /// Where a guest signs in (their organization); `None` for members.
    pub home: Option<Organization>,
    /// Other tenants of this server where the person is an active guest.
    pub guest_of: Vec<Organization>,
}

/// The identities that are the signed-in person: their account here as this
/// tenant names it to other tenants (issuer, user id), and a guest's home
/// identity.
fn identities(ctx: &TenantContext, user: &User) -> Vec<(String, String)> {
    let mut own = vec![(ctx.issuer.clone(), user.id.clone())];
    if let (Some(issuer), Some(subject)) = (&user.home_issuer, &user.home_subject) {
        own.push((issuer.clone(), subject.clone()));
    }
    own
}

/// A guest's home tenant on this server, if their home is one.
pub fn home_slug(state: &AppState, user: &User) -> Option<String> {
    let issuer = user.home_issuer.as_deref()?;
    state.tenants.slug_of_issuer(issuer).map(str::to_owned)
}

/// The person's organizations (`home_slug` from [`home_slug`]).
pub fn of(
    conn: &mut DbConn,
    ctx: &TenantContext,
    user: &User,
    home_slug: Option<&str>,
) -> StoreResult<Organizations> {
    let mut tenant_ids: Vec<TenantId> = Vec::new();
    for (issuer, subject) in identities(ctx, user) {
        for account in store::users::accounts_of_home(conn, &issuer, &subject)? {
            let tenant_id = TenantId::from(account.tenant_id.clone());
            let elsewhere = tenant_id != ctx.tenant.id;
            if elsewhere && account.is_usable() && !tenant_ids.contains(&tenant_id) {
                tenant_ids.push(tenant_id);
            }
        }
    }
    let guest_of = store::tenants::find_many(conn, &tenant_ids)?
        .into_iter()
        .map(|t| Organization {
            href: Some(my_apps(&t.slug)),
            name: t.display_name,
        })
        .collect();
    let home = match user.is_guest() {
        true => Some(home(conn, user, home_slug)?),
        false => None,
    };
    Ok(Organizations { home, guest_of })
}

/// A guest's home: a tenant here (linked), an external provider (its
/// issuer), or their mailbox (passcodes).
fn home(conn: &mut DbConn, user: &User, home_slug: Option<&str>) -> StoreResult<Organization> {
    let issuer = user.home_issuer.as_deref().unwrap_or_default();
    if issuer == MAIL_IDP {
        return Ok(Organization {
            name: "One-time passcodes sent to your email".into(),
            href: None,
        });
    }
    if let Some(slug) = home_slug
        && let Some(tenant) = store::tenants::find_by_slug(conn, slug)?
    {
        return Ok(Organization {
            name: tenant.display_name,
            href: Some(my_apps(&tenant.slug)),
        });
    }
    Ok(Organization {
        name: issuer.to_owned(),
        href: None,
    })
}

fn my_apps(slug: &str) -> String {
    format!("{}{}", routes::tenant_path(slug), routes::MY_APPS)
}
