//! The refresh_token grant (RFC 6749 §6). Tokens rotate on every use; reuse of
//! a rotated token revokes the whole family (Security BCP §4.14.2).

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use super::issue::{self, TokenResponse, UserGrant};
use crate::crypto::token_hash;
use crate::domain::ScopeSet;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, RefreshToken};
use crate::store::users::User;
use crate::store::{self, now};
use crate::tokens::TenantContext;

#[allow(clippy::large_enum_variant)] // built once per request, never stored
enum Outcome {
    Rotated {
        old: RefreshToken,
        user: User,
        scope: ScopeSet,
        token: String,
    },
    Refused(String),
}

pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    presented: &str,
    requested: Option<ScopeSet>,
    audience: &str,
) -> OAuthResult<TokenResponse> {
    let tenant_id = ctx.tenant.id.clone();
    let client_id = client.client_id.clone();
    let hash = token_hash(presented);
    let lifetime = state.settings.lifetimes.refresh_token;
    let (tenant, issuer) = (ctx.tenant.clone(), ctx.issuer.clone());
    let public_url = state.settings.public_url.clone();

    let outcome = state
        .db
        .write(move |c| {
            let Some(old) = codes::find_refresh(c, &tenant_id, &hash)? else {
                return Ok(Outcome::Refused("unknown refresh token".into()));
            };
            if old.client_id != client_id {
                return Ok(Outcome::Refused("refresh token of another client".into()));
            }
            if !codes::rotate_refresh(c, &tenant_id, &hash)? {
                codes::revoke_grant(c, &tenant_id, &old.grant_id)?;
                return Ok(Outcome::Refused(format!(
                    "rotated refresh token reused; grant {} revoked",
                    old.grant_id
                )));
            }
            if old.expires_at <= now() {
                return Ok(Outcome::Refused("refresh token expired".into()));
            }
            if !codes::grant_is_live(c, &tenant_id, &old.grant_id)? {
                return Ok(Outcome::Refused("grant revoked".into()));
            }
            let user = match store::users::find(c, &tenant_id, &old.user_id)? {
                Some(u) if u.is_usable() => u,
                _ => return Ok(Outcome::Refused("user missing, blocked or expired".into())),
            };
            // A guest stays subject to both organizations' cross-tenant settings.
            if let Some(home) = user.home_issuer.as_deref().filter(|_| user.is_guest())
                && !crate::b2b::cross_tenant::guest_may_enter(
                    c,
                    &tenant,
                    &issuer,
                    home,
                    crate::tokens::context::sibling_slug(&public_url, home),
                )?
            {
                return Ok(Outcome::Refused(
                    "cross-tenant access settings block the guest's organization".into(),
                ));
            }
            let granted = ScopeSet::parse(&old.scope).map_err(store::StoreError::Corrupt)?;
            let scope = match requested {
                Some(req) if !req.is_subset(&granted) => {
                    return Ok(Outcome::Refused("scope exceeds the original grant".into()));
                }
                Some(req) => req,
                None => granted,
            };
            // The family keeps its original scope; a narrower request narrows
            // only this response (RFC 6749 §6).
            let (token, row) = RefreshToken::mint(
                &tenant_id,
                &old.grant_id,
                &old.client_id,
                &user.id,
                &old.scope,
                old.auth_time,
                &old.amr,
                lifetime,
            );
            codes::save_refresh(c, &row)?;
            Ok(Outcome::Rotated {
                old,
                user,
                scope,
                token,
            })
        })
        .await?;

    match outcome {
        Outcome::Refused(detail) => Err(OAuthError::new(ErrorCode::InvalidGrant, detail)),
        Outcome::Rotated {
            old,
            user,
            scope,
            token,
        } => {
            let grant = UserGrant {
                user: &user,
                scope: &scope,
                grant_id: &old.grant_id,
                auth_time: old.auth_time,
                amr: &old.amr,
                nonce: None,
                session_id: None,
                audience,
            };
            issue::user_tokens(state, ctx, client, &grant, Some(token))
        }
    }
}
