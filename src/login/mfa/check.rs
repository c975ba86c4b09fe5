//! Checking a typed second-factor code, throttled per account: a TOTP code
//! (each time step accepted once) or an unused recovery code. Also the
//! enrolment steps the sign-in and account pages share.

use super::{ATTEMPTS_PER_MINUTE, recovery, totp};
use crate::crypto::Sealer;
use crate::domain::{AuthMethod, TenantId};
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::{self, DbConn, StoreError, StoreResult};
use crate::tokens::TenantContext;

/// What a typed code proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    Totp,
    RecoveryCode,
    /// Wrong, used before, or no such factor: one answer for all.
    Wrong,
    /// Too many codes for this account this minute; nothing was checked.
    Throttled,
}

impl Checked {
    /// The methods to add to the session's amr (RFC 8176 `otp` for both).
    pub fn methods(self) -> Option<&'static [AuthMethod]> {
        match self {
            Checked::Totp | Checked::RecoveryCode => Some(&[AuthMethod::Otp]),
            Checked::Wrong | Checked::Throttled => None,
        }
    }
}

/// Which authenticator a TOTP code is checked against.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The confirmed one (signing in); recovery codes are accepted too.
    Confirmed,
    /// The one being enrolled (its first code confirms it).
    Enrolling,
}

fn sealer(state: &AppState, ctx: &TenantContext) -> PageResult<Sealer> {
    state
        .settings
        .sealer
        .clone()
        .ok_or_else(|| PageError::server(&ctx.tenant.display_name, "no server secret key for TOTP"))
}

/// Checks `typed` for `user_id`, counting the attempt first: per hour in
/// memory (`Throttle::allow_second_factor`), per minute in the database
/// (shared by replicas).
pub async fn code(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    typed: &str,
    which: Which,
) -> PageResult<Checked> {
    let sealer = sealer(state, ctx)?;
    let checked = if state.throttle.allow_second_factor(&ctx.tenant.id, user_id) {
        counted(state, ctx, sealer, user_id, typed, which).await?
    } else {
        Checked::Throttled
    };
    let reason = match checked {
        Checked::Wrong => "second_factor",
        Checked::Throttled => "second_factor_throttled",
        Checked::Totp | Checked::RecoveryCode => return Ok(checked),
    };
    state
        .metrics
        .sign_in_failures
        .with_label_values(&[reason])
        .inc();
    Ok(checked)
}

/// The check itself, counted per minute in the database first.
async fn counted(
    state: &AppState,
    ctx: &TenantContext,
    sealer: Sealer,
    user_id: &str,
    typed: &str,
    which: Which,
) -> PageResult<Checked> {
    let (tenant_id, user_id, typed) = (ctx.tenant.id.clone(), user_id.to_owned(), typed.to_owned());
    Ok(state
        .db
        .write(move |c| {
            let account = format!("mfa:{user_id}");
            if !store::attempts::count(c, &tenant_id, &account, ATTEMPTS_PER_MINUTE)? {
                return Ok(Checked::Throttled);
            }
            if which == Which::Confirmed && recovery::looks_like(&typed) {
                let digest = recovery::digest(&user_id, &typed);
                let used = store::factors::use_recovery_code(c, &tenant_id, &user_id, &digest)?;
                return Ok(if used {
                    Checked::RecoveryCode
                } else {
                    Checked::Wrong
                });
            }
            check_totp(c, &sealer, &tenant_id, &user_id, &typed, which)
        })
        .await?)
}

fn check_totp(
    c: &mut DbConn,
    sealer: &Sealer,
    tenant_id: &TenantId,
    user_id: &str,
    typed: &str,
    which: Which,
) -> StoreResult<Checked> {
    let wanted = which == Which::Confirmed;
    let Some(row) = store::factors::totp(c, tenant_id, user_id)?.filter(|r| r.confirmed == wanted)
    else {
        return Ok(Checked::Wrong);
    };
    let secret = open_secret(sealer, &row)?;
    // The labels only name the account in the user's app; checking ignores them.
    let authenticator = totp::authenticator(&secret, "-", "-")
        .ok_or_else(|| StoreError::Corrupt("stored TOTP secret".into()))?;
    let Some(step) = totp::matching_step(&authenticator, typed, totp::unix_now()) else {
        return Ok(Checked::Wrong);
    };
    Ok(
        if store::factors::accept_totp_step(c, tenant_id, &row.id, step)? {
            Checked::Totp
        } else {
            Checked::Wrong
        },
    )
}

fn open_secret(sealer: &Sealer, row: &store::factors::TotpRow) -> StoreResult<String> {
    sealer
        .open(&row.id, &row.secret_sealed)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// An authenticator being enrolled, as the page shows it.
pub struct Enrolment {
    pub secret: String,
    pub qr: String,
    pub url: String,
}

/// The TOTP authenticator `user_id` is enrolling (the pending one, or a new
/// one); None when they already have a confirmed one.
pub async fn enrolment(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    account: &str,
) -> PageResult<Option<Enrolment>> {
    let sealer = sealer(state, ctx)?;
    let fresh = totp::new_secret();
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), user_id.to_owned());
    let secret = state
        .db
        .write(move |c| {
            let seal = |id: &str| sealer.seal(id, &fresh);
            match store::factors::begin_totp(c, &tenant_id, &user_id, seal)? {
                Some(row) => open_secret(&sealer, &row).map(Some),
                None => Ok(None),
            }
        })
        .await?;
    let Some(secret) = secret else {
        return Ok(None);
    };
    let authenticator = totp::authenticator(&secret, &ctx.tenant.display_name, account)
        .ok_or_else(|| PageError::server(&ctx.tenant.display_name, "TOTP label"))?;
    let url = totp::otpauth_url(&authenticator);
    let qr = totp::qr_data_url(&url)
        .ok_or_else(|| PageError::server(&ctx.tenant.display_name, "QR code"))?;
    Ok(Some(Enrolment { secret, qr, url }))
}

/// Ten new recovery codes for the user (the old ones stop working),
/// audited as `action`; the codes are shown once and never stored.
pub async fn new_recovery_codes(
    state: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    actor: &str,
    action: crate::domain::AuditAction,
) -> StoreResult<Vec<String>> {
    let codes = recovery::generate();
    let digests: Vec<String> = codes
        .iter()
        .map(|code| recovery::digest(user_id, code))
        .collect();
    let (tenant_id, user_id, actor) = (ctx.tenant.id.clone(), user_id.to_owned(), actor.to_owned());
    state
        .db
        .write(move |c| {
            store::factors::replace_recovery_codes(c, &tenant_id, &user_id, &digests)?;
            store::audit::record(c, &tenant_id, &actor, action, Some(&user_id), None)
        })
        .await?;
    Ok(codes)
}

/// Audits one event about the user's factors.
pub async fn audit(
    state: &AppState,
    ctx: &TenantContext,
    actor: &str,
    action: crate::domain::AuditAction,
    user_id: &str,
) -> StoreResult<()> {
    (state.db)
        .audit(&ctx.tenant.id, actor, action, Some(user_id), None)
        .await
}
