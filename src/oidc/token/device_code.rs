//! The device_code grant (RFC 8628 §3.4–3.5): the device polls with its
//! device code until the person decides. `authorization_pending` while they
//! have not, `slow_down` (and 5 s more on the interval) for polling faster
//! than the interval, `access_denied`, `expired_token`; once approved the
//! code is redeemed once for tokens like an authorization code's, and a
//! second redemption revokes them.

use super::super::error::{ErrorCode, OAuthError, OAuthResult};
use super::issue::{self, TokenResponse, UserGrant};
use crate::crypto::token_hash;
use crate::domain::{DeviceStatus, GrantType, RequestedClaims, Scope, ScopeSet, TenantId};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, RefreshToken};
use crate::store::device_codes::{self, DeviceCode};
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError, StoreResult, now};
use crate::tokens::TenantContext;
use chrono::TimeDelta;

/// RFC 8628 §3.5: each `slow_down` adds this to the interval.
const SLOW_DOWN_SECONDS: i64 = 5;

/// One poll of the token endpoint with `device_code`.
pub async fn exchange(
    state: &AppState,
    ctx: &TenantContext,
    client: &Client,
    device_code: &str,
    audience: &str,
    dpop_jkt: Option<&str>,
) -> OAuthResult<TokenResponse> {
    let poll = Poll {
        tenant_id: ctx.tenant.id.clone(),
        client_id: client.client_id.clone(),
        app_id: client.assignment_required.then(|| client.id.clone()),
        wants_refresh: client.allows(GrantType::RefreshToken),
        hash: token_hash(device_code),
        refresh_lifetime: state.settings.lifetimes.refresh_token,
        refresh_jkt: super::dpop::refresh_binding(client, dpop_jkt),
    };
    // A refusal still commits what it wrote: the time of the poll, a grown
    // interval, a used code's revoked grant.
    let issued = state
        .db
        .write(move |c| poll.run(c))
        .await?
        .map_err(|(code, detail)| OAuthError::new(code, detail))?;
    let grant = UserGrant {
        user: &issued.user,
        scope: &issued.scope,
        grant_id: &issued.grant_id,
        auth_time: issued.auth_time,
        amr: &issued.amr,
        nonce: None,
        session_id: issued.session_id.as_deref(),
        audience,
        dpop_jkt,
        claims: &issued.claims,
    };
    issue::user_tokens(state, ctx, client, &grant, issued.refresh)
}

/// A poll with what its transaction needs, owned: it runs on the blocking pool.
struct Poll {
    tenant_id: TenantId,
    client_id: String,
    /// The app's id when it admits only assigned users.
    app_id: Option<String>,
    wants_refresh: bool,
    hash: String,
    refresh_lifetime: TimeDelta,
    /// A public client's refresh token is bound to its DPoP key (RFC 9449 §5).
    refresh_jkt: Option<String>,
}

/// An approved code, redeemed.
struct Issued {
    user: User,
    scope: ScopeSet,
    grant_id: String,
    auth_time: chrono::NaiveDateTime,
    amr: String,
    refresh: Option<String>,
    /// The browser session the code was approved in: the ID token's `sid`.
    session_id: Option<String>,
    /// The claims kept with the grant (none from a device request; read as
    /// the other grants read them).
    claims: RequestedClaims,
}

/// A committed refusal: the error code the device hears, the detail for logs.
type Refusal = (ErrorCode, String);

fn refuse<T>(code: ErrorCode, detail: &str) -> StoreResult<Result<T, Refusal>> {
    Ok(Err((code, detail.to_owned())))
}

impl Poll {
    fn run(&self, c: &mut DbConn) -> StoreResult<Result<Issued, Refusal>> {
        let Some(device) = device_codes::find(c, &self.tenant_id, &self.hash)? else {
            return refuse(ErrorCode::InvalidGrant, "unknown device code");
        };
        if device.client_id != self.client_id {
            return refuse(ErrorCode::InvalidGrant, "device code of another client");
        }
        if device.expires_at <= now() {
            return refuse(ErrorCode::ExpiredToken, "device code expired");
        }
        match device.status {
            DeviceStatus::Pending => self.pending(c, &device),
            DeviceStatus::Denied => refuse(ErrorCode::AccessDenied, "the user denied the device"),
            DeviceStatus::Used => {
                if let Some(grant_id) = &device.grant_id {
                    codes::revoke_grant(c, &self.tenant_id, grant_id)?;
                }
                refuse(
                    ErrorCode::InvalidGrant,
                    "device code replayed; grant revoked",
                )
            }
            DeviceStatus::Approved => {
                let (approved, used) = (DeviceStatus::Approved, DeviceStatus::Used);
                if !device_codes::transition(c, &self.tenant_id, &self.hash, approved, used)? {
                    return refuse(ErrorCode::InvalidGrant, "device code redeemed concurrently");
                }
                self.redeem(c, device)
            }
        }
    }

    /// Still waiting: `slow_down` when this poll came sooner than the
    /// interval after the last, which then grows for good (§3.5).
    fn pending(&self, c: &mut DbConn, device: &DeviceCode) -> StoreResult<Result<Issued, Refusal>> {
        let interval = TimeDelta::seconds(device.interval_seconds);
        let too_soon = device
            .last_polled_at
            .is_some_and(|at| now() - at < interval);
        let next = device.interval_seconds + if too_soon { SLOW_DOWN_SECONDS } else { 0 };
        device_codes::polled(c, &self.tenant_id, &self.hash, next)?;
        if too_soon {
            return refuse(ErrorCode::SlowDown, "polled faster than the interval");
        }
        refuse(
            ErrorCode::AuthorizationPending,
            "the user has not decided yet",
        )
    }

    /// The approved grant's tokens, if the grant, the user and (where the
    /// app requires it) the user's assignment still stand.
    fn redeem(&self, c: &mut DbConn, device: DeviceCode) -> StoreResult<Result<Issued, Refusal>> {
        let (Some(user_id), Some(grant_id), Some(auth_time), Some(amr)) = (
            device.user_id,
            device.grant_id,
            device.auth_time,
            device.amr,
        ) else {
            return Err(StoreError::Corrupt(
                "approved device code without its approval".into(),
            ));
        };
        if !codes::grant_is_live(c, &self.tenant_id, &grant_id)? {
            return refuse(ErrorCode::InvalidGrant, "grant revoked");
        }
        let user = match store::users::find(c, &self.tenant_id, &user_id)? {
            Some(u) if u.is_usable() => u,
            _ => return refuse(ErrorCode::InvalidGrant, "user missing, blocked or expired"),
        };
        if let Some(app_id) = &self.app_id
            && !store::groups::is_assigned(c, &self.tenant_id, app_id, &user.id)?
        {
            return refuse(
                ErrorCode::InvalidGrant,
                "user no longer assigned to the app",
            );
        }
        let scope = ScopeSet::parse(&device.scope).map_err(StoreError::Corrupt)?;
        let refresh = (self.wants_refresh && scope.contains(Scope::OfflineAccess)).then(|| {
            RefreshToken::mint(
                &self.tenant_id,
                &grant_id,
                &self.client_id,
                &user.id,
                &device.scope,
                auth_time,
                &amr,
                self.refresh_lifetime,
            )
        });
        let refresh = match refresh {
            Some((token, mut row)) => {
                row.dpop_jkt = self.refresh_jkt.clone();
                codes::save_refresh(c, &row)?;
                Some(token)
            }
            None => None,
        };
        let session_id = codes::grant_session(c, &self.tenant_id, &grant_id)?;
        let claims = codes::grant_claims(c, &self.tenant_id, &grant_id)?;
        Ok(Ok(Issued {
            claims,
            user,
            scope,
            session_id,
            grant_id,
            auth_time,
            amr,
            refresh,
        }))
    }
}
