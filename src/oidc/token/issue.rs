//! Minting tokens: RFC 9068 access tokens, OIDC Core §2 ID tokens, and opaque
//! refresh tokens (stored as hashes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::domain::{Amr, RequestedClaims, Scope, ScopeSet, UserClaim};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::users::User;
use crate::tokens::TenantContext;
use crate::tokens::claims::{
    AccessTokenClaims, Confirmation, IdTokenClaims, ProfileClaims, token_type,
};

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Everything known about a user's authorization when tokens are minted.
pub struct UserGrant<'a> {
    pub user: &'a User,
    pub scope: &'a ScopeSet,
    pub grant_id: &'a str,
    pub auth_time: chrono::NaiveDateTime,
    /// The stored amr text of the session the grant came from.
    pub amr: &'a str,
    pub nonce: Option<&'a str>,
    pub session_id: Option<&'a str>,
    /// The access token's `aud`: this tenant's issuer unless RFC 8707
    /// `resource` named another tenant.
    pub audience: &'a str,
    /// The thumbprint of the DPoP key the access token is bound to.
    pub dpop_jkt: Option<&'a str>,
    /// The user claims the request asked for by name (OIDC Core §5.5).
    pub claims: &'a RequestedClaims,
}

fn sign_error(e: anyhow::Error) -> OAuthError {
    OAuthError::new(ErrorCode::ServerError, format!("signing failed: {e}"))
}

/// The profile and email claims released by `scope` (OIDC Core §5.4) and
/// those asked for by name (§5.5), which consent covered as their scopes.
pub fn profile_claims(
    user: &User,
    scope: &ScopeSet,
    by_name: impl IntoIterator<Item = UserClaim>,
) -> ProfileClaims {
    let mut claims = ProfileClaims::default();
    let by_scope = scope.iter().flat_map(|s| match s {
        Scope::Profile => &[UserClaim::Name, UserClaim::PreferredUsername][..],
        Scope::Email => &[UserClaim::Email, UserClaim::EmailVerified][..],
        Scope::OpenId | Scope::OfflineAccess => &[][..],
    });
    for claim in by_scope.copied().chain(by_name) {
        match claim {
            UserClaim::Name => claims.name = Some(user.display_name.clone()),
            UserClaim::PreferredUsername => claims.preferred_username = Some(user.email.clone()),
            UserClaim::Email => claims.email = Some(user.email.clone()),
            UserClaim::EmailVerified => claims.email_verified = Some(true),
        }
    }
    claims
}

/// Who authenticated the person: this issuer for local members, else their home.
pub fn identity_provider(ctx: &TenantContext, user: &User) -> String {
    user.home_issuer
        .clone()
        .unwrap_or_else(|| ctx.issuer.clone())
}

/// The methods of a stored amr text. Rows written before amr was typed may
/// hold a foreign provider's word: unknown methods are dropped, not trusted.
pub fn stored_amr(text: &str) -> Amr {
    Amr::parse(text).unwrap_or_else(|| {
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        Amr::from_claim(&words)
    })
}

/// Access, ID and (when given) refresh token for a user grant.
pub fn user_tokens(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    grant: &UserGrant<'_>,
    refresh_token: Option<String>,
) -> OAuthResult<TokenResponse> {
    let lifetimes = &state.settings.lifetimes;
    let now = chrono::Utc::now().timestamp();
    let auth_time = grant.auth_time.and_utc().timestamp();
    let amr = stored_amr(grant.amr);
    let acr = amr.acr().as_str().to_owned();
    let access = AccessTokenClaims {
        iss: ctx.issuer.clone(),
        sub: grant.user.id.clone(),
        aud: grant.audience.to_owned(),
        client_id: client.client_id.clone(),
        scope: grant.scope.to_string(),
        tid: ctx.tenant.id.to_string(),
        exp: now + lifetimes.access_token.num_seconds(),
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        auth_time: Some(auth_time),
        amr: amr.values(),
        acr: Some(acr.clone()),
        roles: Vec::new(),
        gid: Some(grant.grant_id.to_owned()),
        cnf: Confirmation::of(grant.dpop_jkt),
    };
    let access_token = ctx.signing.sign("at+jwt", &access).map_err(sign_error)?;
    let id_token = if grant.scope.contains(Scope::OpenId) {
        let digest = Sha256::digest(access_token.as_bytes());
        let claims = IdTokenClaims {
            iss: ctx.issuer.clone(),
            sub: grant.user.id.clone(),
            aud: client.client_id.clone(),
            exp: now + lifetimes.id_token.num_seconds(),
            iat: now,
            auth_time,
            nonce: grant.nonce.map(str::to_owned),
            amr: amr.values(),
            acr: Some(acr),
            azp: client.client_id.clone(),
            tid: ctx.tenant.id.to_string(),
            sid: grant.session_id.map(str::to_owned),
            at_hash: Some(URL_SAFE_NO_PAD.encode(&digest[..16])),
            user_type: grant.user.user_type_claim().to_owned(),
            idp: identity_provider(ctx, grant.user),
            profile: profile_claims(grant.user, grant.scope, grant.claims.for_id_token()),
        };
        Some(ctx.signing.sign("JWT", &claims).map_err(sign_error)?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: token_type(grant.dpop_jkt),
        expires_in: lifetimes.access_token.num_seconds(),
        scope: grant.scope.to_string(),
        id_token,
        refresh_token,
    })
}
