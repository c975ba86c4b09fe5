//! Configuring external OpenID providers (OIDC Discovery §4 issuers): guest
//! homes for listed domains, and the upstream that makes a tenant federated.
//! Shared by the API and the CLI; every change is audited without secrets.

use crate::domain::TenantId;
use serde::{Deserialize, Serialize};

use super::egress::EgressPolicy;
use crate::crypto::Sealer;
use crate::domain::{AuditAction, AuthMode, IdpRole};
use crate::store::idps::IdentityProvider;
use crate::store::{self, DbConn, StoreError, StoreResult, new_id, now};

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

fn default_email_claim() -> String {
    "email".into()
}

fn default_name_claim() -> String {
    "name".into()
}

/// An external provider as an administrator submits it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Email domains whose guests sign in here (guest homes only).
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    #[serde(default = "default_name_claim")]
    pub name_claim: String,
    /// The administrator vouches that every email this provider sends is
    /// verified; otherwise the token must say `email_verified: true`.
    #[serde(default)]
    pub email_verified_trusted: bool,
    /// Multifactor authentication proven by this provider's ID tokens counts
    /// here (inbound trust, issue 12).
    #[serde(default)]
    pub trust_mfa: bool,
}

/// A partial change to a guest home; absent fields stay as they are. The
/// issuer cannot change: guests are linked to it (remove and add instead).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderPatch {
    pub display_name: Option<String>,
    pub client_id: Option<String>,
    /// `null` removes the secret; a string replaces it.
    #[serde(default, deserialize_with = "present")]
    pub client_secret: Option<Option<String>>,
    pub scopes: Option<Vec<String>>,
    pub domains: Option<Vec<String>>,
    pub email_claim: Option<String>,
    pub name_claim: Option<String>,
    pub email_verified_trusted: Option<bool>,
    pub trust_mfa: Option<bool>,
}

/// Tells a field given as `null` from one left out.
pub fn present<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

/// What the API and CLI show of a provider: never the secret.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderView {
    pub id: String,
    pub role: IdpRole,
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub has_client_secret: bool,
    pub scopes: Vec<String>,
    pub domains: Vec<String>,
    pub email_claim: String,
    pub name_claim: String,
    /// Emails from this provider count as verified without `email_verified`.
    pub email_verified_trusted: bool,
    /// MFA proven by this provider counts here.
    pub trust_mfa: bool,
}

impl From<&IdentityProvider> for ProviderView {
    fn from(idp: &IdentityProvider) -> Self {
        ProviderView {
            id: idp.id.clone(),
            role: idp.role,
            display_name: idp.display_name.clone(),
            issuer: idp.issuer.clone(),
            client_id: idp.client_id.clone(),
            has_client_secret: idp.client_secret_sealed.is_some(),
            scopes: idp.scopes.split_whitespace().map(str::to_owned).collect(),
            domains: idp.domain_list().map(str::to_owned).collect(),
            email_claim: idp.email_claim.clone(),
            name_claim: idp.name_claim.clone(),
            email_verified_trusted: idp.email_verified_trusted,
            trust_mfa: idp.trust_mfa,
        }
    }
}

fn claim_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
}

impl ProviderSpec {
    /// [`ProviderSpec::validated_for`] under the default egress policy
    /// (private networks refused).
    pub fn validated(self, role: IdpRole) -> Result<ProviderSpec, String> {
        self.validated_for(role, &EgressPolicy::default())
    }

    /// Normalises and checks a submitted provider for `role`; the issuer's
    /// address must be one the operator's egress `policy` lets the server
    /// call (never link-local or cloud metadata).
    pub fn validated_for(
        mut self,
        role: IdpRole,
        policy: &EgressPolicy,
    ) -> Result<ProviderSpec, String> {
        self.display_name = self.display_name.trim().to_owned();
        if self.display_name.is_empty() || self.display_name.len() > 100 {
            return Err("display_name must be 1 to 100 characters".into());
        }
        let issuer = url::Url::parse(self.issuer.trim())
            .map_err(|_| format!("issuer {:?} is not a URL", self.issuer))?;
        // Link-local, metadata and (unless allowed) private addresses first:
        // the clearest reason for an address that is never called.
        policy.check_issuer(self.issuer.trim())?;
        let loopback = matches!(issuer.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if !(issuer.scheme() == "https" || (issuer.scheme() == "http" && loopback))
            || issuer.query().is_some()
            || issuer.fragment().is_some()
        {
            return Err(
                "issuer must be an https URL without query or fragment (http only on loopback)"
                    .into(),
            );
        }
        // Kept exactly as given: discovery requires the provider's `issuer`
        // to match it character for character (OIDC Discovery §4.3).
        self.issuer = self.issuer.trim().to_owned();
        self.client_id = self.client_id.trim().to_owned();
        if self.client_id.is_empty() {
            return Err("client_id is required".into());
        }
        self.client_secret = self.client_secret.filter(|s| !s.is_empty());
        for scope in &self.scopes {
            if scope.is_empty() || scope.contains(char::is_whitespace) || scope == "openid" {
                return Err(format!(
                    "scope {scope:?} is not allowed (openid is always requested)"
                ));
            }
        }
        if !claim_name(&self.email_claim) || !claim_name(&self.name_claim) {
            return Err("email_claim and name_claim must be claim names".into());
        }
        let domains = crate::domain::domain_list(&self.domains)?;
        match role {
            IdpRole::Guests if domains.is_empty() => {
                return Err("a guest identity provider needs at least one domain".into());
            }
            IdpRole::Upstream if !domains.is_empty() => {
                return Err("an upstream serves every member; it takes no domains".into());
            }
            IdpRole::Guests | IdpRole::Upstream => {}
        }
        self.domains = domains;
        Ok(self)
    }

    fn into_row(self, sealer: &Sealer, tenant_id: &TenantId, role: IdpRole) -> IdentityProvider {
        let id = new_id();
        let at = now();
        IdentityProvider {
            client_secret_sealed: self.client_secret.as_deref().map(|s| sealer.seal(&id, s)),
            id,
            tenant_id: tenant_id.as_str().to_owned(),
            role,
            display_name: self.display_name,
            issuer: self.issuer,
            client_id: self.client_id,
            scopes: self.scopes.join(" "),
            domains: self.domains.join(" "),
            email_claim: self.email_claim,
            name_claim: self.name_claim,
            created_at: at,
            updated_at: at,
            email_verified_trusted: self.email_verified_trusted,
            trust_mfa: self.trust_mfa,
        }
    }
}

fn audit(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
    action: AuditAction,
    idp: &IdentityProvider,
) -> StoreResult<()> {
    let detail = serde_json::to_string(&ProviderView::from(idp)).unwrap_or_default();
    store::audit::record(conn, tenant_id, actor, action, Some(&idp.id), Some(&detail))
}

/// Refuses domains that a guest home other than `except` already serves.
fn check_domains_free(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    domains: &[String],
    except: Option<&str>,
) -> StoreResult<()> {
    for domain in domains {
        if store::idps::for_domain(conn, tenant_id, domain)?
            .is_some_and(|other| Some(other.id.as_str()) != except)
        {
            return Err(StoreError::Conflict(
                "another identity provider already serves one of these domains",
            ));
        }
    }
    Ok(())
}

/// Adds a guest home for the spec's domains; a domain already served by
/// another provider of this tenant is refused.
pub fn add_guest_provider(
    conn: &mut DbConn,
    sealer: &Sealer,
    tenant_id: &TenantId,
    spec: ProviderSpec,
    actor: &str,
) -> StoreResult<IdentityProvider> {
    check_domains_free(conn, tenant_id, &spec.domains, None)?;
    let row = spec.into_row(sealer, tenant_id, IdpRole::Guests);
    store::idps::insert(conn, &row)?;
    audit(conn, tenant_id, actor, AuditAction::IdpAdded, &row)?;
    Ok(row)
}

/// Sends all of the tenant's member sign-in to `spec` (replacing any earlier
/// upstream) and switches the tenant to federated mode.
pub fn federate(
    conn: &mut DbConn,
    sealer: &Sealer,
    tenant_id: &TenantId,
    spec: ProviderSpec,
    actor: &str,
) -> StoreResult<IdentityProvider> {
    if let Some(old) = store::idps::upstream(conn, tenant_id)? {
        store::idps::delete(conn, tenant_id, &old.id)?;
    }
    let row = spec.into_row(sealer, tenant_id, IdpRole::Upstream);
    store::idps::insert(conn, &row)?;
    store::tenants::set_auth_mode(conn, tenant_id, AuthMode::Federated)?;
    audit(conn, tenant_id, actor, AuditAction::TenantFederated, &row)?;
    Ok(row)
}

/// Back to local sign-in: the upstream is removed; provisioned members stay
/// (without passwords until an administrator sets them).
pub fn unfederate(conn: &mut DbConn, tenant_id: &TenantId, actor: &str) -> StoreResult<()> {
    if let Some(old) = store::idps::upstream(conn, tenant_id)? {
        store::idps::delete(conn, tenant_id, &old.id)?;
    }
    store::tenants::set_auth_mode(conn, tenant_id, AuthMode::Local)?;
    store::audit::record(conn, tenant_id, actor, AuditAction::TenantLocal, None, None)
}

/// Removes a guest home. Guests who redeemed with it can no longer sign in
/// until their redemption is reset.
pub fn remove_guest_provider(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    id: &str,
    actor: &str,
) -> StoreResult<bool> {
    let Some(idp) = store::idps::find(conn, tenant_id, id)?.filter(|i| i.role == IdpRole::Guests)
    else {
        return Ok(false);
    };
    store::idps::delete(conn, tenant_id, id)?;
    audit(conn, tenant_id, actor, AuditAction::IdpRemoved, &idp)?;
    Ok(true)
}

/// Applies `patch` to a guest home, validated like a new one; a domain that
/// another provider serves is refused. `Ok(None)` when there is no such home.
pub fn update_guest_provider(
    conn: &mut DbConn,
    sealer: &Sealer,
    policy: &EgressPolicy,
    tenant_id: &TenantId,
    id: &str,
    patch: ProviderPatch,
    actor: &str,
) -> Result<Option<IdentityProvider>, ProviderError> {
    let Some(mut idp) =
        store::idps::find(conn, tenant_id, id)?.filter(|i| i.role == IdpRole::Guests)
    else {
        return Ok(None);
    };
    let spec = ProviderSpec {
        display_name: patch
            .display_name
            .unwrap_or_else(|| idp.display_name.clone()),
        issuer: idp.issuer.clone(),
        client_id: patch.client_id.unwrap_or_else(|| idp.client_id.clone()),
        client_secret: None,
        scopes: patch
            .scopes
            .unwrap_or_else(|| idp.scopes.split_whitespace().map(str::to_owned).collect()),
        domains: patch
            .domains
            .unwrap_or_else(|| idp.domain_list().map(str::to_owned).collect()),
        email_claim: patch.email_claim.unwrap_or_else(|| idp.email_claim.clone()),
        name_claim: patch.name_claim.unwrap_or_else(|| idp.name_claim.clone()),
        email_verified_trusted: patch
            .email_verified_trusted
            .unwrap_or(idp.email_verified_trusted),
        trust_mfa: patch.trust_mfa.unwrap_or(idp.trust_mfa),
    }
    .validated_for(IdpRole::Guests, policy)
    .map_err(ProviderError::Invalid)?;
    check_domains_free(conn, tenant_id, &spec.domains, Some(&idp.id))?;
    match patch.client_secret {
        None => {}
        Some(None) => idp.client_secret_sealed = None,
        Some(Some(secret)) => {
            idp.client_secret_sealed =
                Some(sealer.seal(&idp.id, &secret)).filter(|_| !secret.is_empty())
        }
    }
    idp.display_name = spec.display_name;
    idp.client_id = spec.client_id;
    idp.scopes = spec.scopes.join(" ");
    idp.domains = spec.domains.join(" ");
    idp.email_claim = spec.email_claim;
    idp.name_claim = spec.name_claim;
    idp.email_verified_trusted = spec.email_verified_trusted;
    idp.trust_mfa = spec.trust_mfa;
    store::idps::update(conn, &idp)?;
    audit(conn, tenant_id, actor, AuditAction::IdpUpdated, &idp)?;
    Ok(Some(idp))
}

/// Why a provider change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
