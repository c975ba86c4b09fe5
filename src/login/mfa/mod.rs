//! Multi-factor sign-in (issue 12): who must use a second factor here, the
//! factors a user has, and completing a sign-in with one. The pages are
//! `pages` (the second-factor step), `enrol` (a first factor, when one is
//! required), `account` (the account-security page); the factors are
//! `totp` (RFC 6238) and `recovery` codes, checked in `check`.

pub mod account;
pub mod check;
pub mod enrol;
pub mod pages;
pub mod recovery;
pub mod totp;

use crate::domain::{Acr, Amr, AuthMethod, Demands, TenantId};
use crate::state::AppState;
use crate::store::sessions::Session;
use crate::store::users::User;
use crate::store::{self, DbConn, StoreResult};
use crate::tokens::TenantContext;

pub use crate::browser::session::SECOND_FACTOR_WINDOW;

/// Second-factor codes checked per account per minute. The step is only
/// reachable with the password already proven, so a stranger cannot use
/// up the owner's allowance.
pub const ATTEMPTS_PER_MINUTE: i32 = 5;

/// What stands between a user and a sign-in at `required`.
#[derive(Clone, Copy, Debug)]
pub struct Standing {
    pub demands: Demands,
    /// The strongest class the user's factors here can reach.
    pub reachable: Acr,
}

impl Standing {
    pub fn required(&self) -> Acr {
        self.demands.required_acr()
    }
}

/// The tenant's policy for this user and their factors; `app` and
/// `requested` come from the authorization request, when there is one.
pub fn standing(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user: &User,
    app: bool,
    requested: Option<Acr>,
) -> StoreResult<Standing> {
    let roles = store::users::roles(conn, tenant_id, &user.id)?;
    let is_admin = roles.contains(&crate::domain::Role::Admin);
    let policy = store::auth_policy::get(conn, tenant_id)?.applies_to(user.user_type, is_admin);
    let reachable = reachable(conn, tenant_id, &user.id)?;
    Ok(Standing {
        demands: Demands {
            policy,
            app,
            enrolled: reachable != Acr::SingleFactor,
            requested,
        },
        reachable,
    })
}

/// The strongest class the user's factors here reach: a passkey reaches
/// `phr` (a key bound to this origin), a TOTP authenticator two factors.
pub fn reachable(conn: &mut DbConn, tenant_id: &TenantId, user_id: &str) -> StoreResult<Acr> {
    if store::passkeys::count_for_user(conn, tenant_id, user_id)? > 0 {
        return Ok(Acr::PhishingResistant);
    }
    let totp = store::factors::totp(conn, tenant_id, user_id)?.is_some_and(|t| t.confirmed);
    Ok(if totp {
        Acr::MultiFactor
    } else {
        Acr::SingleFactor
    })
}

/// Whether a password sign-in of this user owes a second factor before it
/// is a session (the policy names them, or they have a factor).
pub fn owes_second_factor(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user: &User,
) -> StoreResult<bool> {
    let standing = standing(conn, tenant_id, user, false, None)?;
    Ok(standing.demands.policy || standing.demands.enrolled)
}

/// Whether `session` is as strong as the tenant's policy and the user's own
/// factors ask today (a policy made stricter after the sign-in is not).
pub fn meets_policy(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    user: &User,
    session: &Session,
) -> StoreResult<bool> {
    let required = standing(conn, tenant_id, user, false, None)?.required();
    let reached = Amr::parse(&session.amr).map_or(Acr::SingleFactor, |a| a.acr());
    Ok(reached.satisfies(required))
}

/// Whether the session's sign-in happened within the window.
pub fn recent(session: &Session) -> bool {
    store::now() - session.auth_time < SECOND_FACTOR_WINDOW
}

/// The session after a second factor (`methods`): its amr says so, its
/// authentication time is now, it is complete, and it gets a new token (a
/// token seen before the second factor is worth nothing after it); returns
/// the cookie carrying the new token.
pub async fn complete(
    state: &AppState,
    ctx: &TenantContext,
    session: &Session,
    methods: &[AuthMethod],
) -> StoreResult<actix_web::cookie::Cookie<'static>> {
    let amr = Amr::parse(&session.amr)
        .unwrap_or_default()
        .with_second_factor(methods)
        .to_text();
    let token = crate::crypto::random_token();
    let hash = crate::crypto::token_hash(&token);
    let (tenant_id, session_id) = (ctx.tenant.id.clone(), session.id.clone());
    let lifetime = state.settings.lifetimes.session;
    state
        .db
        .write(move |c| {
            store::sessions::complete_second_factor(
                c,
                &tenant_id,
                &session_id,
                &amr,
                lifetime,
                &hash,
            )
        })
        .await?;
    Ok(crate::browser::session::cookie(state, ctx, token))
}

/// The session of the request that may still owe its second factor, and
/// its user (usable); None when there is none.
pub async fn signing_in_user(
    state: &AppState,
    ctx: &TenantContext,
    req: &actix_web::HttpRequest,
) -> StoreResult<Option<(Session, User)>> {
    let Some(session) = crate::browser::session::signing_in(state, ctx, req).await? else {
        return Ok(None);
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), session.user_id.clone());
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &user_id))
        .await?;
    Ok(user.filter(User::is_usable).map(|u| (session, u)))
}

/// The strongest class `user_id`'s factors reach.
pub async fn reachable_of(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
) -> StoreResult<Acr> {
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), user_id.to_owned());
    state
        .db
        .read(move |c| reachable(c, &tenant_id, &user_id))
        .await
}
