//! The portal's invitation forms: invite a guest, resend or revoke an
//! invitation (DESIGN.md §4), through the same `b2b::invitation` rules as the
//! API and the CLI.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::{PortalUser, form_caller};
use super::dashboard::page;
use super::{ActionForm, back_to_admin};
use crate::b2b::invitation::{self, InviteError, InviteRequest, Invited, Target};
use crate::b2b::removal;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store;
use crate::tokens::TenantContext;

#[derive(Deserialize)]
pub struct InviteForm {
    csrf_token: String,
    email: String,
    target: String,
    redirect_url: Option<String>,
    message: Option<String>,
}

impl InviteForm {
    fn request(self) -> InviteRequest {
        let target = match self.target.split_once(':') {
            Some(("group", name)) => Target::Group(name.to_owned()),
            Some(("app", id)) => Target::App(id.to_owned()),
            _ => Target::Tenant,
        };
        InviteRequest {
            email: self.email,
            target,
            redirect_url: self.redirect_url.filter(|u| !u.trim().is_empty()),
            message: self.message,
        }
    }
}

pub async fn post_invite(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<InviteForm>,
) -> PageResult<HttpResponse> {
    let (ctx, user) = match form_caller(&state, &path, &req, &form.csrf_token).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let request = form.into_inner().request();
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        user.inviter.clone(),
        state.settings.invitation_lifetime,
    );
    let result = state
        .db
        .write_as(move |c| invitation::invite(c, &tenant, &issuer, &inviter, &request, lifetime))
        .await;
    let (notice, link, status) = invite_outcome(&ctx.tenant.display_name, result)?;
    page(
        &state,
        &ctx,
        &req,
        &user,
        Some(&notice),
        link.as_deref(),
        status,
    )
    .await
}

/// What the dashboard says after an invitation: sent, with its link, or what
/// was wrong with the form. A caller without the right gets a page of its own.
fn invite_outcome(
    tenant_name: &str,
    result: Result<Invited, InviteError>,
) -> PageResult<(String, Option<String>, StatusCode)> {
    match result {
        Ok(invited) => Ok((
            "Invitation sent.".to_owned(),
            Some(invited.redeem_url),
            StatusCode::OK,
        )),
        Err(InviteError::Store(e)) => Err(PageError::server(tenant_name, e.to_string())),
        Err(InviteError::Forbidden) => Err(forbidden(
            tenant_name,
            "Your account may not invite guests to this organization.",
        )),
        Err(InviteError::MayNotGrant) => Err(forbidden(
            tenant_name,
            "Only administrators may invite guests into a group or an application.",
        )),
        Err(e) => Ok((e.to_string(), None, StatusCode::BAD_REQUEST)),
    }
}

fn forbidden(tenant_name: &str, message: &str) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, tenant_name, "Not allowed", message)
}

pub async fn post_invitation_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, action) = path.into_inner();
    let (ctx, user) = match form_caller(&state, &slug, &req, &form.csrf_token).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    check_visible(&state, &ctx, &user, &id).await?;
    let notice = match action.as_str() {
        "resend" => {
            let (tenant, issuer, inviter, lifetime) = (
                ctx.tenant.clone(),
                ctx.issuer.clone(),
                user.inviter.clone(),
                state.settings.invitation_lifetime,
            );
            state
                .db
                .write_as(move |c| invitation::resend(c, &tenant, &issuer, &inviter, &id, lifetime))
                .await
                .map_err(|e| not_possible(&ctx, &e))?;
            "resent"
        }
        "revoke" => {
            let (tenant_id, actor) = (ctx.tenant.id.clone(), user.inviter.actor());
            state
                .db
                .write_as(move |c| removal::revoke_invitation(c, &tenant_id, &actor, &id))
                .await
                .map_err(|e| not_possible(&ctx, &e))?;
            "revoked"
        }
        _ => return Err(not_found(&ctx)),
    };
    Ok(back_to_admin(&ctx, notice))
}

/// Whether this caller may act on the invitation: administrators on any,
/// others on those they sent. Any other reads as not found.
async fn check_visible(
    state: &AppState,
    ctx: &TenantContext,
    user: &PortalUser,
    id: &str,
) -> PageResult<()> {
    let (tenant_id, inv_id) = (ctx.tenant.id.clone(), id.to_owned());
    let existing = state
        .db
        .read(move |c| store::invitations::find(c, &tenant_id, &inv_id))
        .await?
        .ok_or_else(|| not_found(ctx))?;
    if !user.is_admin && existing.invited_by != user.inviter.actor() {
        return Err(not_found(ctx));
    }
    Ok(())
}

fn not_found(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        &ctx.tenant.display_name,
        "Not found",
        "There is no such invitation.",
    )
}

fn not_possible(ctx: &TenantContext, e: &dyn ToString) -> PageError {
    PageError::new(
        StatusCode::CONFLICT,
        &ctx.tenant.display_name,
        "Not possible",
        &e.to_string(),
    )
}
