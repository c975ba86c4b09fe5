//! `/callback/home`: where a guest's home returns the browser (this tenant as
//! a relying party), for redemption or for sign-in to one of this tenant's apps.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::home::{self, HomeError, HomeIdentity};
use super::{mfa_trust, redemption};
use crate::browser::session;
use crate::domain::{AuditAction, ExternalState, FlowPurpose, IdpRole};
use crate::pages::{PageError, PageResult, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, now};
use crate::tokens::TenantContext;

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub fn home_error_page(ctx: &TenantContext, e: &HomeError) -> PageError {
    let name = &ctx.tenant.display_name;
    match e {
        HomeError::Unreachable(_) | HomeError::BadAnswer(_) => PageError::new(
            StatusCode::BAD_GATEWAY,
            name,
            "Your organization is not answering",
            "The sign-in service of your organization could not be reached. Try again in a few minutes.",
        ),
        HomeError::Denied(_) => PageError::new(
            StatusCode::FORBIDDEN,
            name,
            "Sign-in not completed",
            "Your organization's sign-in could not be verified. Nothing was changed. Start again from the link or the application.",
        ),
        HomeError::UnknownFlow(_) => PageError::new(
            StatusCode::BAD_REQUEST,
            name,
            "Sign-in expired",
            "This sign-in was already completed, has expired, or was started in another browser. Start again from the link or the application.",
        ),
        HomeError::Misconfigured(_) => PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            name,
            "Sign-in is not set up correctly",
            "The sign-in service for your organization is not configured correctly here. Ask the person who invited you to contact their administrator.",
        ),
        HomeError::Store(_) => PageError::server(name, ""),
    }
    .detail(e.to_string())
}

pub async fn get_home_callback(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let query = query.into_inner();
    let (Some(code), Some(flow_state)) = (query.code, query.state) else {
        let detail = query.error.unwrap_or_else(|| "missing code".into());
        return Err(home_error_page(&ctx, &HomeError::Denied(detail)));
    };
    let (flow, identity) = home::finish(&state, &ctx, &req, &flow_state, &code)
        .await
        .map_err(|e| home_error_page(&ctx, &e))?;
    let clear_flow = {
        let mut c = actix_web::cookie::Cookie::build(home::FLOW_COOKIE, "")
            .path(routes::tenant_path(&ctx.tenant.slug))
            .finish();
        c.make_removal();
        c
    };
    let next = match (flow.purpose, flow.invitation_id, flow.auth_request_id) {
        (FlowPurpose::Federated, _, Some(auth_request_id)) => Next::Member { auth_request_id },
        (FlowPurpose::Redeem, Some(invitation_id), _) => Next::Redeem { invitation_id },
        (FlowPurpose::SignIn, _, Some(auth_request_id)) => Next::SignIn { auth_request_id },
        (FlowPurpose::Federated | FlowPurpose::Redeem | FlowPurpose::SignIn, _, _) => {
            return Err(home_error_page(
                &ctx,
                &HomeError::UnknownFlow("flow without purpose".into()),
            ));
        }
    };
    complete(&state, &ctx, next, &identity, clear_flow).await
}

/// What a proven identity is used for.
pub enum Next {
    Redeem { invitation_id: String },
    SignIn { auth_request_id: String },
    Member { auth_request_id: String },
}

/// Finishes a home sign-in (by OIDC or by passcode): redeems the invitation
/// or signs the guest in, and continues where the browser was going.
pub async fn complete(
    state: &AppState,
    ctx: &TenantContext,
    next: Next,
    identity: &HomeIdentity,
    clear: actix_web::cookie::Cookie<'static>,
) -> PageResult<HttpResponse> {
    match next {
        Next::Redeem { invitation_id } => {
            let (invitation, guest) = redemption::complete(state, ctx, &invitation_id, identity)
                .await?
                .map_err(|r| redemption::refusal_page(ctx, &r))?;
            let amr = mfa_trust::session_amr(state, ctx, identity, IdpRole::Guests).await?;
            let (_, cookie) = session::start(state, ctx, &guest.id, &amr).await?;
            let next = invitation.redirect_url.unwrap_or_else(|| {
                format!(
                    "{}{}",
                    routes::tenant_path(&ctx.tenant.slug),
                    routes::MY_APPS
                )
            });
            Ok(see_other(&next, vec![cookie, clear]))
        }
        Next::SignIn { auth_request_id } => {
            let guest = guest_for(state, ctx, identity).await?;
            let amr = mfa_trust::session_amr(state, ctx, identity, IdpRole::Guests).await?;
            let (_, cookie) = session::start(state, ctx, &guest.id, &amr).await?;
            Ok(see_other(
                &continue_url(ctx, &auth_request_id),
                vec![cookie, clear],
            ))
        }
        Next::Member { auth_request_id } => {
            let member = super::federation::provision(state, ctx, identity).await?;
            let amr = mfa_trust::session_amr(state, ctx, identity, IdpRole::Upstream).await?;
            let (_, cookie) = session::start(state, ctx, &member.id, &amr).await?;
            Ok(see_other(
                &continue_url(ctx, &auth_request_id),
                vec![cookie, clear],
            ))
        }
    }
}

fn continue_url(ctx: &TenantContext, auth_request_id: &str) -> String {
    routes::request_step(
        &ctx.tenant.slug,
        routes::AUTHORIZE_CONTINUE,
        auth_request_id,
    )
}

/// The accepted, active guest linked to this home identity, or a refusal page
/// (audited). This is where a guest learns their state (pending, blocked,
/// expired, no guest): only after their home proved who they are.
async fn guest_for(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<User> {
    let (guest, inbound_ok) = linked_guest(state, ctx, identity).await?;
    // Not linked to this identity: a guest invited at the proven address who
    // has not redeemed yet is told so.
    let guest = match guest {
        Some(g) => Some(g),
        None => unredeemed_guest(state, ctx, identity).await?,
    };
    if let Some(refusal) = refusal(state, ctx, identity, guest.as_ref(), inbound_ok).await? {
        return Err(refuse(state, ctx, identity, refusal).await?);
    }
    guest.ok_or_else(|| PageError::server(&ctx.tenant.display_name, "guest vanished"))
}

/// The guest linked to this home identity, if any, and whether this tenant
/// still accepts guests from that home (inbound cross-tenant settings).
async fn linked_guest(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<(Option<User>, bool)> {
    let (tenant_id, issuer, subject) = (
        ctx.tenant.id.clone(),
        identity.issuer.clone(),
        identity.subject.clone(),
    );
    let slug = state.tenants.slug_of_issuer(&issuer).map(str::to_owned);
    Ok(state
        .db
        .read(move |c| {
            let guest = store::users::find_by_home(c, &tenant_id, &issuer, &subject)?;
            let inbound_ok = store::cross_tenant::get(c, &tenant_id)?
                .inbound
                .allows(&issuer, slug.as_deref());
            Ok((guest, inbound_ok))
        })
        .await?)
}

/// Why a guest may not sign in: the reason audited, and the page's title
/// and message.
struct Refusal {
    reason: &'static str,
    title: &'static str,
    message: String,
}

/// The first reason the guest may not sign in, if any: their organization is
/// blocked, there is no guest, or the guest is blocked, not yet accepted or
/// expired.
async fn refusal(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
    guest: Option<&User>,
    inbound_ok: bool,
) -> PageResult<Option<Refusal>> {
    let name = &ctx.tenant.display_name;
    let (reason, title, message) = match guest {
        _ if !inbound_ok => (
            "inbound blocked",
            "No access",
            format!("{name} no longer accepts guests from your organization."),
        ),
        None => (
            "no guest",
            "No access",
            no_guest_message(state, ctx, identity).await?,
        ),
        Some(g) if !g.is_active() => (
            "blocked",
            "Access removed",
            format!("Your access to {name} has been removed. Contact the person who invited you."),
        ),
        Some(g) if g.external_state != Some(ExternalState::Accepted) => (
            "pending",
            "Invitation not accepted",
            "Your invitation has not been accepted yet. Open the link in your invitation email first.".to_owned(),
        ),
        Some(g) if g.access_expires_at.is_some_and(|t| t <= now()) => (
            "expired",
            "Access expired",
            format!("Your guest access to {name} has expired. Contact the person who invited you."),
        ),
        Some(_) => return Ok(None),
    };
    Ok(Some(Refusal {
        reason,
        title,
        message,
    }))
}

/// Audits and counts the refusal, and gives the page that says it.
async fn refuse(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
    refusal: Refusal,
) -> PageResult<PageError> {
    let who = format!("{} {}", identity.issuer, identity.subject);
    let (action, detail) = (AuditAction::SignInRefused, Some(refusal.reason));
    state
        .db
        .audit(&ctx.tenant.id, &who, action, None, detail)
        .await?;
    state
        .metrics
        .sign_in_failures
        .with_label_values(&["guest_refused"])
        .inc();
    let name = &ctx.tenant.display_name;
    Ok(PageError::new(
        StatusCode::FORBIDDEN,
        name,
        refusal.title,
        &refusal.message,
    ))
}

/// The guest invited at the identity's address who has not redeemed yet,
/// when the identity comes from the home that address redeems with (so a
/// provider cannot learn about addresses it does not answer for).
async fn unredeemed_guest(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<Option<User>> {
    let Some(email) = identity
        .email
        .as_deref()
        .and_then(|e| crate::domain::Email::parse(e).ok())
    else {
        return Ok(None);
    };
    let authoritative = match home::resolve(state, ctx, email.domain()).await? {
        Some(home::Home::Tenant(t)) => state.tenants.issuer_for(&t.slug) == identity.issuer,
        Some(home::Home::External(idp)) => idp.issuer == identity.issuer,
        Some(home::Home::Passcode) => identity.issuer == home::MAIL_IDP,
        None => false,
    };
    if !authoritative {
        return Ok(None);
    }
    let guest = state
        .db
        .user_by_email(&ctx.tenant.id, email.as_str())
        .await?;
    Ok(guest.filter(|g| {
        g.is_guest() && g.home_issuer.is_none() && g.external_state != Some(ExternalState::Accepted)
    }))
}

/// "You signed in as … at …, and that account has no access to …".
async fn no_guest_message(
    state: &AppState,
    ctx: &TenantContext,
    identity: &HomeIdentity,
) -> PageResult<String> {
    let name = &ctx.tenant.display_name;
    let who = identity
        .email
        .clone()
        .map(|e| format!("You signed in as {e}"))
        .unwrap_or_else(|| "You signed in".to_owned());
    let at = match home::of_guest(state, ctx, &identity.issuer).await? {
        Some(home @ (home::Home::Tenant(_) | home::Home::External(_))) => {
            format!(" at {}", home.display_name())
        }
        _ => String::new(),
    };
    Ok(format!(
        "{who}{at}, and that account has no access to {name}. Ask someone at {name} to invite you."
    ))
}
