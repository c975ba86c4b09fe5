//! Provisioning tenants, users, apps and keys. Each operation is one
//! transaction and is audited.

use crate::domain::{
    AuditAction, ClientType, Email, GrantType, Permission, RedirectUri, Role, TenantId, TenantSlug,
};
use crate::store::apps::{Client, NewApp};
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

fn parse_uris(list: &[String]) -> ProvisionResult<Vec<RedirectUri>> {
    list.iter()
        .map(|u| RedirectUri::parse(u).map_err(ProvisionError::Invalid))
        .collect()
}

pub struct AppSpec {
    pub client_id: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub first_party: bool,
    pub grants: Vec<GrantType>,
    pub permissions: Vec<Permission>,
}

impl AppSpec {
    /// A confidential, first-party code-flow client with one redirect URI:
    /// what one tenant registers at another provider to sign people in.
    pub fn sign_in_client(name: &str, redirect_uri: String) -> AppSpec {
        AppSpec {
            client_id: None,
            name: name.to_owned(),
            redirect_uris: vec![redirect_uri],
            post_logout_redirect_uris: vec![],
            public: false,
            first_party: true,
            grants: vec![GrantType::AuthorizationCode],
            permissions: vec![],
        }
    }
}

/// Registers an app; returns it and, for confidential clients, the secret
/// (shown once, stored only as a SHA-256 hash).
pub fn create_app(
    db: &Db,
    slug: &str,
    spec: &AppSpec,
) -> ProvisionResult<(Client, Option<String>)> {
    let tenant = tenant(db, slug)?;
    let redirect_uris = parse_uris(&spec.redirect_uris)?;
    let post_logout = parse_uris(&spec.post_logout_redirect_uris)?;
    let mut grants = if spec.grants.is_empty() {
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    } else {
        spec.grants.clone()
    };
    grants.dedup();
    if spec.public && grants.contains(&GrantType::ClientCredentials) {
        return Err(ProvisionError::Invalid(
            "public clients cannot use client_credentials".into(),
        ));
    }
    if grants.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(ProvisionError::Invalid(
            "the authorization_code grant needs at least one --redirect-uri".into(),
        ));
    }
    if spec.name.trim().is_empty() {
        return Err(ProvisionError::Invalid("name must not be empty".into()));
    }
    let secret = (!spec.public).then(crate::crypto::random_token);
    create_app_with_secret(
        db,
        &tenant,
        spec,
        redirect_uris,
        post_logout,
        grants,
        secret,
    )
}

/// Stores an app whose secret (if any) the caller chose.
fn create_app_with_secret(
    db: &Db,
    tenant: &Tenant,
    spec: &AppSpec,
    redirect_uris: Vec<RedirectUri>,
    post_logout: Vec<RedirectUri>,
    grants: Vec<GrantType>,
    secret: Option<String>,
) -> ProvisionResult<(Client, Option<String>)> {
    let client = db.write_blocking(|c| -> ProvisionResult<Client> {
        let client = store::apps::create(
            c,
            &tenant.id,
            NewApp {
                client_id: spec.client_id.as_deref(),
                name: spec.name.trim(),
                client_type: if spec.public {
                    ClientType::Public
                } else {
                    ClientType::Confidential
                },
                secret_hash: secret.as_deref().map(crate::crypto::token_hash),
                redirect_uris: &redirect_uris,
                post_logout_redirect_uris: &post_logout,
                grant_types: &grants,
                permissions: &spec.permissions,
                first_party: spec.first_party,
            },
        )?;
        store::audit::record(
            c,
            &tenant.id,
            "cli",
            AuditAction::AppCreated,
            Some(&client.client_id),
            None,
        )?;
        Ok(client)
    })?;
    Ok((client, secret))
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

/// Registers an app with a caller-chosen secret (the demo's fixed one).
pub fn create_app_with_known_secret(
    db: &Db,
    slug: &str,
    spec: &AppSpec,
    secret: &str,
) -> ProvisionResult<(Client, Option<String>)> {
    let tenant = tenant(db, slug)?;
    create_app_with_secret(
        db,
        &tenant,
        spec,
        parse_uris(&spec.redirect_uris)?,
        parse_uris(&spec.post_logout_redirect_uris)?,
        spec.grants.clone(),
        Some(secret.to_owned()),
    )
}

pub fn require_assignment(db: &Db, slug: &str, client_id: &str) -> ProvisionResult<()> {
    let tenant = tenant(db, slug)?;
    db.write_blocking(|c| -> ProvisionResult<()> {
        store::apps::set_assignment_required(c, &tenant.id, client_id, true)?;
        Ok(store::audit::record(
            c,
            &tenant.id,
            "cli",
            AuditAction::AppAssignmentRequired,
            Some(client_id),
            None,
        )?)
    })
}

/// Makes the app send DPoP proofs at the token endpoint (RFC 9449 §5.2).
pub fn require_dpop(db: &Db, slug: &str, client_id: &str) -> ProvisionResult<()> {
    let tenant = tenant(db, slug)?;
    db.write_blocking(|c| -> ProvisionResult<()> {
        let switch = store::apps::AppSwitch::DpopBoundAccessTokens;
        if !crate::admin::app_switch::set(c, &tenant.id, client_id, switch, true, "cli")? {
            return Err(ProvisionError::Invalid(format!("no app {client_id}")));
        }
        Ok(())
    })
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
