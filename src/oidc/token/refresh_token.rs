//! The refresh_token grant (RFC 6749 §6). Tokens rotate on every use; reuse of
//! a rotated token revokes the whole family (Security BCP §4.14.2). A public
//! client's tokens bound to a DPoP key need a proof of it (RFC 9449 §5).

use super::super::error::OAuthResult;
use super::issue::{self, TokenResponse, UserGrant};
use super::refusal::{Stop, invalid_grant, refuse, settle};
use crate::crypto::token_hash;
use crate::domain::{RequestedClaims, ScopeSet};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, RefreshToken};
use crate::store::tenants::Tenant;
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError, now};
use crate::tokens::TenantContext;
use chrono::TimeDelta;

/// Refreshes with `presented`: rotates it (a reused one revokes its family),
/// checks the grant, the user and the scope, then issues tokens.
pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    presented: &str,
    requested: Option<ScopeSet>,
    audience: &str,
    dpop_jkt: Option<&str>,
) -> OAuthResult<TokenResponse> {
    let rotation = Rotation {
        tenant: ctx.tenant.clone(),
        issuer: ctx.issuer.clone(),
        public_url: state.settings.public_url.clone(),
        client_id: client.client_id.clone(),
        hash: token_hash(presented),
        lifetime: state.settings.lifetimes.refresh_token,
        requested,
        dpop_jkt: dpop_jkt.map(str::to_owned),
        refresh_jkt: super::dpop::refresh_binding(client, dpop_jkt),
    };
    // A refusal still commits what it wrote (a reused token's family stays
    // revoked).
    let rotated = invalid_grant(state.db.write(move |c| settle(rotation.rotate(c))).await?)?;
    let grant = UserGrant {
        user: &rotated.user,
        scope: &rotated.scope,
        grant_id: &rotated.old.grant_id,
        auth_time: rotated.old.auth_time,
        amr: &rotated.old.amr,
        nonce: None,
        session_id: rotated.session_id.as_deref(),
        audience,
        dpop_jkt,
        claims: &rotated.claims,
    };
    issue::user_tokens(state, ctx, client, &grant, Some(rotated.token))
}

/// One rotation with what its transaction needs, owned: it runs on the
/// blocking pool.
struct Rotation {
    tenant: Tenant,
    issuer: String,
    public_url: String,
    client_id: String,
    /// The hash of the presented token.
    hash: String,
    lifetime: TimeDelta,
    requested: Option<ScopeSet>,
    /// The key of this request's DPoP proof, if any.
    dpop_jkt: Option<String>,
    /// The key the new refresh token is bound to (public clients).
    refresh_jkt: Option<String>,
}

/// A rotated token: the one presented, its user, the scope of this response,
/// the new token and the grant's session.
struct Rotated {
    old: RefreshToken,
    user: User,
    scope: ScopeSet,
    token: String,
    /// The session the grant was issued in: ID tokens keep its `sid`.
    session_id: Option<String>,
    /// The claims the grant's request asked for by name.
    claims: RequestedClaims,
}

impl Rotation {
    fn rotate(&self, c: &mut DbConn) -> Result<Rotated, Stop> {
        let old = self.take(c)?;
        let user = self.usable_user(c, &old)?;
        let scope = self.scope(&old)?;
        // The family keeps its original scope; a narrower request narrows
        // only this response (RFC 6749 §6).
        let (token, mut row) = RefreshToken::mint(
            &self.tenant.id,
            &old.grant_id,
            &old.client_id,
            &user.id,
            &old.scope,
            old.auth_time,
            &old.amr,
            self.lifetime,
        );
        row.dpop_jkt = self.refresh_jkt.clone();
        codes::save_refresh(c, &row)?;
        let session_id = codes::grant_session(c, &self.tenant.id, &old.grant_id)?;
        let claims = codes::grant_claims(c, &self.tenant.id, &old.grant_id)?;
        Ok(Rotated {
            old,
            user,
            scope,
            token,
            session_id,
            claims,
        })
    }

    /// The presented token, used up: it must be this client's, unused (a
    /// reused one revokes its whole grant), unexpired, of a live grant.
    fn take(&self, c: &mut DbConn) -> Result<RefreshToken, Stop> {
        let tenant_id = &self.tenant.id;
        let Some(old) = codes::find_refresh(c, tenant_id, &self.hash)? else {
            return refuse("unknown refresh token");
        };
        if old.client_id != self.client_id {
            return refuse("refresh token of another client");
        }
        // RFC 9449 §5: a bound token refreshes only with a proof of its key.
        // Checked before rotation, so a thief without the key cannot use
        // the token up.
        if let Some(bound) = &old.dpop_jkt
            && self.dpop_jkt.as_ref() != Some(bound)
        {
            return refuse("refresh token bound to another DPoP key, or no proof");
        }
        if !codes::rotate_refresh(c, tenant_id, &self.hash)? {
            codes::revoke_grant(c, tenant_id, &old.grant_id)?;
            return refuse(format!(
                "rotated refresh token reused; grant {} revoked",
                old.grant_id
            ));
        }
        if old.expires_at <= now() {
            return refuse("refresh token expired");
        }
        if !codes::grant_is_live(c, tenant_id, &old.grant_id)? {
            return refuse("grant revoked");
        }
        Ok(old)
    }

    /// The token's user, if still usable; a guest stays subject to both
    /// organizations' cross-tenant settings.
    fn usable_user(&self, c: &mut DbConn, old: &RefreshToken) -> Result<User, Stop> {
        let user = match store::users::find(c, &self.tenant.id, &old.user_id)? {
            Some(u) if u.is_usable() => u,
            _ => return refuse("user missing, blocked or expired"),
        };
        if let Some(home) = user.home_issuer.as_deref().filter(|_| user.is_guest())
            && !crate::b2b::cross_tenant::guest_may_enter(
                c,
                &self.tenant,
                &self.issuer,
                home,
                crate::tokens::context::sibling_slug(&self.public_url, home),
            )?
        {
            return refuse("cross-tenant access settings block the guest's organization");
        }
        Ok(user)
    }

    /// The scope of this response: the grant's, or a subset of it asked for.
    fn scope(&self, old: &RefreshToken) -> Result<ScopeSet, Stop> {
        let granted = ScopeSet::parse(&old.scope).map_err(StoreError::Corrupt)?;
        match &self.requested {
            Some(req) if !req.is_subset(&granted) => refuse("scope exceeds the original grant"),
            Some(req) => Ok(req.clone()),
            None => Ok(granted),
        }
    }
}
