//! The resource tenant as a relying party of a guest's home (OIDC Core §3.1
//! through the `openidconnect` crate: code + PKCE + nonce, ID token verified
//! against the home JWKS, issuer and audience checked). Tenants on this
//! server trust each other's tokens, never each other's tables.

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use crate::crypto::{random_token, token_hash};
use crate::oidc::routes;
use crate::store::{self, Db, StoreError, now};
use crate::tokens::TenantContext;

pub const FLOW_COOKIE: &str = "portico_home_flow";

/// Why the browser is sent to its home.
#[derive(Clone, Debug)]
pub enum Purpose {
    Redeem { invitation_id: String },
    SignIn { auth_request_id: String },
}

/// What the home proved about the person.
#[derive(Clone, Debug)]
pub struct HomeIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub amr: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("the home identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the home identity provider answered badly: {0}")]
    BadAnswer(String),
    #[error("the sign-in at home did not complete: {0}")]
    Denied(String),
    #[error("this sign-in link is not valid here: {0}")]
    UnknownFlow(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn http() -> Result<openidconnect::reqwest::Client, HomeError> {
    openidconnect::reqwest::ClientBuilder::new()
        // No redirects: SSRF guard required by openidconnect's docs.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| HomeError::Unreachable(e.to_string()))
}

async fn rp_client(
    ctx: &TenantContext,
    home_issuer: &str,
) -> Result<
    (
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        openidconnect::reqwest::Client,
    ),
    HomeError,
> {
    let http = http()?;
    let issuer =
        IssuerUrl::new(home_issuer.to_owned()).map_err(|e| HomeError::BadAnswer(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| HomeError::Unreachable(e.to_string()))?;
    let redirect = RedirectUrl::new(format!("{}{}", ctx.issuer, routes::HOME_CALLBACK))
        .map_err(|e| HomeError::BadAnswer(e.to_string()))?;
    // The resource tenant's client id at its home is its own issuer URL.
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(ctx.issuer.clone()), None)
            .set_redirect_uri(redirect);
    Ok((client, http))
}

/// Starts the round trip: stores the flow, returns the home authorize URL and
/// the cookie that binds the flow to this browser.
pub async fn start(
    db: &Db,
    ctx: &TenantContext,
    home_issuer: &str,
    purpose: Purpose,
    login_hint: &str,
    secure: bool,
) -> Result<(String, Cookie<'static>), HomeError> {
    let (client, _) = rp_client(ctx, home_issuer).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .set_login_hint(LoginHint::new(login_hint.to_owned()))
        .url();
    let browser = random_token();
    let (invitation_id, auth_request_id) = match purpose {
        Purpose::Redeem { invitation_id } => (Some(invitation_id), None),
        Purpose::SignIn { auth_request_id } => (None, Some(auth_request_id)),
    };
    let at = now();
    let row = store::flows::HomeFlow {
        state_hash: token_hash(state.secret()),
        tenant_id: ctx.tenant.id.clone(),
        purpose: if invitation_id.is_some() {
            "redeem".into()
        } else {
            "signin".into()
        },
        home_issuer: home_issuer.to_owned(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        invitation_id,
        auth_request_id,
        browser_hash: token_hash(&browser),
        created_at: at,
        expires_at: at + chrono::TimeDelta::minutes(15),
    };
    db.write(move |c| store::flows::insert(c, &row)).await?;
    let cookie = Cookie::build(FLOW_COOKIE, browser)
        .path(routes::tenant_path(&ctx.tenant.slug))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    Ok((url.to_string(), cookie))
}

/// Completes the round trip at `/callback/home`: the flow is single use and
/// bound to the browser that started it; the ID token must verify.
pub async fn finish(
    db: &Db,
    ctx: &TenantContext,
    req: &HttpRequest,
    state: &str,
    code: &str,
) -> Result<(store::flows::HomeFlow, HomeIdentity), HomeError> {
    let browser = req
        .cookie(FLOW_COOKIE)
        .map(|c| token_hash(c.value()))
        .ok_or_else(|| HomeError::UnknownFlow("no flow cookie".into()))?;
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(state));
    let flow = db
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
    let (client, http) = rp_client(ctx, &flow.home_issuer).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| HomeError::BadAnswer(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| HomeError::Denied(format!("token exchange: {e}")))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| HomeError::BadAnswer("no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
        .map_err(|e| HomeError::Denied(format!("ID token rejected: {e}")))?;
    if claims.issuer().as_str() != flow.home_issuer {
        return Err(HomeError::Denied("issuer differs from the home".into()));
    }
    let identity = HomeIdentity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        email: claims
            .email()
            .filter(|_| claims.email_verified().unwrap_or(false))
            .map(|e| e.to_string().to_ascii_lowercase()),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        amr: claims
            .auth_method_refs()
            .and_then(|a| a.first())
            .map(|a| a.to_string()),
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
