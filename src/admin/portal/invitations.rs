//! The console's invitations: the invite form, the invitations this person
//! may see (filtered, a page at a time), resend and revoke after confirming
//! (DESIGN.md §4), through the same `b2b::invitation` rules as the API and
//! the CLI.

mod filters;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ActionForm;
use super::auth::PortalUser;
use super::frame::{Confirm, Console, Frame, Section, back_to, when};
use crate::b2b::invitation::{self, InviteError, InviteRequest, Invited, Target};
use crate::b2b::removal;
use crate::domain::{EffectiveStatus, TargetKind};
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
use crate::tokens::TenantContext;
use filters::{Choice, InvitationsQuery, PAGE_SIZE};

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
    target: String,
    inviter: String,
    sent: String,
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
    query: &'a InvitationsQuery,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    newer: Option<String>,
    older: Option<String>,
}

pub async fn get_invitations(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<InvitationsQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Invitations, notice).await? {
        Ok(console) => invitations_page(&state, console, &query, None, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// The list as the query asks; a query that cannot be read is said on the
/// page (400), with the form to correct it.
async fn invitations_page(
    state: &AppState,
    mut console: Console,
    query: &InvitationsQuery,
    new_link: Option<&str>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let (search, status) = match query.search() {
        Ok(search) => (Some(search), status),
        Err(problem) => {
            console.refuse(problem);
            (None, StatusCode::BAD_REQUEST)
        }
    };
    let tenant_id = console.ctx.tenant.id.clone();
    let user = &console.user;
    // Members see only the invitations they sent, on every page.
    let own = (!user.is_admin).then(|| user.inviter.actor());
    let (policy, groups, apps, (found, page)) = state
        .db
        .read(move |c| {
            let found = match search {
                None => (Vec::new(), 1),
                Some((mut filter, page)) => {
                    filter.invited_by = own;
                    let offset = (page - 1) * PAGE_SIZE;
                    // One more than a page says whether an older page follows.
                    let found =
                        store::invitations::search(c, &tenant_id, &filter, offset, PAGE_SIZE + 1)?;
                    (found, page)
                }
            };
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::groups::list(c, &tenant_id)?,
                store::apps::list(c, &tenant_id)?,
                found,
            ))
        })
        .await?;
    let url = Section::Invitations.url(&console.ctx);
    let older = (found.len() as i64 > PAGE_SIZE).then(|| query.link(&url, page + 1));
    let newer = (page > 1).then(|| query.link(&url, page - 1));
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
        invitations: invitation_rows(user, &found, console.tenant_name()),
        query,
        statuses: query.statuses(),
        kinds: query.kinds(),
        newer,
        older,
    };
    Ok(console.render(status, &page))
}

/// The rows of one page (the store already kept a member to their own).
fn invitation_rows(
    user: &PortalUser,
    invitations: &[Invitation],
    tenant_name: &str,
) -> Vec<InvitationRow> {
    let actor = user.inviter.actor();
    invitations
        .iter()
        .take(PAGE_SIZE as usize)
        .filter(|i| user.is_admin || i.invited_by == actor)
        .map(|i| {
            let status = i.effective_status();
            let named = i.target_name.as_deref().or(i.target_id.as_deref());
            InvitationRow {
                id: i.id.clone(),
                email: i.email.clone(),
                status: status_label(status),
                pending: status == EffectiveStatus::Pending,
                target: match i.target_kind {
                    TargetKind::Tenant => tenant_name.to_owned(),
                    TargetKind::Group => format!("Group: {}", named.unwrap_or_default()),
                    TargetKind::App => format!("App: {}", named.unwrap_or_default()),
                },
                inviter: i.inviter_name.clone(),
                sent: when(&i.created_at),
                expires: when(&i.expires_at),
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
    let first_page = InvitationsQuery::default();
    invitations_page(&state, console, &first_page, link.as_deref(), status).await
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

/// Resend (one click) or revoke (after confirming) an invitation this
/// person may see: administrators any, members their own.
pub async fn post_invitation_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, action) = path.into_inner();
    let section = Section::Invitations;
    let console = match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (ctx, user) = (console.ctx.clone(), &console.user);
    let existing = check_visible(&state, &ctx, user, &id).await?;
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
        "revoke" if !form.confirmed() => {
            return Ok(console.confirm(&Confirm {
                question: format!("Revoke the invitation of {}?", existing.email),
                consequence: "Its link stops working at once. They can be invited again later."
                    .to_owned(),
                action: format!("{}/{id}/revoke", section.path()),
                button: "Revoke",
                cancel: section.url(&ctx),
            }));
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
    Ok(back_to(&ctx, section, notice))
}

/// The invitation, if this caller may act on it: administrators on any,
/// others on those they sent. Any other reads as not found.
async fn check_visible(
    state: &AppState,
    ctx: &TenantContext,
    user: &PortalUser,
    id: &str,
) -> PageResult<Invitation> {
    let (tenant_id, inv_id) = (ctx.tenant.id.clone(), id.to_owned());
    let existing = state
        .db
        .read(move |c| store::invitations::find(c, &tenant_id, &inv_id))
        .await?
        .ok_or_else(|| not_found(ctx))?;
    if !user.is_admin && existing.invited_by != user.inviter.actor() {
        return Err(not_found(ctx));
    }
    Ok(existing)
}

fn not_found(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        &ctx.tenant.display_name,
        "Not found",
        "There is no such invitation.",
    )
    .way("Back to the invitations", Section::Invitations.url(ctx))
}

fn not_possible(ctx: &TenantContext, e: &dyn ToString) -> PageError {
    PageError::new(
        StatusCode::CONFLICT,
        &ctx.tenant.display_name,
        "Not possible",
        &e.to_string(),
    )
    .way("Back to the invitations", Section::Invitations.url(ctx))
}
