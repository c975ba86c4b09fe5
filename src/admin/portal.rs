//! The admin portal (askama pages, CSRF on every form): invite guests, see
//! invitations and guests, resend, revoke, block, unblock, remove. People sign
//! in through the tenant's own code flow with a built-in first-party client.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::b2b::invitation::{self, InviteError, InviteRequest, Inviter, Target};
use crate::b2b::removal::{self, RemovalError};
use crate::crypto::random_token;
use crate::login::pages::tenant_page;
use crate::login::{csrf, session};
use crate::oidc::routes;
use crate::pages::{PageError, PageResult, render, see_other};
use crate::state::AppState;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;

/// The portal's client id in every tenant (see `TenantDirectory::client`).
pub const PORTAL_CLIENT_ID: &str = "portico-portal";
pub const SIGNED_IN_PATH: &str = "/admin/signed-in";

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

/// What the settings forms and the sign-in section show (administrators).
struct SettingsView {
    who_can_invite: String,
    domain_mode: String,
    domains: String,
    guest_visibility: String,
    guest_lifetime_days: String,
    otp_enabled: bool,
    inbound_default: String,
    outbound_default: String,
    inbound_allow: String,
    inbound_block: String,
    outbound_allow: String,
    outbound_block: String,
    auth_mode: String,
    upstream: Option<String>,
    /// (name, issuer, domains, how its emails count as verified) of each
    /// guest identity provider.
    providers: Vec<(String, String, String, String)>,
    order: [&'static str; 3],
}

fn snake<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl SettingsView {
    fn new(
        ctx: &TenantContext,
        policy: &crate::b2b::policy::Policy,
        access: &crate::b2b::cross_tenant::CrossTenantAccess,
        idps: &[store::idps::IdentityProvider],
    ) -> SettingsView {
        use crate::b2b::cross_tenant::{Access, DirectionSettings};
        let listed = |d: &DirectionSettings, a: Access| {
            d.partners
                .iter()
                .filter(|(_, v)| **v == a)
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        SettingsView {
            who_can_invite: snake(&policy.who_can_invite),
            domain_mode: snake(&policy.domain_mode),
            domains: policy.domains.join(", "),
            guest_visibility: snake(&policy.guest_visibility),
            guest_lifetime_days: policy
                .guest_lifetime_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            otp_enabled: policy.otp_enabled,
            inbound_default: snake(&access.inbound.default),
            outbound_default: snake(&access.outbound.default),
            inbound_allow: listed(&access.inbound, Access::Allow),
            inbound_block: listed(&access.inbound, Access::Block),
            outbound_allow: listed(&access.outbound, Access::Allow),
            outbound_block: listed(&access.outbound, Access::Block),
            auth_mode: ctx.tenant.auth_mode.clone(),
            upstream: idps
                .iter()
                .find(|i| i.role == store::idps::ROLE_UPSTREAM)
                .map(|i| format!("{} ({}; {})", i.display_name, i.issuer, email_trust(i))),
            providers: idps
                .iter()
                .filter(|i| i.role == store::idps::ROLE_GUESTS)
                .map(|i| {
                    (
                        i.display_name.clone(),
                        i.issuer.clone(),
                        i.domain_list().collect::<Vec<_>>().join(", "),
                        email_trust(i),
                    )
                })
                .collect(),
            order: crate::b2b::home::REDEMPTION_ORDER,
        }
    }
}

/// How a provider's emails count as verified, as the portal says it.
fn email_trust(idp: &store::idps::IdentityProvider) -> String {
    if idp.email_verified_trusted {
        format!(
            "emails from the {} claim are trusted as verified (administrator setting)",
            idp.email_claim
        )
    } else {
        format!(
            "emails from the {} claim only when the provider marks them verified",
            idp.email_claim
        )
    }
}

/// The signed-in person, with what the portal lets them do.
pub(super) struct PortalUser {
    pub(super) inviter: Inviter,
    pub(super) email: String,
    pub(super) is_admin: bool,
}

enum Access {
    SignedIn(PortalUser),
    SignIn(HttpResponse),
}

async fn portal_user(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> PageResult<Access> {
    let Some(sess) = session::current(state, ctx, req).await? else {
        return Ok(Access::SignIn(sign_in_redirect(ctx)));
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let (user, roles) = state
        .db
        .read(move |c| {
            Ok((
                store::users::find(c, &tenant_id, &user_id)?,
                store::users::roles(c, &tenant_id, &user_id)?,
            ))
        })
        .await?;
    let Some(user) = user.filter(|u| u.is_usable()) else {
        return Ok(Access::SignIn(sign_in_redirect(ctx)));
    };
    let is_admin = roles.iter().any(|r| r == "admin");
    Ok(Access::SignedIn(PortalUser {
        email: user.email.clone(),
        is_admin,
        inviter: Inviter::User {
            id: user.id.clone(),
            name: user.display_name.clone(),
            roles,
            is_guest: user.user_type == "guest",
        },
    }))
}

/// An ordinary code flow for the portal client; the session it creates is what
/// the portal uses (the code itself is never redeemed and expires).
fn sign_in_redirect(ctx: &TenantContext) -> HttpResponse {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(random_token().as_bytes()));
    let mut url = match url::Url::parse(&format!("{}{}", ctx.issuer, routes::AUTHORIZE)) {
        Ok(u) => u,
        Err(_) => {
            let error = PageError::server(&ctx.tenant.display_name, "issuer URL");
            return actix_web::ResponseError::error_response(&error);
        }
    };
    url.query_pairs_mut()
        .append_pair("client_id", PORTAL_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("redirect_uri", &format!("{}{SIGNED_IN_PATH}", ctx.issuer))
        .append_pair("state", &random_token())
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    see_other(url.as_str(), Vec::new())
}

/// The common start of every portal form: the tenant, a valid CSRF token, and
/// a signed-in person (or the redirect that signs them in).
pub(super) async fn form_caller(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    csrf_token: &str,
) -> PageResult<Result<(std::sync::Arc<TenantContext>, PortalUser), HttpResponse>> {
    let ctx = tenant_page(state, slug).await?;
    if !csrf::verify(req, csrf_token) {
        return Err(PageError::csrf(&ctx.tenant.display_name));
    }
    Ok(match portal_user(state, &ctx, req).await? {
        Access::SignedIn(user) => Ok((ctx, user)),
        Access::SignIn(redirect) => Err(redirect),
    })
}

pub async fn get_signed_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state, &path).await?;
    Ok(see_other(
        &format!("{}/admin", routes::tenant_path(&ctx.tenant.slug)),
        Vec::new(),
    ))
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
    let ctx = tenant_page(&state, &path).await?;
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
    let (policy, groups, apps, invitations, guests, (access, idps)) = state
        .db
        .read(move |c| {
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::groups::list(c, &tenant_id)?,
                store::apps::list(c, &tenant_id)?,
                store::invitations::list(c, &tenant_id)?,
                store::users::list(c, &tenant_id, Some("guest"))?,
                (
                    store::cross_tenant::get(c, &tenant_id)?,
                    store::idps::list(c, &tenant_id)?,
                ),
            ))
        })
        .await?;
    let actor = user.inviter.actor();
    let base = routes::tenant_path(&ctx.tenant.slug);
    let (token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
    let page = AdminPage {
        tenant_name: &ctx.tenant.display_name,
        base,
        user_email: &user.email,
        is_admin: user.is_admin,
        may_invite: policy.may_invite(&user.inviter),
        policy_summary: summarize(&policy),
        settings: SettingsView::new(ctx, &policy, &access, &idps),
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
        invitations: invitations
            .iter()
            .filter(|i| user.is_admin || i.invited_by == actor)
            .map(|i| InvitationRow {
                id: i.id.clone(),
                email: i.email.clone(),
                status: i.effective_status().to_owned(),
                inviter: i.inviter_name.clone(),
                expires: i.expires_at.format("%Y-%m-%d").to_string(),
                manageable: user.is_admin || i.invited_by == actor,
            })
            .collect(),
        guests: guests
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
                state: g.external_state.unwrap_or_default(),
                home: match g.home_issuer.as_deref() {
                    Some(crate::b2b::home::MAIL_IDP) => "one-time passcode by email".into(),
                    Some(issuer) => issuer.to_owned(),
                    None => "-".into(),
                },
            })
            .collect(),
    };
    Ok(render(status, &page, cookie.into_iter().collect()))
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

#[derive(Deserialize)]
pub struct InviteForm {
    csrf_token: String,
    email: String,
    target: String,
    redirect_url: Option<String>,
    message: Option<String>,
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
    let form = form.into_inner();
    let target = match form.target.split_once(':') {
        Some(("group", name)) => Target::Group(name.to_owned()),
        Some(("app", id)) => Target::App(id.to_owned()),
        _ => Target::Tenant,
    };
    let request = InviteRequest {
        email: form.email,
        target,
        redirect_url: form.redirect_url.filter(|u| !u.trim().is_empty()),
        message: form.message,
    };
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
    match result {
        Ok(invited) => {
            page(
                &state,
                &ctx,
                &req,
                &user,
                Some("Invitation sent."),
                Some(&invited.redeem_url),
                StatusCode::OK,
            )
            .await
        }
        Err(InviteError::Store(e)) => {
            Err(PageError::server(&ctx.tenant.display_name, e.to_string()))
        }
        Err(InviteError::Forbidden) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "Not allowed",
            "Your account may not invite guests to this organization.",
        )),
        Err(InviteError::MayNotGrant) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "Not allowed",
            "Only administrators may invite guests into a group or an application.",
        )),
        Err(e) => {
            page(
                &state,
                &ctx,
                &req,
                &user,
                Some(&e.to_string()),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: String,
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
    let name = ctx.tenant.display_name.clone();
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            &name,
            "Not found",
            "There is no such invitation.",
        )
    };
    let (tenant_id, inv_id) = (ctx.tenant.id.clone(), id.clone());
    let existing = state
        .db
        .read(move |c| store::invitations::find(c, &tenant_id, &inv_id))
        .await?
        .ok_or_else(not_found)?;
    let actor = user.inviter.actor();
    if !user.is_admin && existing.invited_by != actor {
        return Err(not_found());
    }
    let inviter = user.inviter.clone();
    let (tenant, issuer, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        state.settings.invitation_lifetime,
    );
    let notice = match action.as_str() {
        "resend" => {
            state
                .db
                .write_as(move |c| invitation::resend(c, &tenant, &issuer, &inviter, &id, lifetime))
                .await
                .map_err(|e| {
                    PageError::new(StatusCode::CONFLICT, &name, "Not possible", &e.to_string())
                })?;
            "resent"
        }
        "revoke" => {
            state
                .db
                .write_as(move |c| removal::revoke_invitation(c, &tenant.id, &actor, &id))
                .await
                .map_err(|e| {
                    PageError::new(StatusCode::CONFLICT, &name, "Not possible", &e.to_string())
                })?;
            "revoked"
        }
        _ => return Err(not_found()),
    };
    Ok(see_other(
        &format!(
            "{}/admin?notice={notice}",
            routes::tenant_path(&ctx.tenant.slug)
        ),
        Vec::new(),
    ))
}

pub async fn post_guest_action(
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
    let name = ctx.tenant.display_name.clone();
    if !user.is_admin {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            &name,
            "Not allowed",
            "Only administrators can block or remove guests.",
        ));
    }
    if action == "reset" {
        let (tenant, issuer, inviter, lifetime) = (
            ctx.tenant.clone(),
            ctx.issuer.clone(),
            user.inviter.clone(),
            state.settings.invitation_lifetime,
        );
        let invited = state
            .db
            .write_as(move |c| {
                let guest = store::users::find(c, &tenant.id, &id)?
                    .filter(|u| u.user_type == "guest")
                    .ok_or(InviteError::NotFound)?;
                invitation::reset_redemption(c, &tenant, &issuer, &inviter, &guest, lifetime)
            })
            .await
            .map_err(|e| match e {
                InviteError::NotFound => PageError::new(
                    StatusCode::NOT_FOUND,
                    &name,
                    "Not found",
                    "There is no such guest.",
                ),
                other => PageError::server(&name, other.to_string()),
            })?;
        let notice = "Redemption reset: the guest must accept again with the new link.";
        return page(
            &state,
            &ctx,
            &req,
            &user,
            Some(notice),
            Some(&invited.redeem_url),
            StatusCode::OK,
        )
        .await;
    }
    let (tenant_id, actor) = (ctx.tenant.id.clone(), user.inviter.actor());
    let act = action.clone();
    let result = state
        .db
        .write_as(move |c| {
            let guest = store::users::find(c, &tenant_id, &id)?
                .filter(|u| u.user_type == "guest")
                .ok_or(RemovalError::NoUser)?;
            match act.as_str() {
                "block" => removal::block(c, &tenant_id, &actor, &guest),
                "unblock" => removal::unblock(c, &tenant_id, &actor, &guest),
                "remove" => removal::remove(c, &tenant_id, &actor, &guest),
                _ => Err(RemovalError::Store(StoreError::NotFound)),
            }
        })
        .await;
    match result {
        Ok(()) => {
            let notice = match action.as_str() {
                "block" => "blocked",
                "unblock" => "unblocked",
                _ => "removed",
            };
            Ok(see_other(
                &format!(
                    "{}/admin?notice={notice}",
                    routes::tenant_path(&ctx.tenant.slug)
                ),
                Vec::new(),
            ))
        }
        Err(RemovalError::Store(StoreError::NotFound)) | Err(RemovalError::NoUser) => {
            Err(PageError::new(
                StatusCode::NOT_FOUND,
                &name,
                "Not found",
                "There is no such guest.",
            ))
        }
        Err(e) => Err(PageError::server(&name, e.to_string())),
    }
}
