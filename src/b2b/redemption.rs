//! Invitation redemption (DESIGN.md §5 "Redeem"). Opening the link only shows
//! it (mail scanners open links); completing the home sign-in redeems it, once,
//! atomically, and only for the invited address.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::home::{self, Home, HomeIdentity, Purpose, Upstream};
use crate::crypto::token_hash;
use crate::domain::{AuditAction, EffectiveStatus, Email, IdentitySource, TargetKind};
use crate::login::csrf;
use crate::oidc::routes;
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::state::AppState;
use crate::store::invitations::Invitation;
use crate::store::users::User;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;

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

/// Why a completed home sign-in could not redeem the invitation.
#[derive(Debug)]
pub enum Refusal {
    /// The invitation is no longer pending (never `EffectiveStatus::Pending`).
    NotPending(EffectiveStatus),
    /// The invitation no longer exists (told as expired, as before).
    Gone,
    WrongAccount {
        signed_in_as: String,
        invited: String,
    },
    AlreadyLinked,
    DomainNotAllowed,
    InboundBlocked,
    Blocked,
}

/// Redeems atomically: invitation pending → redeemed, guest linked to its home
/// identity and accepted, group/app access granted, audited. Anything else
/// changes nothing.
pub async fn complete(
    state: &AppState,
    ctx: &TenantContext,
    invitation_id: &str,
    identity: &HomeIdentity,
) -> Result<Result<(Invitation, User), Refusal>, StoreError> {
    let (tenant_id, id, identity) = (
        ctx.tenant.id.clone(),
        invitation_id.to_owned(),
        identity.clone(),
    );
    let (tenant, issuer) = (ctx.tenant.clone(), ctx.issuer.clone());
    let home_slug = state
        .tenants
        .slug_of_issuer(&identity.issuer)
        .map(str::to_owned);
    let source = if identity.issuer == home::MAIL_IDP {
        IdentitySource::EmailPasscode
    } else if state.tenants.slug_of_issuer(&identity.issuer).is_some() {
        IdentitySource::HomeTenant
    } else {
        IdentitySource::ExternalIdp
    };
    let outcome = state
        .db
        .write(move |c| {
            let Some(mut invitation) = store::invitations::find(c, &tenant_id, &id)? else {
                return Ok(Err(Refusal::Gone));
            };
            match invitation.effective_status() {
                EffectiveStatus::Pending => {}
                seen @ (EffectiveStatus::Redeemed
                | EffectiveStatus::Revoked
                | EffectiveStatus::Expired) => {
                    return Ok(Err(Refusal::NotPending(seen)));
                }
            }
            let policy = store::policies::get(c, &tenant_id)?;
            let domain = invitation
                .email
                .rsplit_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default();
            if !policy.domain_allowed(domain) {
                return Ok(Err(Refusal::DomainNotAllowed));
            }
            if !store::cross_tenant::get(c, &tenant_id)?
                .inbound
                .allows(&identity.issuer, home_slug.as_deref())
            {
                return Ok(Err(Refusal::InboundBlocked));
            }
            if identity.email.as_deref() != Some(invitation.email.as_str()) {
                return Ok(Err(Refusal::WrongAccount {
                    signed_in_as: identity
                        .email
                        .clone()
                        .unwrap_or_else(|| "an account without a verified email".into()),
                    invited: invitation.email.clone(),
                }));
            }
            if store::users::find_by_home(c, &tenant_id, &identity.issuer, &identity.subject)?
                .is_some_and(|u| u.id != invitation.guest_user_id)
            {
                return Ok(Err(Refusal::AlreadyLinked));
            }
            // A guest an administrator blocked stays out until unblocked.
            if store::users::find(c, &tenant_id, &invitation.guest_user_id)?
                .is_none_or(|g| !g.is_active())
            {
                return Ok(Err(Refusal::Blocked));
            }
            if !store::invitations::mark_redeemed(c, &tenant_id, &invitation.id)? {
                return Ok(Err(Refusal::NotPending(EffectiveStatus::Redeemed)));
            }
            store::users::accept_guest(
                c,
                &tenant_id,
                &invitation.guest_user_id,
                &identity.issuer,
                &identity.subject,
                source,
                identity.name.as_deref(),
            )?;
            if let Some(days) = policy.guest_lifetime_days {
                let ends = store::now() + chrono::TimeDelta::days(days.into());
                store::users::set_access_expiry(
                    c,
                    &tenant_id,
                    &invitation.guest_user_id,
                    Some(ends),
                )?;
            }
            match (invitation.target_kind, &invitation.target_id) {
                (TargetKind::Group, Some(group)) => {
                    store::groups::add_member(c, &tenant_id, group, &invitation.guest_user_id)?
                }
                (TargetKind::App, Some(app)) => store::groups::assign_app(
                    c,
                    &tenant_id,
                    app,
                    "user",
                    &invitation.guest_user_id,
                )?,
                (TargetKind::Tenant, _) | (TargetKind::Group | TargetKind::App, None) => {}
            }
            store::audit::record(
                c,
                &tenant_id,
                &format!("guest:{}", invitation.guest_user_id),
                AuditAction::InvitationRedeemed,
                Some(&invitation.email),
                Some(&format!(
                    "home {} subject {}",
                    identity.issuer, identity.subject
                )),
            )?;
            let guest = store::users::find(c, &tenant_id, &invitation.guest_user_id)?
                .ok_or(StoreError::NotFound)?;
            // Checked again now: the app whose address it was may be gone.
            let redirect_ok = match invitation.redirect_url.as_deref().map(url::Url::parse) {
                Some(Ok(url)) => super::invitation::redirect_allowed(c, &tenant, &issuer, &url)?,
                _ => false,
            };
            if !redirect_ok {
                invitation.redirect_url = None;
            }
            Ok(Ok((invitation, guest)))
        })
        .await?;
    if let Err(refusal) = &outcome {
        let (tenant_id, id, detail) = (
            ctx.tenant.id.clone(),
            invitation_id.to_owned(),
            format!("{refusal:?}"),
        );
        state
            .db
            .write(move |c| {
                store::audit::record(
                    c,
                    &tenant_id,
                    "system",
                    AuditAction::InvitationRedemptionRefused,
                    Some(&id),
                    Some(&detail),
                )
            })
            .await?;
    }
    Ok(outcome)
}

pub fn refusal_page(ctx: &TenantContext, refusal: &Refusal) -> PageError {
    match refusal {
        Refusal::WrongAccount {
            signed_in_as,
            invited,
        } => notice(
            ctx,
            StatusCode::FORBIDDEN,
            "Wrong account",
            &format!(
                "You signed in as {signed_in_as}, but this invitation is for {invited}. Sign out at your organization and open the link again with the invited account. Nothing was changed."
            ),
        ),
        Refusal::AlreadyLinked => notice(
            ctx,
            StatusCode::CONFLICT,
            "Already a guest",
            "Your account is already a guest of this organization under another address. Nothing was changed.",
        ),
        Refusal::InboundBlocked => notice(
            ctx,
            StatusCode::FORBIDDEN,
            "Organization not allowed",
            "This organization does not accept guests from your organization. Nothing was changed.",
        ),
        Refusal::Blocked => notice(
            ctx,
            StatusCode::FORBIDDEN,
            "Access blocked",
            "Your access to this organization has been blocked. Contact the person who invited you. Nothing was changed.",
        ),
        Refusal::DomainNotAllowed => notice(
            ctx,
            StatusCode::FORBIDDEN,
            "Invitation no longer allowed",
            "This organization no longer accepts guests from your organization's domain. Nothing was changed.",
        ),
        Refusal::NotPending(EffectiveStatus::Redeemed) => notice(
            ctx,
            StatusCode::GONE,
            "Invitation already accepted",
            "This invitation has already been used. Nothing was changed.",
        ),
        Refusal::NotPending(EffectiveStatus::Revoked) => notice(
            ctx,
            StatusCode::GONE,
            "Invitation withdrawn",
            "This invitation was withdrawn. Nothing was changed.",
        ),
        Refusal::NotPending(EffectiveStatus::Expired | EffectiveStatus::Pending)
        | Refusal::Gone => notice(
            ctx,
            StatusCode::GONE,
            "Invitation expired",
            "This invitation has expired. Nothing was changed.",
        ),
    }
}
