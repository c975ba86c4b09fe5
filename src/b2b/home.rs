//! A tenant as a relying party of another OpenID provider (OIDC Core §3.1
//! through the `openidconnect` crate: code + PKCE + nonce, ID token verified
//! against the provider's JWKS, issuer and audience checked): a guest's home
//! (another tenant here, or an external provider the tenant configured) or the
//! upstream of a federated tenant. Tenants on this server trust each other's
//! tokens, never each other's tables.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::egress::{EgressClient, EgressError};
use crate::config::Settings;
use crate::crypto::{random_token, token_hash};
use crate::domain::FlowPurpose;
use crate::domain::inbound_trust::proves_mfa;
use crate::oidc::routes;
use crate::state::AppState;
use crate::store::idps::IdentityProvider;
use crate::store::tenants::Tenant;
use crate::store::{self, Db, StoreError, now};
use crate::tokens::TenantContext;

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

/// Claims outside the standard set (kept so that configured claim mappings
/// can name them).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct MappedClaims {
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for MappedClaims {}

type IdTokenFields = openidconnect::IdTokenFields<
    MappedClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type RpClient = openidconnect::Client<
    MappedClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<IdTokenFields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How this tenant signs in at one provider.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
    pub email_claim: String,
    pub name_claim: String,
    /// The administrator vouches that every email this provider sends is
    /// verified (it may not send `email_verified`).
    pub email_verified_trusted: bool,
    /// The configured provider row, when it is not a tenant here.
    pub idp_id: Option<String>,
}

impl Upstream {
    /// Another tenant here: the resource tenant is its client, identified by
    /// its own issuer URL.
    pub fn sibling(ctx: &TenantContext, home_issuer: &str) -> Upstream {
        Upstream {
            issuer: home_issuer.to_owned(),
            client_id: ctx.issuer.clone(),
            client_secret: None,
            scopes: vec!["email".into(), "profile".into()],
            email_claim: "email".into(),
            name_claim: "name".into(),
            email_verified_trusted: false,
            idp_id: None,
        }
    }

    /// A configured external provider; its client secret is unsealed here.
    pub fn configured(state: &AppState, idp: &IdentityProvider) -> Result<Upstream, HomeError> {
        let client_secret = match &idp.client_secret_sealed {
            None => None,
            Some(sealed) => {
                let sealer = state.settings.sealer.as_ref().ok_or_else(|| {
                    HomeError::Misconfigured(
                        "no server secret key to open the client secret".into(),
                    )
                })?;
                Some(
                    sealer
                        .open(&idp.id, sealed)
                        .map_err(|e| HomeError::Misconfigured(e.to_string()))?,
                )
            }
        };
        Ok(Upstream {
            issuer: idp.issuer.clone(),
            client_id: idp.client_id.clone(),
            client_secret,
            scopes: idp.scopes.split_whitespace().map(str::to_owned).collect(),
            email_claim: idp.email_claim.clone(),
            name_claim: idp.name_claim.clone(),
            email_verified_trusted: idp.email_verified_trusted,
            idp_id: Some(idp.id.clone()),
        })
    }

    pub fn for_home(
        state: &AppState,
        ctx: &TenantContext,
        home: &Home,
    ) -> Option<Result<Upstream, HomeError>> {
        match home {
            Home::Tenant(t) => Some(Ok(Upstream::sibling(
                ctx,
                &state.tenants.issuer_for(&t.slug),
            ))),
            Home::External(idp) => Some(Upstream::configured(state, idp)),
            Home::Passcode => None,
        }
    }
}

/// The client for calls to another provider: connect and overall timeouts,
/// no redirects, and the operator's egress policy (`egress.rs`): forbidden
/// addresses are refused before and after DNS resolution, and the client is
/// bound to the first issuer it calls (its discovery document), so keys and
/// tokens are only fetched from that issuer's host or hosts the operator
/// allowed for it.
pub fn http(settings: &Settings) -> Result<EgressClient, HomeError> {
    EgressClient::new(
        &settings.egress,
        &settings.public_url,
        settings.upstream_connect_timeout,
        settings.upstream_timeout,
    )
    .map_err(|e| HomeError::Unreachable(e.to_string()))
}

/// A refused call is a configuration problem (the provider points at a host
/// it may not), anything else is the provider not answering.
fn request_failed(e: &EgressError, what: String) -> HomeError {
    if e.is_refused() {
        HomeError::Misconfigured(what)
    } else {
        HomeError::Unreachable(what)
    }
}

async fn rp_client(
    state: &AppState,
    ctx: &TenantContext,
    upstream: &Upstream,
) -> Result<(RpClient, EgressClient), HomeError> {
    let http = http(&state.settings)?
        .pinned(&upstream.issuer)
        .map_err(|e| HomeError::Misconfigured(e.to_string()))?;
    let issuer = IssuerUrl::new(upstream.issuer.clone())
        .map_err(|e| HomeError::Misconfigured(e.to_string()))?;
    // Discovery fetches the document and then `jwks_uri` through `http`,
    // which refuses a `jwks_uri` off the issuer's host.
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| match &e {
            openidconnect::DiscoveryError::Request(inner) => {
                request_failed(inner, format!("discovery: {inner}"))
            }
            _ => HomeError::BadAnswer(e.to_string()),
        })?;
    // The token endpoint receives the client secret: refuse a discovery
    // document that sends it elsewhere before the browser goes anywhere.
    if let Some(token) = metadata.token_endpoint() {
        http.check(token.url())
            .map_err(|e| HomeError::Misconfigured(format!("token_endpoint refused: {e}")))?;
    }
    let redirect = RedirectUrl::new(format!("{}{}", ctx.issuer, routes::HOME_CALLBACK))
        .map_err(|e| HomeError::Misconfigured(e.to_string()))?;
    let client = RpClient::from_provider_metadata(
        metadata,
        ClientId::new(upstream.client_id.clone()),
        upstream.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect);
    Ok((client, http))
}

/// Starts the round trip: stores the flow, returns the provider's authorize
/// URL and the cookie that binds the flow to this browser.
pub async fn start(
    state: &AppState,
    ctx: &TenantContext,
    upstream: &Upstream,
    purpose: Purpose,
    login_hint: Option<&str>,
    acr: Option<crate::domain::Acr>,
) -> Result<(String, Cookie<'static>), HomeError> {
    let (client, _) = rp_client(state, ctx, upstream).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in &upstream.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    request = request.set_pkce_challenge(challenge);
    if let Some(hint) = login_hint {
        request = request.set_login_hint(LoginHint::new(hint.to_owned()));
    }
    if let Some(acr) = acr {
        request = request
            .add_auth_context_value(AuthenticationContextClass::new(acr.as_str().to_owned()));
    }
    let (url, csrf, nonce) = request.url();
    let browser = random_token();
    let (purpose_name, invitation_id, auth_request_id) = match purpose {
        Purpose::Redeem { invitation_id } => (FlowPurpose::Redeem, Some(invitation_id), None),
        Purpose::SignIn { auth_request_id } => (FlowPurpose::SignIn, None, Some(auth_request_id)),
        Purpose::Federated { auth_request_id } => {
            (FlowPurpose::Federated, None, Some(auth_request_id))
        }
    };
    let at = now();
    let row = store::flows::HomeFlow {
        state_hash: token_hash(csrf.secret()),
        tenant_id: ctx.tenant.id.to_string(),
        purpose: purpose_name,
        home_issuer: upstream.issuer.clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        invitation_id,
        auth_request_id,
        browser_hash: token_hash(&browser),
        created_at: at,
        expires_at: at + chrono::TimeDelta::minutes(15),
        idp_id: upstream.idp_id.clone(),
    };
    state
        .db
        .write(move |c| store::flows::insert(c, &row))
        .await?;
    let cookie = Cookie::build(FLOW_COOKIE, browser)
        .path(routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(state.settings.secure_cookies())
        .same_site(SameSite::Lax)
        .finish();
    Ok((url.to_string(), cookie))
}

/// Completes the round trip at `/callback/home`: the flow is single use and
/// bound to the browser that started it; the ID token must verify.
pub async fn finish(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    flow_state: &str,
    code: &str,
) -> Result<(store::flows::HomeFlow, HomeIdentity), HomeError> {
    let browser = req
        .cookie(FLOW_COOKIE)
        .map(|c| token_hash(c.value()))
        .ok_or_else(|| HomeError::UnknownFlow("no flow cookie".into()))?;
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(flow_state));
    let flow = state
        .db
        .write(move |c| store::flows::take(c, &tenant_id, &hash))
        .await?
        .ok_or_else(|| HomeError::UnknownFlow("unknown or used state".into()))?;
    if flow.browser_hash != browser {
        return Err(HomeError::UnknownFlow(
            "flow started in another browser".into(),
        ));
    }
    if flow.expires_at <= now() {
        return Err(HomeError::UnknownFlow("flow expired".into()));
    }
    let upstream = match &flow.idp_id {
        None => Upstream::sibling(ctx, &flow.home_issuer),
        Some(id) => {
            let (tenant_id, id) = (ctx.tenant.id.clone(), id.clone());
            let idp = state
                .db
                .read(move |c| store::idps::find(c, &tenant_id, &id))
                .await?
                .ok_or_else(|| {
                    HomeError::UnknownFlow("the identity provider was removed".into())
                })?;
            Upstream::configured(state, &idp)?
        }
    };
    if upstream.issuer != flow.home_issuer {
        return Err(HomeError::UnknownFlow(
            "the identity provider was reconfigured".into(),
        ));
    }
    let (client, http) = rp_client(state, ctx, &upstream).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| HomeError::BadAnswer(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| match &e {
            openidconnect::RequestTokenError::Request(inner) => {
                request_failed(inner, format!("token exchange: {inner}"))
            }
            _ => HomeError::Denied(format!("token exchange: {e}")),
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| HomeError::BadAnswer("no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
        .map_err(|e| HomeError::Denied(format!("ID token rejected: {e}")))?;
    if claims.issuer().as_str() != flow.home_issuer {
        return Err(HomeError::Denied("issuer differs from the provider".into()));
    }
    // Configured claim names are looked up in the verified claims as JSON
    // (standard or not). Whichever claim carries the email, the token must
    // mark it verified (`email_verified: true`), unless the administrator
    // marked this provider as one whose emails are all verified.
    let all = serde_json::to_value(claims).unwrap_or_default();
    let mapped = |name: &str| all.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let verified = upstream.email_verified_trusted || claims.email_verified() == Some(true);
    let email = if !verified {
        None
    } else if upstream.email_claim == "email" {
        claims.email().map(|e| e.to_string())
    } else {
        mapped(&upstream.email_claim)
    };
    let name = mapped(&upstream.name_claim);
    let identity = HomeIdentity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        email: email.map(|e| e.to_ascii_lowercase()),
        name,
        proof: Proof::IdToken {
            mfa: proves_mfa(
                &claims
                    .auth_method_refs()
                    .map(|a| a.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                    .unwrap_or_default(),
                claims.auth_context_ref().map(|a| a.as_str()),
            ),
        },
    };
    Ok((flow, identity))
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
