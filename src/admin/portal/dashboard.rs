//! The portal page itself (`GET /admin`): invitations, guests, and for
//! administrators the policy summary and the settings forms.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::{Access, PortalUser, portal_user};
use super::settings::SettingsView;
use crate::browser::csrf;
use crate::pages::tenant_page;
use crate::pages::{PageResult, render};
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
use crate::store::users::User;
use crate::tokens::TenantContext;

struct InvitationRow {
    id: String,
    email: String,
    status: String,
    inviter: String,
    expires: String,
    manageable: bool,
}

struct GuestRow {
    id: String,
    email: String,
    inviter: String,
    state: String,
    status: String,
    home: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    tenant_name: &'a str,
    base: String,
    user_email: &'a str,
    is_admin: bool,
    may_invite: bool,
    csrf_token: &'a str,
    notice: Option<&'a str>,
    new_link: Option<&'a str>,
    groups: Vec<String>,
    apps: Vec<(String, String)>,
    invitations: Vec<InvitationRow>,
    guests: Vec<GuestRow>,
    policy_summary: String,
    settings: SettingsView,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn get_admin(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let user = match portal_user(&state, &ctx, &req).await? {
        Access::SignedIn(u) => u,
        Access::SignIn(redirect) => return Ok(redirect),
    };
    let notice = query.notice.as_deref().map(|n| match n {
        "invited" => "Invitation sent.",
        "resent" => "Invitation sent again with a new link.",
        "revoked" => "Invitation revoked.",
        "blocked" => "Guest blocked: their sessions and tokens were revoked.",
        "unblocked" => "Guest unblocked.",
        "removed" => "Guest removed: their sessions and tokens were revoked.",
        "policy" => "Collaboration policy saved.",
        "cross_tenant" => "Cross-tenant access saved.",
        "auth_policy" => "Authentication policy saved.",
        "mfa_reset" => "Second factors reset: the user enrols again when next required.",
        _ => "Done.",
    });
    page(&state, &ctx, &req, &user, notice, None, StatusCode::OK).await
}

pub(super) async fn page(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    user: &PortalUser,
    notice: Option<&str>,
    new_link: Option<&str>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let tenant_id = ctx.tenant.id.clone();
    let (policy, groups, apps, invitations, guests, (access, idps, mfa_required)) = state
        .db
        .read(move |c| {
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::groups::list(c, &tenant_id)?,
                store::apps::list(c, &tenant_id)?,
                store::invitations::list(c, &tenant_id)?,
                store::users::list(c, &tenant_id, Some(crate::domain::UserType::Guest))?,
                (
                    store::cross_tenant::get(c, &tenant_id)?,
                    store::idps::list(c, &tenant_id)?,
                    store::auth_policy::get(c, &tenant_id)?,
                ),
            ))
        })
        .await?;
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
    let page = AdminPage {
        tenant_name: &ctx.tenant.display_name,
        base,
        user_email: &user.email,
        is_admin: user.is_admin,
        may_invite: policy.may_invite(&user.inviter),
        policy_summary: summarize(&policy),
        settings: SettingsView::new(ctx, &policy, &access, &idps, mfa_required),
        csrf_token: &token,
        notice,
        new_link,
        // Only those who may grant a group or app are offered it as a target.
        groups: match user.inviter.may_grant_access() {
            true => groups.into_iter().map(|g| g.name).collect(),
            false => Vec::new(),
        },
        apps: match user.inviter.may_grant_access() {
            true => apps.into_iter().map(|a| (a.client_id, a.name)).collect(),
            false => Vec::new(),
        },
        invitations: invitation_rows(user, &invitations),
        guests: guest_rows(guests, &invitations),
    };
    Ok(render(status, &page, cookie.into_iter().collect()))
}

/// The invitations this person may see: all for administrators, else their own.
fn invitation_rows(user: &PortalUser, invitations: &[Invitation]) -> Vec<InvitationRow> {
    let actor = user.inviter.actor();
    invitations
        .iter()
        .filter(|i| user.is_admin || i.invited_by == actor)
        .map(|i| InvitationRow {
            id: i.id.clone(),
            email: i.email.clone(),
            status: i.effective_status().as_str().to_owned(),
            inviter: i.inviter_name.clone(),
            expires: i.expires_at.format("%Y-%m-%d").to_string(),
            manageable: user.is_admin || i.invited_by == actor,
        })
        .collect()
}

fn guest_rows(guests: Vec<User>, invitations: &[Invitation]) -> Vec<GuestRow> {
    guests
        .into_iter()
        .map(|g| GuestRow {
            inviter: invitations
                .iter()
                .find(|i| i.guest_user_id == g.id)
                .map(|i| i.inviter_name.clone())
                .unwrap_or_else(|| "-".into()),
            status: g.access_state().to_owned(),
            id: g.id,
            email: g.email,
            state: g
                .external_state
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            home: match g.home_issuer.as_deref() {
                Some(crate::b2b::home::MAIL_IDP) => "one-time passcode by email".into(),
                Some(issuer) => issuer.to_owned(),
                None => "-".into(),
            },
        })
        .collect()
}

/// One line on the collaboration policy, for administrators.
fn summarize(policy: &crate::b2b::policy::Policy) -> String {
    use crate::b2b::policy::DomainMode;
    let who = serde_json::to_value(policy.who_can_invite)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default();
    let domains = match policy.domain_mode {
        DomainMode::None => "any domain".to_owned(),
        DomainMode::Allowlist => format!("only {}", policy.domains.join(", ")),
        DomainMode::Denylist => format!("any domain but {}", policy.domains.join(", ")),
    };
    let lifetime = policy
        .guest_lifetime_days
        .map(|d| format!("guest access ends {d} days after acceptance"))
        .unwrap_or_else(|| "guest access does not expire".into());
    format!("Who may invite: {who}; who may be invited: {domains}; {lifetime}.")
}
