//! The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A code is
//! single use: a replayed code is refused and revokes every token issued from
//! it (RFC 6749 §4.1.2, Security BCP §4.2.4).

use super::super::error::OAuthResult;
use super::issue::{self, TokenResponse, UserGrant};
use super::refusal::{Stop, invalid_grant, refuse, settle};
use crate::crypto::token_hash;
use crate::domain::{
    CodeChallenge, GrantType, RequestedClaims, Scope, ScopeSet, TenantId, verify_pkce,
};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, AuthCode, RefreshToken};
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError, now};
use crate::tokens::TenantContext;
use chrono::TimeDelta;

/// Redeems `code`: uses it up (a replayed one revokes its grant), checks
/// client, redirect URI, PKCE, grant and user, then issues tokens.
pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    (code, redirect_uri, verifier): (&str, &str, Option<String>),
    audience: &str,
    dpop_jkt: Option<&str>,
) -> OAuthResult<TokenResponse> {
    let redemption = Redemption {
        tenant_id: ctx.tenant.id.clone(),
        client_id: client.client_id.clone(),
        wants_refresh: client.allows(GrantType::RefreshToken),
        hash: token_hash(code),
        redirect_uri: redirect_uri.to_owned(),
        verifier,
        refresh_lifetime: state.settings.lifetimes.refresh_token,
        refresh_jkt: super::dpop::refresh_binding(client, dpop_jkt),
        proof_jkt: dpop_jkt.map(str::to_owned),
    };
    // A refusal still commits what it wrote (a replayed code's grant stays
    // revoked).
    let issued = invalid_grant(
        state
            .db
            .write(move |c| settle(redemption.redeem(c)))
            .await?,
    )?;
    let grant = UserGrant {
        user: &issued.user,
        scope: &issued.scope,
        grant_id: &issued.code.grant_id,
        auth_time: issued.code.auth_time,
        amr: &issued.code.amr,
        nonce: issued.code.nonce.as_deref(),
        session_id: issued.session_id.as_deref(),
        audience,
        dpop_jkt,
        claims: &issued.claims,
    };
    issue::user_tokens(state, ctx, client, &grant, issued.refresh)
}

/// One code redemption with what its transaction needs, owned: it runs on
/// the blocking pool.
struct Redemption {
    tenant_id: TenantId,
    client_id: String,
    /// The client may use refresh tokens.
    wants_refresh: bool,
    /// The hash of the presented code.
    hash: String,
    redirect_uri: String,
    verifier: Option<String>,
    refresh_lifetime: TimeDelta,
    /// The DPoP key a public client's refresh token is bound to.
    refresh_jkt: Option<String>,
    /// The key of this request's DPoP proof, if any.
    proof_jkt: Option<String>,
}

/// A redeemed code: the code, its user, its scope, a refresh token if one
/// was minted, and its session.
struct Issued {
    code: AuthCode,
    user: User,
    scope: ScopeSet,
    refresh: Option<String>,
    /// The session the code was issued in: the ID token's `sid`.
    session_id: Option<String>,
    /// The claims the request asked for by name (kept with the grant).
    claims: RequestedClaims,
}

impl Redemption {
    fn redeem(&self, c: &mut DbConn) -> Result<Issued, Stop> {
        let code = self.take(c)?;
        self.check_pkce(&code)?;
        self.check_dpop_key(&code)?;
        if !codes::grant_is_live(c, &self.tenant_id, &code.grant_id)? {
            return refuse("grant revoked");
        }
        let user = match store::users::find(c, &self.tenant_id, &code.user_id)? {
            Some(u) if u.is_usable() => u,
            _ => return refuse("user missing, blocked or expired"),
        };
        let scope = ScopeSet::parse(&code.scope).map_err(StoreError::Corrupt)?;
        let refresh = self.refresh_token(c, &code, &user, &scope)?;
        let session_id = codes::grant_session(c, &self.tenant_id, &code.grant_id)?;
        let claims = codes::grant_claims(c, &self.tenant_id, &code.grant_id)?;
        Ok(Issued {
            code,
            user,
            scope,
            refresh,
            session_id,
            claims,
        })
    }

    /// The presented code, used up: it must be unused (a replayed one
    /// revokes its grant), this client's, unexpired, for this redirect URI.
    fn take(&self, c: &mut DbConn) -> Result<AuthCode, Stop> {
        let Some(code) = codes::find_code(c, &self.tenant_id, &self.hash)? else {
            return refuse("unknown code");
        };
        if !codes::consume_code(c, &self.tenant_id, &self.hash)? {
            codes::revoke_grant(c, &self.tenant_id, &code.grant_id)?;
            return refuse(format!("code replayed; grant {} revoked", code.grant_id));
        }
        if code.client_id != self.client_id {
            return refuse("code was issued to another client");
        }
        if code.expires_at <= now() {
            return refuse("code expired");
        }
        if code.redirect_uri != self.redirect_uri {
            return refuse("redirect_uri does not match");
        }
        Ok(code)
    }

    /// A code with a challenge needs its verifier; one without takes none
    /// (RFC 7636 §4.6).
    fn check_pkce(&self, code: &AuthCode) -> Result<(), Stop> {
        match (&code.code_challenge, &self.verifier) {
            (Some(challenge), Some(v))
                if verify_pkce(&CodeChallenge::from_stored(challenge.clone()), v) =>
            {
                Ok(())
            }
            (None, None) => Ok(()),
            _ => refuse("PKCE verification failed"),
        }
    }

    /// A code bound at `/authorize` (`dpop_jkt`, RFC 9449 §10) needs a
    /// proof of that key.
    fn check_dpop_key(&self, code: &AuthCode) -> Result<(), Stop> {
        match &code.dpop_jkt {
            Some(bound) if self.proof_jkt.as_ref() != Some(bound) => {
                refuse("code bound to another DPoP key, or no proof")
            }
            _ => Ok(()),
        }
    }

    /// A new refresh token family, if the client may refresh and the user
    /// granted `offline_access`.
    fn refresh_token(
        &self,
        c: &mut DbConn,
        code: &AuthCode,
        user: &User,
        scope: &ScopeSet,
    ) -> Result<Option<String>, Stop> {
        if !(self.wants_refresh && scope.contains(Scope::OfflineAccess)) {
            return Ok(None);
        }
        let (refresh_token, mut row) = RefreshToken::mint(
            &self.tenant_id,
            &code.grant_id,
            &code.client_id,
            &user.id,
            &code.scope,
            code.auth_time,
            &code.amr,
            self.refresh_lifetime,
        );
        row.dpop_jkt = self.refresh_jkt.clone();
        codes::save_refresh(c, &row)?;
        Ok(Some(refresh_token))
    }
}
