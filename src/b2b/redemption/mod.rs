//! Invitation redemption (DESIGN.md §5 "Redeem"). Opening the link only shows
//! it (mail scanners open links); completing the home sign-in redeems it, once,
//! atomically, and only for the invited address.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::home::{self, Home, Purpose, Upstream};
use crate::browser::csrf;
use crate::crypto::token_hash;
use crate::domain::{EffectiveStatus, Email, TargetKind};
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
use crate::tokens::TenantContext;

mod redeem;
pub use redeem::{Refusal, complete, refusal_page};

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage<'a> {
    tenant_name: &'a str,
    inviter: &'a str,
    email: &'a str,
    target: Option<String>,
    message: Option<&'a str>,
    home_name: String,
    home_step: usize,
    by_passcode: bool,
    order: &'a [&'a str],
    action: String,
    csrf_token: &'a str,
    expires: String,
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf_token: String,
}

fn notice(
    ctx: &TenantContext,
    status: StatusCode,
    title: &'static str,
    message: &str,
) -> PageError {
    PageError::new(status, &ctx.tenant.display_name, title, message)
}

/// The invitation behind a link, if it can still be redeemed; otherwise the
/// page that says why.
async fn pending_invitation(
    state: &AppState,
    ctx: &TenantContext,
    token: &str,
) -> PageResult<Invitation> {
    let (tenant_id, hash) = (ctx.tenant.id.clone(), token_hash(token));
    let invitation = state
        .db
        .read(move |c| store::invitations::find_by_token_hash(c, &tenant_id, &hash))
        .await?
        .ok_or_else(|| {
            notice(ctx, StatusCode::NOT_FOUND, "Invitation not found", "This invitation link is not valid. Check that you opened the whole link from your email.")
        })?;
    match invitation.effective_status() {
        EffectiveStatus::Pending => Ok(invitation),
        EffectiveStatus::Redeemed => Err(notice(
            ctx,
            StatusCode::GONE,
            "Invitation already accepted",
            "This invitation has already been used. If it was you, sign in to the application you were invited to.",
        )),
        EffectiveStatus::Revoked => Err(notice(
            ctx,
            StatusCode::GONE,
            "Invitation withdrawn",
            "This invitation was withdrawn by the organization that sent it.",
        )),
        EffectiveStatus::Expired => Err(notice(
            ctx,
            StatusCode::GONE,
            "Invitation expired",
            &format!(
                "This invitation has expired. Ask {} to send it again.",
                invitation.inviter_name
            ),
        )),
    }
}

/// Where the invited address's identity lives (the redemption order), or the
/// page that says no step applies.
async fn home_of(state: &AppState, ctx: &TenantContext, email: &str) -> PageResult<Home> {
    let email = Email::parse(email).map_err(|e| PageError::server(&ctx.tenant.display_name, e))?;
    home::resolve(state, ctx, email.domain())
        .await?
        .ok_or_else(|| {
            notice(
                ctx,
                StatusCode::CONFLICT,
                "No sign-in available",
                &format!(
                    "There is no organization or identity provider here that manages {} accounts, and passcodes by email are turned off, so this invitation cannot be accepted yet. Ask the person who invited you for help.",
                    email.domain()
                ),
            )
        })
}

pub async fn get_invite(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let (slug, token) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    let invitation = pending_invitation(&state, &ctx, &token).await?;
    let home = home_of(&state, &ctx, &invitation.email).await?;
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (csrf_token, cookie) = csrf::token(&req, &base, state.settings.secure_cookies());
    let page = InvitePage {
        tenant_name: &ctx.tenant.display_name,
        inviter: &invitation.inviter_name,
        email: &invitation.email,
        target: match (invitation.target_kind, &invitation.target_name) {
            (TargetKind::Group, Some(n)) => Some(format!("the group {n}")),
            (TargetKind::App, Some(n)) => Some(format!("the application {n}")),
            (TargetKind::Tenant, _) | (TargetKind::Group | TargetKind::App, None) => None,
        },
        message: invitation.message.as_deref(),
        home_name: home.display_name(),
        home_step: home.order(),
        by_passcode: matches!(home, Home::Passcode),
        order: &home::REDEMPTION_ORDER,
        action: format!("{base}{}", routes::INVITE.replace("{token}", &token)),
        csrf_token: &csrf_token,
        expires: invitation.expires_at.format("%Y-%m-%d %H:%M").to_string(),
    };
    Ok(render(StatusCode::OK, &page, cookie.into_iter().collect()))
}

/// "Continue with …": sends the browser to the home to prove who it is.
pub async fn post_invite(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<InviteForm>,
) -> PageResult<HttpResponse> {
    let (slug, token) = path.into_inner();
    let ctx = tenant_page(&state.tenants, &slug).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    let invitation = pending_invitation(&state, &ctx, &token).await?;
    let home = home_of(&state, &ctx, &invitation.email).await?;
    let Some(upstream) = Upstream::for_home(&state, &ctx, &home) else {
        // The passcode goes to the invited address, never to one from the form.
        return super::passcode::send(
            &state,
            &ctx,
            &req,
            &invitation.email,
            super::passcode::For::Redeem {
                invitation_id: invitation.id.clone(),
            },
        )
        .await;
    };
    let upstream = upstream.map_err(|e| super::callback::home_error_page(&ctx, &e))?;
    let (url, cookie) = home::start(
        &state,
        &ctx,
        &upstream,
        Purpose::Redeem {
            invitation_id: invitation.id.clone(),
        },
        Some(&invitation.email),
        None,
    )
    .await
    .map_err(|e| super::callback::home_error_page(&ctx, &e))?;
    Ok(see_other(&url, vec![cookie]))
}
