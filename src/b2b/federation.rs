//! Federated tenants (DESIGN.md §5 "Federated tenant"): every member sign-in
//! goes to one upstream OpenID provider (OIDC Core §3.1 via `home.rs`);
//! members are provisioned just in time from the upstream's claims and
//! updated on each sign-in. The tenant keeps no passwords and still issues
//! its own tokens. When the upstream fails, sign-in fails with a page that
//! offers the app a `temporarily_unavailable` error (RFC 6749 §4.1.2.1).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::home::{self, HomeError, HomeIdentity, Purpose, Upstream};
use crate::domain::ErrorCode;
use crate::domain::{AuditAction, AuthMode};
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::codes::AuthRequest;
use crate::store::users::{UpstreamProfile, User};
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;

fn unavailable(ctx: &TenantContext, ar: &AuthRequest, e: &HomeError) -> PageError {
    let back = ar.return_to(&ctx.issuer).ok().map(|back| {
        back.error_described(
            ErrorCode::TemporarilyUnavailable,
            "The organization's sign-in service is unavailable.",
        )
    });
    let name = &ctx.tenant.display_name;
    let (title, message) = match e {
        // E.g. the provider's endpoints are on hosts the server may not call.
        HomeError::Misconfigured(_) => (
            "Sign-in is not set up correctly",
            format!(
                "{name} signs everyone in through its identity provider, which is not configured correctly here. Nothing was changed. Ask your administrator."
            ),
        ),
        _ => (
            "Sign-in is unavailable",
            format!(
                "{name} signs everyone in through its identity provider, and it cannot be reached right now. Nothing was changed. Try again in a few minutes."
            ),
        ),
    };
    let page = PageError::new(StatusCode::SERVICE_UNAVAILABLE, name, title, &message)
        .detail(e.to_string());
    match back {
        Some(response) => page.back(response),
        None => page,
    }
}

/// For a federated tenant, the response that sends this sign-in upstream;
/// `None` for a tenant that signs its members in locally. Every login step
/// asks, so no local password is ever checked for a federated tenant.
pub async fn upstream_instead(
    state: &AppState,
    ctx: &TenantContext,
    ar: &AuthRequest,
) -> Option<PageResult<HttpResponse>> {
    match ctx.tenant.auth_mode {
        AuthMode::Federated => Some(sign_in(state, ctx, ar).await),
        AuthMode::Local => None,
    }
}

/// Sends a member's browser to the upstream for this authorization request.
pub async fn sign_in(
    state: &AppState,
    ctx: &TenantContext,
    ar: &AuthRequest,
) -> PageResult<HttpResponse> {
    let tenant_id = ctx.tenant.id.clone();
    let idp = state
        .db
        .read(move |c| store::idps::upstream(c, &tenant_id))
        .await?;
    let started = match idp {
        None => Err(HomeError::Misconfigured(
            "federated without an upstream".into(),
        )),
        Some(idp) => match Upstream::configured(state, &idp) {
            Ok(upstream) => {
                let acr = super::mfa_trust::acr_for_home(
                    state,
                    ctx,
                    ar,
                    &idp.issuer,
                    crate::domain::IdpRole::Upstream,
                )
                .await?;
                home::start(
                    state,
                    ctx,
                    &upstream,
                    Purpose::Federated {
                        auth_request_id: ar.id.clone(),
                    },
                    ar.login_hint.as_deref(),
                    acr,
                )
                .await
            }
            Err(e) => Err(e),
        },
    };
    match started {
        Ok((url, cookie)) => Ok(see_other(&url, vec![cookie])),
        Err(e) => {
            state
                .metrics
                .sign_in_failures
                .with_label_values(&["upstream_unavailable"])
                .inc();
            Err(unavailable(ctx, ar, &e))
        }
    }
}

/// The member behind an upstream identity, created or updated from its
/// claims in one transaction (nothing is written when anything is refused).
pub async fn provision(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<User> {
    let email = shared_email(ctx, identity)?;
    let user = match upsert_member(state, ctx, identity, email).await {
        Ok(user) => user,
        Err(StoreError::Conflict(why)) => return Err(account_conflict(ctx, why)),
        Err(e) => return Err(e.into()),
    };
    if !user.is_usable() {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "Account blocked",
            "Your account has been blocked here. Ask your administrator.",
        ));
    }
    Ok(user)
}

/// The email address the upstream shared; without one nobody is signed in.
fn shared_email(ctx: &TenantContext, identity: &HomeIdentity) -> PageResult<String> {
    identity.email.clone().ok_or_else(|| {
        PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "No email address",
            "Your organization's sign-in did not share a verified email address, so you cannot be signed in. Ask your administrator.",
        )
    })
}

/// Creates or updates the member from the upstream's claims and audits
/// which, in one transaction.
async fn upsert_member(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
    email: String,
) -> Result<User, StoreError> {
    let (tenant_id, issuer, subject) = (
        ctx.tenant.id.clone(),
        identity.issuer.clone(),
        identity.subject.clone(),
    );
    let display_name = identity.name.clone().unwrap_or_else(|| email.clone());
    state
        .db
        .write(move |c| {
            let (user, created) = store::users::upsert_federated(
                c,
                &tenant_id,
                UpstreamProfile {
                    issuer: &issuer,
                    subject: &subject,
                    email: &email,
                    display_name: &display_name,
                },
            )?;
            let action = if created {
                AuditAction::MemberProvisioned
            } else {
                AuditAction::MemberUpdatedFromUpstream
            };
            store::audit::record(
                c,
                &tenant_id,
                &format!("upstream:{issuer}"),
                action,
                Some(&user.id),
                Some(&email),
            )?;
            Ok::<_, StoreError>(user)
        })
        .await
}

/// Another account here already has the address: nothing changes.
fn account_conflict(ctx: &TenantContext, why: &str) -> PageError {
    PageError::new(
        StatusCode::CONFLICT,
        &ctx.tenant.display_name,
        "Account conflict",
        "Another account here already uses your email address. Nothing was changed. Ask your administrator.",
    )
    .detail(why)
}
