//! The console's invitations: the invite form, the invitations this person
//! may see, resend and revoke (DESIGN.md §4), through the same
//! `b2b::invitation` rules as the API and the CLI.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ActionForm;
use super::auth::{PortalUser, form_caller};
use super::frame::{Console, Frame, Section, back_to};
use super::overview::NoticeQuery;
use crate::b2b::invitation::{self, InviteError, InviteRequest, Invited, Target};
use crate::b2b::removal;
use crate::domain::EffectiveStatus;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
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

struct InvitationRow {
    id: String,
    email: String,
    status: &'static str,
    pending: bool,
    inviter: String,
    expires: String,
    manageable: bool,
}

#[derive(Template)]
#[template(path = "console/invitations.html")]
struct InvitationsPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    may_invite: bool,
    new_link: Option<&'a str>,
    groups: Vec<String>,
    apps: Vec<(String, String)>,
    invitations: Vec<InvitationRow>,
}

pub async fn get_invitations(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Invitations, notice).await? {
        Ok(console) => invitations_page(&state, &console, None, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn invitations_page(
    state: &AppState,
    console: &Console,
    new_link: Option<&str>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let (policy, groups, apps, invitations) = state
        .db
        .read(move |c| {
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::groups::list(c, &tenant_id)?,
                store::apps::list(c, &tenant_id)?,
                store::invitations::list(c, &tenant_id)?,
            ))
        })
        .await?;
    let user = &console.user;
    // Only those who may grant a group or app are offered it as a target.
    let may_grant = user.inviter.may_grant_access();
    let page = InvitationsPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        may_invite: policy.may_invite(&user.inviter),
        new_link,
        groups: match may_grant {
            true => groups.into_iter().map(|g| g.name).collect(),
            false => Vec::new(),
        },
        apps: match may_grant {
            true => apps.into_iter().map(|a| (a.client_id, a.name)).collect(),
            false => Vec::new(),
        },
        invitations: invitation_rows(user, &invitations),
    };
    Ok(console.render(status, &page))
}

/// The invitations this person may see: all for administrators, else their own.
fn invitation_rows(user: &PortalUser, invitations: &[Invitation]) -> Vec<InvitationRow> {
    let actor = user.inviter.actor();
    invitations
        .iter()
        .filter(|i| user.is_admin || i.invited_by == actor)
        .map(|i| {
            let status = i.effective_status();
            InvitationRow {
                id: i.id.clone(),
                email: i.email.clone(),
                status: status_label(status),
                pending: status == EffectiveStatus::Pending,
                inviter: i.inviter_name.clone(),
                expires: i.expires_at.format("%Y-%m-%d").to_string(),
                manageable: user.is_admin || i.invited_by == actor,
            }
        })
        .collect()
}

fn status_label(status: EffectiveStatus) -> &'static str {
    match status {
        EffectiveStatus::Pending => "Pending",
        EffectiveStatus::Redeemed => "Accepted",
        EffectiveStatus::Revoked => "Revoked",
        EffectiveStatus::Expired => "Expired",
    }
}

pub async fn post_invite(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<InviteForm>,
) -> PageResult<HttpResponse> {
    let section = Section::Invitations;
    let mut console =
        match Console::open_form(&state, &path, &req, section, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let request = form.into_inner().request();
    let ctx = console.ctx.clone();
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        console.user.inviter.clone(),
        state.settings.invitation_lifetime,
    );
    let result = state
        .db
        .write_as(move |c| invitation::invite(c, &tenant, &issuer, &inviter, &request, lifetime))
        .await;
    let (notice, link, status) = invite_outcome(&ctx.tenant.display_name, result)?;
    match status {
        StatusCode::OK => console.say(notice),
        _ => console.refuse(notice),
    }
    invitations_page(&state, &console, link.as_deref(), status).await
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
    Ok(back_to(&ctx, Section::Invitations, notice))
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
