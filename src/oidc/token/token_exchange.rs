//! Token exchange (RFC 8693 §2) for guests: a token issued by the guest's home
//! (another tenant on this server, or a guest identity provider this tenant
//! configured) is exchanged for this tenant's access token for the guest,
//! under the same state, assignment and expiry checks as an interactive
//! sign-in. The subject token is an ID token for this tenant (its client at
//! the home), or a JWT access token (RFC 9068) whose audience is this tenant
//! (RFC 8707 `resource` at the home). Either is verified against the home's
//! published JWKS, found through its discovery document.

use std::str::FromStr;

use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreProviderMetadata};
use openidconnect::{ClientId, IssuerUrl, JsonWebKey, Nonce};
use serde::Serialize;

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use super::subject_mfa::{self, SubjectAuthn};
use crate::domain::{AuditAction, ExternalState, Scope, ScopeSet};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::tenants::Tenant;
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError};
use crate::tokens::TenantContext;
use crate::tokens::claims::{AccessTokenClaims, Confirmation, token_type};

pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

#[derive(Debug, Serialize)]
pub struct ExchangeResponse {
    pub access_token: String,
    pub issued_token_type: &'static str,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

fn invalid_grant(detail: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, detail)
}

/// The issuer claimed by a JWT, read before verification to pick the keys.
fn claimed_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("iss")?.as_str().map(str::to_owned)
}

/// What is read from a home's access token.
#[derive(Debug, serde::Deserialize)]
struct HomeAccessClaims {
    sub: String,
    auth_time: Option<i64>,
    /// RFC 9068 §2.2.1, when the home sends them; read leniently (a value
    /// of another shape proves nothing, and does not make the token invalid).
    #[serde(default)]
    amr: serde_json::Value,
    #[serde(default)]
    acr: serde_json::Value,
}

/// Verifies a JWT access token (RFC 9068: `typ` at+jwt, an asymmetric
/// algorithm, a key from the home's JWKS) issued by `issuer` for `audience`.
fn verify_access_token(
    token: &str,
    issuer: &str,
    audience: &str,
    jwks: &openidconnect::core::CoreJsonWebKeySet,
) -> OAuthResult<HomeAccessClaims> {
    use jsonwebtoken::Algorithm;
    let header = jsonwebtoken::decode_header(token).map_err(|e| invalid_grant(e.to_string()))?;
    if !header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
    }) {
        return Err(invalid_grant(
            "subject token is not a JWT access token (typ at+jwt)",
        ));
    }
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(invalid_grant("subject token algorithm not accepted"));
    }
    let kid = header
        .kid
        .ok_or_else(|| invalid_grant("subject token has no kid"))?;
    let jwk = jwks
        .keys()
        .iter()
        .find(|k| k.key_id().is_some_and(|id| id.as_str() == kid))
        .ok_or_else(|| invalid_grant("subject token signed by an unknown key"))?;
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::to_value(jwk)
        .and_then(serde_json::from_value)
        .map_err(|e| invalid_grant(format!("home key unusable: {e}")))?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)
        .map_err(|e| invalid_grant(format!("home key unusable: {e}")))?;
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.leeway = 5;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<HomeAccessClaims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| invalid_grant(format!("subject token rejected: {e}")))
}

/// The two kinds of subject token accepted (RFC 8693 §3).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SubjectKind {
    IdToken,
    AccessToken,
}

impl SubjectKind {
    fn parse(subject_token_type: &str) -> OAuthResult<SubjectKind> {
        match subject_token_type {
            ID_TOKEN_TYPE => Ok(SubjectKind::IdToken),
            ACCESS_TOKEN_TYPE => Ok(SubjectKind::AccessToken),
            other => Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "subject_token_type {other:?} is not supported; use {ID_TOKEN_TYPE} or {ACCESS_TOKEN_TYPE}"
                ),
            )),
        }
    }
}

/// Who the subject token says the guest is at their home.
struct HomeIdentity {
    issuer: String,
    subject: String,
    auth_time: Option<i64>,
    authn: SubjectAuthn,
}

pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    subject_token: &str,
    subject_token_type: &str,
    requested: Option<ScopeSet>,
    dpop_jkt: Option<&str>,
) -> OAuthResult<ExchangeResponse> {
    let kind = SubjectKind::parse(subject_token_type)?;
    let scope = check_scope(requested)?;
    let (issuer, id_token_audience) = trusted_home(state, ctx, subject_token).await?;
    let mut home =
        verify_subject(state, ctx, kind, subject_token, &issuer, id_token_audience).await?;
    let auth_time = home.auth_time;
    let authn = SubjectAuthn {
        amr: std::mem::take(&mut home.authn.amr),
        acr: home.authn.acr.take(),
    };
    let amr = subject_mfa::exchanged_amr(state, ctx, client, &home.issuer, authn).await?;
    let (guest, grant_id) = admit_guest(state, ctx, client, home).await?;
    let now = chrono::Utc::now().timestamp();
    let lifetime = state.settings.lifetimes.access_token.num_seconds();
    let access = AccessTokenClaims {
        iss: ctx.issuer.clone(),
        sub: guest.id.clone(),
        aud: ctx.issuer.clone(),
        client_id: client.client_id.clone(),
        scope: scope.to_string(),
        tid: ctx.tenant.id.to_string(),
        exp: now + lifetime,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        auth_time,
        amr: amr.values(),
        acr: Some(amr.acr().as_str().to_owned()),
        roles: Vec::new(),
        gid: Some(grant_id),
        cnf: Confirmation::of(dpop_jkt),
    };
    let access_token = ctx
        .signing
        .sign("at+jwt", &access)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, format!("signing failed: {e}")))?;
    Ok(ExchangeResponse {
        access_token,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: token_type(dpop_jkt),
        expires_in: lifetime,
        scope: scope.to_string(),
    })
}

/// `openid` unless asked otherwise; never `offline_access`.
fn check_scope(requested: Option<ScopeSet>) -> OAuthResult<ScopeSet> {
    let scope = requested.unwrap_or_else(|| ScopeSet::parse("openid").unwrap_or_default());
    if scope.contains(Scope::OfflineAccess) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "token exchange issues no refresh tokens",
        ));
    }
    Ok(scope)
}

/// The subject token's issuer, if it is a home this tenant trusts: another
/// tenant here, or a configured guest identity provider (whose ID tokens are
/// for our client id there). Returns the issuer and the audience an ID token
/// from it must have.
async fn trusted_home(
    state: &AppState,
    ctx: &TenantContext,
    subject_token: &str,
) -> OAuthResult<(String, String)> {
    let issuer =
        claimed_issuer(subject_token).ok_or_else(|| invalid_grant("subject token is not a JWT"))?;
    let untrusted = || invalid_grant(format!("untrusted issuer {issuer}"));
    let id_token_audience = match state.tenants.slug_of_issuer(&issuer) {
        Some(slug) if slug == ctx.tenant.slug => return Err(untrusted()),
        Some(slug) => {
            state.tenants.get(slug).await?.ok_or_else(untrusted)?;
            ctx.issuer.clone()
        }
        None => {
            let (tenant_id, iss) = (ctx.tenant.id.clone(), issuer.clone());
            state
                .db
                .read(move |c| store::idps::for_issuer(c, &tenant_id, &iss))
                .await?
                .ok_or_else(untrusted)?
                .client_id
        }
    };
    Ok((issuer, id_token_audience))
}

/// Verifies the subject token as a relying party would: the home's
/// discovery and JWKS, issuer, audience, expiry, signature.
async fn verify_subject(
    state: &AppState,
    ctx: &TenantContext,
    kind: SubjectKind,
    subject_token: &str,
    issuer: &str,
    id_token_audience: String,
) -> OAuthResult<HomeIdentity> {
    let http = crate::b2b::home::http(&state.settings)
        .map_err(|e| OAuthError::new(ErrorCode::ServerError, e.to_string()))?;
    let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| invalid_grant(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
        .await
        .map_err(|e| {
            OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                format!("home discovery: {e}"),
            )
        })?;
    if kind == SubjectKind::AccessToken {
        let claims = verify_access_token(subject_token, issuer, &ctx.issuer, metadata.jwks())?;
        return Ok(HomeIdentity {
            issuer: issuer.to_owned(),
            subject: claims.sub,
            auth_time: claims.auth_time,
            authn: SubjectAuthn {
                amr: claims
                    .amr
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                acr: claims.acr.as_str().map(str::to_owned),
            },
        });
    }
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(id_token_audience),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    );
    let id_token =
        CoreIdToken::from_str(subject_token).map_err(|e| invalid_grant(e.to_string()))?;
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .map_err(|e| invalid_grant(format!("subject token rejected: {e}")))?;
    Ok(HomeIdentity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        auth_time: claims.auth_time().map(|t| t.timestamp()),
        authn: SubjectAuthn {
            amr: claims
                .auth_method_refs()
                .map(|a| a.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.to_string()),
        },
    })
}

/// The guest the home identity maps to, under the same rules as an
/// interactive sign-in (cross-tenant access, state, assignment), with a new
/// grant for the token; audited.
async fn admit_guest(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    home: HomeIdentity,
) -> OAuthResult<(User, String)> {
    let admission = Admission {
        tenant: ctx.tenant.clone(),
        resource_issuer: ctx.issuer.clone(),
        home_slug: state
            .tenants
            .slug_of_issuer(&home.issuer)
            .map(str::to_owned),
        app_id: client.id.clone(),
        client_id: client.client_id.clone(),
        needs_assignment: client.assignment_required,
        home,
    };
    let outcome = state
        .db
        .write(move |c| {
            let guest = match admissible_guest(c, &admission)? {
                Ok(guest) => guest,
                Err(why) => return Ok(Err(why)),
            };
            let grant_id = grant_exchange(c, &admission, &guest)?;
            Ok::<_, StoreError>(Ok((guest, grant_id)))
        })
        .await?;
    outcome.map_err(invalid_grant)
}

/// What admitting a guest by token exchange needs, moved onto the database
/// pool.
struct Admission {
    tenant: Tenant,
    resource_issuer: String,
    home_slug: Option<String>,
    app_id: String,
    client_id: String,
    needs_assignment: bool,
    home: HomeIdentity,
}

/// The guest of this home identity if the rules let them in, or why not.
fn admissible_guest(
    c: &mut DbConn,
    a: &Admission,
) -> Result<Result<User, &'static str>, StoreError> {
    let tenant_id = &a.tenant.id;
    let Some(guest) = store::users::find_by_home(c, tenant_id, &a.home.issuer, &a.home.subject)?
    else {
        return Ok(Err("no guest for this home identity"));
    };
    if !crate::b2b::cross_tenant::guest_may_enter(
        c,
        &a.tenant,
        &a.resource_issuer,
        &a.home.issuer,
        a.home_slug.as_deref(),
    )? {
        return Ok(Err("cross-tenant access settings block this organization"));
    }
    if guest.external_state != Some(ExternalState::Accepted) || !guest.is_usable() {
        return Ok(Err("guest pending, blocked or expired"));
    }
    if a.needs_assignment && !store::groups::is_assigned(c, tenant_id, &a.app_id, &guest.id)? {
        return Ok(Err("guest not assigned to the application"));
    }
    Ok(Ok(guest))
}

/// A new grant for the exchanged token, audited; returns its id.
fn grant_exchange(c: &mut DbConn, a: &Admission, guest: &User) -> Result<String, StoreError> {
    let tenant_id = &a.tenant.id;
    let grant_id = store::codes::create_grant(c, tenant_id, &a.client_id, &guest.id, None, None)?;
    store::audit::record(
        c,
        tenant_id,
        &format!("app:{}", a.client_id),
        AuditAction::TokenExchanged,
        Some(&guest.email),
        Some(&a.home.issuer),
    )?;
    Ok(grant_id)
}
