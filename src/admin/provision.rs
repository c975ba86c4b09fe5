//! Provisioning tenants, users, apps (`apps.rs`, `app_changes.rs`) and keys. Each operation is
//! one transaction and is audited.

mod app_changes;
mod apps;

pub use app_changes::{
    SettingsChange, assign, change_settings, rotate_secret, rotate_secret_on,
    set_assignment_required, unassign,
};
pub use apps::{
    AppSettings, AppSpec, CheckedApp, Keys, Registered, create_app, parse_redirect_uris, register,
    register_app, register_on, require_assignment, require_dpop,
};

use crate::domain::{AuditAction, Email, Role, TenantId, TenantSlug};
use crate::store::keys::KeyRow;
use crate::store::tenants::Tenant;
use crate::store::users::{NewMember, User};
use crate::store::{self, Db, DbConn, StoreError};
use crate::tokens::keys::{self, SigningAlg};
use crate::tokens::rotation::{self, RotationError};

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{0}")]
    Invalid(String),
    #[error("no tenant {0:?}")]
    NoTenant(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(#[from] anyhow::Error),
    #[error(transparent)]
    Rotation(RotationError),
}

pub type ProvisionResult<T> = Result<T, ProvisionError>;

pub fn tenant(db: &Db, slug: &str) -> ProvisionResult<Tenant> {
    let slug = TenantSlug::parse(slug).map_err(ProvisionError::Invalid)?;
    db.read_blocking(|c| store::tenants::find_by_slug(c, slug.as_str()))
        .map_err(ProvisionError::from)?
        .ok_or_else(|| ProvisionError::NoTenant(slug.to_string()))
}

/// Creates a tenant with its first signing key and verified domains.
pub fn create_tenant(
    db: &Db,
    slug: &str,
    display_name: &str,
    domains: &[String],
    alg: SigningAlg,
) -> ProvisionResult<Tenant> {
    let slug = TenantSlug::parse(slug).map_err(ProvisionError::Invalid)?;
    let name = display_name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ProvisionError::Invalid(
            "display name must be 1-200 characters".into(),
        ));
    }
    let domains = domains
        .iter()
        .map(|d| {
            Email::parse(&format!("x@{d}"))
                .map(|e| e.domain().to_owned())
                .map_err(|_| ProvisionError::Invalid(format!("{d:?} is not a domain name")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let key = keys::generate(alg)?;
    db.write_blocking(|c| {
        let mut tenant = store::tenants::create(c, slug.as_str(), name)?;
        if alg != SigningAlg::Rs256 {
            store::tenants::set_signing_alg(c, &tenant.id, alg.as_str())?;
            tenant.signing_alg = alg.as_str().to_owned();
        }
        store::keys::insert(c, &key.into_row(&tenant.id, store::now()))?;
        for domain in &domains {
            store::tenants::add_domain(c, &tenant.id, domain)?;
        }
        store::audit::record(
            c,
            &tenant.id,
            "cli",
            AuditAction::TenantCreated,
            Some(slug.as_str()),
            None,
        )?;
        Ok(tenant)
    })
}

/// A member as asked for, checked: a valid email, a name, and whether they
/// administer the tenant.
pub struct MemberRequest {
    pub email: Email,
    pub name: String,
    pub admin: bool,
}

impl MemberRequest {
    /// Checks what was asked, the password too (at least 8 characters);
    /// the caller hashes it.
    pub fn check(
        email: &str,
        display_name: &str,
        password: &str,
        admin: bool,
    ) -> ProvisionResult<MemberRequest> {
        let email = Email::parse(email).map_err(ProvisionError::Invalid)?;
        if password.chars().count() < 8 {
            return Err(ProvisionError::Invalid(
                "password must be at least 8 characters".into(),
            ));
        }
        let name = display_name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ProvisionError::Invalid(
                "name must be 1-200 characters".into(),
            ));
        }
        Ok(MemberRequest {
            email,
            name: name.to_owned(),
            admin,
        })
    }
}

/// Creates a checked member with their password's hash, audited as
/// `actor`: the one path of the CLI, the demo and the console.
pub fn add_member(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    new: &MemberRequest,
    password_hash: &str,
    actor: &str,
) -> Result<User, StoreError> {
    let user = store::users::create_member(
        conn,
        tenant_id,
        NewMember {
            email: new.email.as_str(),
            display_name: &new.name,
            password_hash,
        },
    )?;
    if new.admin {
        store::users::grant_role(conn, tenant_id, &user.id, Role::Admin)?;
    }
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::UserCreated,
        Some(new.email.as_str()),
        Some(&user.id),
    )?;
    Ok(user)
}

/// Creates a member with a local password (the CLI's `user create`).
pub fn create_member(
    db: &Db,
    slug: &str,
    email: &str,
    display_name: &str,
    password: &str,
    admin: bool,
) -> ProvisionResult<User> {
    let tenant = tenant(db, slug)?;
    let new = MemberRequest::check(email, display_name, password, admin)?;
    let hash = crate::crypto::hash_password(password)?;
    db.write_blocking(|c| add_member(c, &tenant.id, &new, &hash, "cli"))
        .map_err(ProvisionError::from)
}

/// Rotates the tenant's signing key as `plan` says (see
/// [`rotation::rotate`]); returns the new key.
pub fn rotate_key(
    db: &Db,
    slug: &str,
    plan: &rotation::Plan,
    actor: &str,
) -> ProvisionResult<KeyRow> {
    let tenant = tenant(db, slug)?;
    let alg = SigningAlg::parse(&tenant.signing_alg).unwrap_or(SigningAlg::Rs256);
    // Generated before the transaction: RSA key generation takes a while.
    let key = keys::generate(alg)?;
    db.write_blocking(|c| rotation::rotate(c, &tenant.id, key, plan, actor))
        .map_err(|e| match e {
            RotationError::Store(s) => ProvisionError::Store(s),
            refused => ProvisionError::Rotation(refused),
        })
}

/// The tenant's published keys with their states now.
pub fn key_statuses(db: &Db, slug: &str) -> ProvisionResult<Vec<rotation::KeyStatus>> {
    let tenant = tenant(db, slug)?;
    let rows = db.read_blocking(|c| store::keys::published(c, &tenant.id))?;
    Ok(rotation::statuses(&rows, store::now()))
}

pub fn create_group(db: &Db, slug: &str, name: &str) -> ProvisionResult<store::groups::Group> {
    let tenant = tenant(db, slug)?;
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ProvisionError::Invalid(
            "group name must be 1-200 characters".into(),
        ));
    }
    db.write_blocking(|c| -> ProvisionResult<_> {
        let group = store::groups::create(c, &tenant.id, name)?;
        store::audit::record(
            c,
            &tenant.id,
            "cli",
            AuditAction::GroupCreated,
            Some(name),
            None,
        )?;
        Ok(group)
    })
}
