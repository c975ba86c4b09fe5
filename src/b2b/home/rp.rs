//! The relying-party round trip itself (OIDC Core §3.1 through
//! `openidconnect`): the client for one provider, the redirect that starts a
//! sign-in there, and the callback that verifies its ID token.

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

use super::{FLOW_COOKIE, Home, HomeError, HomeIdentity, Proof, Purpose};
use crate::b2b::egress::{EgressClient, EgressError};
use crate::config::Settings;
use crate::crypto::{random_token, token_hash};
use crate::domain::FlowPurpose;
use crate::domain::inbound_trust::proves_mfa;
use crate::routes;
use crate::state::AppState;
use crate::store::idps::IdentityProvider;
use crate::store::{self, now};
use crate::tokens::TenantContext;

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

/// The provider's discovery document and keys, fetched as every sign-in
/// fetches them (OIDC Discovery §4: the `issuer` must match exactly): through
/// the egress guard, pinned to the issuer, the token endpoint checked before
/// anything is sent there. The console's connection test calls it too.
pub async fn discover(
    settings: &Settings,
    issuer: &str,
) -> Result<(CoreProviderMetadata, EgressClient), HomeError> {
    let http = http(settings)?
        .pinned(issuer)
        .map_err(|e| HomeError::Misconfigured(e.to_string()))?;
    let issuer =
        IssuerUrl::new(issuer.to_owned()).map_err(|e| HomeError::Misconfigured(e.to_string()))?;
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
    Ok((metadata, http))
}

async fn rp_client(
    state: &AppState,
    ctx: &TenantContext,
    upstream: &Upstream,
) -> Result<(RpClient, EgressClient), HomeError> {
    let (metadata, http) = discover(&state.settings, &upstream.issuer).await?;
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
