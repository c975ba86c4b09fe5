//! The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A code is
//! single use: a replayed code is refused and revokes every token issued from
//! it (RFC 6749 §4.1.2, Security BCP §4.2.4).

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use super::issue::{self, TokenResponse, UserGrant};
use crate::crypto::token_hash;
use crate::domain::{CodeChallenge, GrantType, Scope, ScopeSet, verify_pkce};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, AuthCode, RefreshToken};
use crate::store::users::User;
use crate::store::{self, now};
use crate::tokens::TenantContext;

#[allow(clippy::large_enum_variant)] // built once per request, never stored
enum Outcome {
    Issued {
        code: AuthCode,
        user: User,
        scope: ScopeSet,
        refresh: Option<String>,
    },
    Refused(String),
}

pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    (code, redirect_uri, verifier): (&str, &str, Option<String>),
    audience: &str,
) -> OAuthResult<TokenResponse> {
    let tenant_id = ctx.tenant.id.clone();
    let client_id = client.client_id.clone();
    let wants_refresh = client.allows(GrantType::RefreshToken);
    let hash = token_hash(code);
    let redirect_uri = redirect_uri.to_owned();
    let refresh_lifetime = state.settings.lifetimes.refresh_token;

    let outcome = state
        .db
        .write(move |c| {
            let Some(code) = codes::find_code(c, &tenant_id, &hash)? else {
                return Ok(Outcome::Refused("unknown code".into()));
            };
            if !codes::consume_code(c, &tenant_id, &hash)? {
                codes::revoke_grant(c, &tenant_id, &code.grant_id)?;
                return Ok(Outcome::Refused(format!(
                    "code replayed; grant {} revoked",
                    code.grant_id
                )));
            }
            if code.client_id != client_id {
                return Ok(Outcome::Refused("code was issued to another client".into()));
            }
            if code.expires_at <= now() {
                return Ok(Outcome::Refused("code expired".into()));
            }
            if code.redirect_uri != redirect_uri {
                return Ok(Outcome::Refused("redirect_uri does not match".into()));
            }
            match (&code.code_challenge, &verifier) {
                (Some(challenge), Some(v))
                    if verify_pkce(&CodeChallenge::from_stored(challenge.clone()), v) => {}
                (None, None) => {}
                _ => return Ok(Outcome::Refused("PKCE verification failed".into())),
            }
            if !codes::grant_is_live(c, &tenant_id, &code.grant_id)? {
                return Ok(Outcome::Refused("grant revoked".into()));
            }
            let user = match store::users::find(c, &tenant_id, &code.user_id)? {
                Some(u) if u.is_usable() => u,
                _ => return Ok(Outcome::Refused("user missing, blocked or expired".into())),
            };
            let scope = ScopeSet::parse(&code.scope).map_err(store::StoreError::Corrupt)?;
            let refresh = if wants_refresh && scope.contains(Scope::OfflineAccess) {
                let (refresh_token, row) = RefreshToken::mint(
                    &tenant_id,
                    &code.grant_id,
                    &code.client_id,
                    &user.id,
                    &code.scope,
                    code.auth_time,
                    &code.amr,
                    refresh_lifetime,
                );
                codes::save_refresh(c, &row)?;
                Some(refresh_token)
            } else {
                None
            };
            Ok(Outcome::Issued {
                code,
                user,
                scope,
                refresh,
            })
        })
        .await?;

    match outcome {
        Outcome::Refused(detail) => Err(OAuthError::new(ErrorCode::InvalidGrant, detail)),
        Outcome::Issued {
            code,
            user,
            scope,
            refresh,
        } => {
            let grant = UserGrant {
                user: &user,
                scope: &scope,
                grant_id: &code.grant_id,
                auth_time: code.auth_time,
                amr: &code.amr,
                nonce: code.nonce.as_deref(),
                session_id: None,
                audience,
            };
            issue::user_tokens(state, ctx, client, &grant, refresh)
        }
    }
}
