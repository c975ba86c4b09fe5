//! A tenant as a relying party of another OpenID provider (OIDC Core §3.1
//! through the `openidconnect` crate: code + PKCE + nonce, ID token verified
//! against the provider's JWKS, issuer and audience checked): a guest's home
//! (another tenant here, or an external provider the tenant configured) or the
//! upstream of a federated tenant. Tenants on this server trust each other's
//! tokens, never each other's tables.

use crate::state::AppState;
use crate::store::idps::IdentityProvider;
use crate::store::tenants::Tenant;
use crate::store::{self, Db, StoreError};
use crate::tokens::TenantContext;

mod rp;

pub use rp::{MappedClaims, Upstream, discover, finish, http, start};

pub const FLOW_COOKIE: &str = "portico_home_flow";
/// The `idp` of guests who proved their address with a mailed passcode.
pub const MAIL_IDP: &str = "mail";

/// Why the browser is sent to another provider.
#[derive(Clone, Debug)]
pub enum Purpose {
    Redeem {
        invitation_id: String,
    },
    SignIn {
        auth_request_id: String,
    },
    /// A member of a federated tenant signing in at its upstream.
    Federated {
        auth_request_id: String,
    },
}

/// Where a guest's identity lives, in redemption order (DESIGN.md §5).
#[derive(Clone, Debug)]
pub enum Home {
    /// (1) A tenant on this server that owns the address's verified domain.
    Tenant(Tenant),
    /// (2) An external OIDC provider this tenant configured for the domain.
    External(IdentityProvider),
    /// (3) A one-time passcode mailed to the invited address.
    Passcode,
}

impl Home {
    pub fn display_name(&self) -> String {
        match self {
            Home::Tenant(t) => t.display_name.clone(),
            Home::External(idp) => idp.display_name.clone(),
            Home::Passcode => "a one-time passcode sent to your email".into(),
        }
    }

    /// 1, 2 or 3: the step of the redemption order this home is.
    pub fn order(&self) -> usize {
        match self {
            Home::Tenant(_) => 1,
            Home::External(_) => 2,
            Home::Passcode => 3,
        }
    }
}

/// The redemption order, as shown to guests and administrators.
pub const REDEMPTION_ORDER: [&str; 3] = [
    "An organization on this server that owns the address's verified domain",
    "An identity provider this organization configured for the address's domain",
    "A one-time passcode mailed to the invited address (when the policy allows)",
];

/// The home for an invited address, following the redemption order; `None`
/// when no step applies.
pub async fn resolve(
    state: &AppState,
    ctx: &TenantContext,
    domain: &str,
) -> Result<Option<Home>, StoreError> {
    let (tenant_id, domain) = (ctx.tenant.id.clone(), domain.to_owned());
    state
        .db
        .read(move |c| {
            if let Some(owner) =
                store::tenants::owner_of_domain(c, &domain)?.filter(|owner| owner.id != tenant_id)
            {
                return Ok(Some(Home::Tenant(owner)));
            }
            if let Some(idp) = store::idps::for_domain(c, &tenant_id, &domain)? {
                return Ok(Some(Home::External(idp)));
            }
            Ok(store::policies::get(c, &tenant_id)?
                .otp_enabled
                .then_some(Home::Passcode))
        })
        .await
}

/// The home an accepted guest signs in with: the one used at redemption.
pub async fn of_guest(
    state: &AppState,
    ctx: &TenantContext,
    home_issuer: &str,
) -> Result<Option<Home>, StoreError> {
    if home_issuer == MAIL_IDP {
        return Ok(Some(Home::Passcode));
    }
    if let Some(slug) = state.tenants.slug_of_issuer(home_issuer) {
        let slug = slug.to_owned();
        return state
            .db
            .read(move |c| Ok(store::tenants::find_by_slug(c, &slug)?.map(Home::Tenant)))
            .await;
    }
    let (tenant_id, issuer) = (ctx.tenant.id.clone(), home_issuer.to_owned());
    state
        .db
        .read(move |c| Ok(store::idps::for_issuer(c, &tenant_id, &issuer)?.map(Home::External)))
        .await
}

/// What the other provider proved about the person.
#[derive(Clone, Debug)]
pub struct HomeIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub proof: Proof,
}

/// How the person proved who they are, as far as it counts here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A passcode mailed to the address: one factor.
    Passcode,
    /// The provider's signed and verified ID token; `mfa` when its `amr` or
    /// `acr` prove a second factor (`domain::inbound_trust::proves_mfa`).
    IdToken { mfa: bool },
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider answered badly: {0}")]
    BadAnswer(String),
    #[error("the sign-in at the identity provider did not complete: {0}")]
    Denied(String),
    #[error("this sign-in link is not valid here: {0}")]
    UnknownFlow(String),
    #[error("the identity provider is misconfigured: {0}")]
    Misconfigured(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tenant on this server that owns the email's verified domain, if any.
pub async fn home_tenant_for(
    db: &Db,
    email_domain: &str,
) -> Result<Option<crate::store::tenants::Tenant>, StoreError> {
    let domain = email_domain.to_owned();
    db.read(move |c| store::tenants::owner_of_domain(c, &domain))
        .await
}
