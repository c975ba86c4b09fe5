//! Inviting a guest (DESIGN.md §5 "Invite"): the guest object is created at
//! once in `pending_acceptance`, the invitation and its email are written in
//! one transaction, and the redemption link is returned to the inviter.

use crate::crypto::{random_token, token_hash};
use crate::domain::{AuditAction, Email, ExternalState, InvitationStatus, TargetKind};
use crate::routes;
use crate::store::invitations::{self, Invitation};
use crate::store::tenants::Tenant;
use crate::store::{self, DbConn, StoreError, new_id, now};

pub use crate::domain::Inviter;

#[derive(Clone, Debug)]
pub enum Target {
    Tenant,
    /// A group, by name.
    Group(String),
    /// An application, by client id.
    App(String),
}

#[derive(Clone, Debug)]
pub struct InviteRequest {
    pub email: String,
    pub target: Target,
    pub redirect_url: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is already a member of this organization")]
    AlreadyMember(String),
    #[error("{0} is already a guest of this organization")]
    AlreadyGuest(String),
    #[error("you are not allowed to invite guests")]
    Forbidden,
    #[error("only administrators may invite guests into a group or an application")]
    MayNotGrant,
    #[error(
        "{0} is blocked in this organization; an administrator must unblock them before they can be invited again"
    )]
    Blocked(String),
    #[error("the collaboration policy does not allow inviting addresses at {0}")]
    DomainNotAllowed(String),
    #[error("no such {0}")]
    NoTarget(&'static str),
    #[error("no such invitation")]
    NotFound,
    #[error("this invitation is no longer pending")]
    NotPending,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An invitation as created, with the one-time link.
#[derive(Debug)]
pub struct Invited {
    pub invitation: Invitation,
    pub redeem_url: String,
}

pub fn redeem_url(issuer: &str, token: &str) -> String {
    format!("{issuer}{}", routes::INVITE.replace("{token}", token))
}

/// Where a guest's browser may be sent after redemption: the tenant's own
/// pages, or an origin where one of its apps registered a redirect URI. Any
/// other URL would make the organization's domain an open redirector.
fn parse_redirect(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    url: Option<&str>,
) -> Result<Option<String>, InviteError> {
    let Some(raw) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let parsed = url::Url::parse(raw)
        .map_err(|_| InviteError::Invalid("redirect URL must be an absolute URL".into()))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(InviteError::Invalid(
            "redirect URL must be http or https".into(),
        ));
    }
    if !redirect_allowed(conn, tenant, issuer, &parsed)? {
        return Err(InviteError::Invalid(
            "redirect URL must be a page of this organization or at the address of one of its applications"
                .into(),
        ));
    }
    Ok(Some(parsed.to_string()))
}

/// Whether `url` is one of the tenant's own pages (under its issuer) or has
/// the origin of a redirect URI registered by one of the tenant's apps.
pub fn redirect_allowed(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    url: &url::Url,
) -> Result<bool, StoreError> {
    if url.username() != "" || url.password().is_some() {
        return Ok(false);
    }
    if let Ok(own) = url::Url::parse(issuer) {
        let prefix = format!("{}/", own.path().trim_end_matches('/'));
        if url.origin() == own.origin()
            && (url.path() == own.path() || url.path().starts_with(&prefix))
        {
            return Ok(true);
        }
    }
    let apps = store::apps::list(conn, &tenant.id)?;
    Ok(apps
        .iter()
        .flat_map(|a| a.redirect_uris.iter())
        .filter_map(|r| url::Url::parse(r.as_str()).ok())
        .any(|r| r.origin() == url.origin()))
}

fn target_description(tenant: &Tenant, inv: &Invitation) -> String {
    match (inv.target_kind, &inv.target_name) {
        (TargetKind::Group, Some(name)) => format!("the group {name} in {}", tenant.display_name),
        (TargetKind::App, Some(name)) => {
            format!("the application {name} of {}", tenant.display_name)
        }
        (TargetKind::Tenant, _) | (TargetKind::Group | TargetKind::App, None) => {
            tenant.display_name.clone()
        }
    }
}

fn email_body(tenant: &Tenant, inv: &Invitation, link: &str) -> (String, String) {
    let subject = format!(
        "{} invited you to {}",
        inv.inviter_name, tenant.display_name
    );
    let mut body = format!(
        "{} has invited you to collaborate with {} as a guest, with access to {}.\n\n",
        inv.inviter_name,
        tenant.display_name,
        target_description(tenant, inv)
    );
    if let Some(message) = &inv.message {
        body.push_str(&format!(
            "Their message:\n\n  {}\n\n",
            message.replace('\n', "\n  ")
        ));
    }
    body.push_str(&format!(
        "Accept the invitation by signing in with your own organization's account:\n\n  {link}\n\n\
         This link is for {} only and expires on {} UTC.\n\
         If you did not expect this invitation, you can ignore this message.\n",
        inv.email,
        inv.expires_at.format("%Y-%m-%d %H:%M")
    ));
    (subject, body)
}

/// Creates (or re-issues for a still-pending guest) an invitation, in the
/// caller's transaction.
pub fn invite(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    inviter: &Inviter,
    request: &InviteRequest,
    lifetime: chrono::TimeDelta,
) -> Result<Invited, InviteError> {
    let policy = store::policies::get(conn, &tenant.id)?;
    if !policy.may_invite(inviter) {
        return Err(InviteError::Forbidden);
    }
    let email = Email::parse(&request.email).map_err(InviteError::Invalid)?;
    if !policy.domain_allowed(email.domain()) {
        return Err(InviteError::DomainNotAllowed(email.domain().to_owned()));
    }
    let redirect_url = parse_redirect(conn, tenant, issuer, request.redirect_url.as_deref())?;
    let message = parse_message(request.message.as_deref())?;
    let (kind, target_id, target_name) = find_target(conn, tenant, inviter, &request.target)?;
    let guest = invitee(conn, tenant, &email, inviter)?;
    let draft = Draft {
        kind,
        target_id,
        target_name,
        redirect_url,
        message,
    };
    issue(conn, tenant, issuer, inviter, &guest, draft, lifetime)
}

/// The personal message, trimmed; at most 2000 characters.
fn parse_message(message: Option<&str>) -> Result<Option<String>, InviteError> {
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > 2000) {
        return Err(InviteError::Invalid(
            "the message is limited to 2000 characters".into(),
        ));
    }
    Ok(message.map(str::to_owned))
}

/// The group or application the invitation grants, which only an inviter
/// who may grant access can name: its kind, id and name.
fn find_target(
    conn: &mut DbConn,
    tenant: &Tenant,
    inviter: &Inviter,
    target: &Target,
) -> Result<(TargetKind, Option<String>, Option<String>), InviteError> {
    if !matches!(target, Target::Tenant) && !inviter.may_grant_access() {
        return Err(InviteError::MayNotGrant);
    }
    Ok(match target {
        Target::Tenant => (TargetKind::Tenant, None, None),
        Target::Group(name) => {
            let group = store::groups::find_by_name(conn, &tenant.id, name)?
                .ok_or(InviteError::NoTarget("group"))?;
            (TargetKind::Group, Some(group.id), Some(group.name))
        }
        Target::App(client_id) => {
            let app = store::apps::find(conn, &tenant.id, client_id)?
                .ok_or(InviteError::NoTarget("application"))?;
            (TargetKind::App, Some(app.id), Some(app.name))
        }
    })
}

/// The guest an invitation is for: a still-pending guest, whose old links the
/// new invitation replaces, or a new one.
fn invitee(
    conn: &mut DbConn,
    tenant: &Tenant,
    email: &Email,
    inviter: &Inviter,
) -> Result<crate::store::users::User, InviteError> {
    // A second pass only when a concurrent invitation created the guest first.
    for _ in 0..2 {
        match store::users::find_by_email(conn, &tenant.id, email.as_str())? {
            Some(u) if !u.is_guest() => {
                return Err(InviteError::AlreadyMember(email.to_string()));
            }
            Some(u) if u.external_state == Some(ExternalState::Accepted) => {
                return Err(InviteError::AlreadyGuest(email.to_string()));
            }
            // A block stands until an administrator lifts it.
            Some(u) if !u.is_active() => return Err(InviteError::Blocked(email.to_string())),
            Some(pending) => {
                invitations::revoke_pending_for_guest(conn, &tenant.id, &pending.id)?;
                return Ok(pending);
            }
            None => {
                let name = email.as_str().split('@').next().unwrap_or_default();
                // In a savepoint, so that losing the race to a concurrent
                // invitation (PostgreSQL) leaves this transaction usable.
                let created = diesel::Connection::transaction(conn, |c| {
                    store::users::create_guest(
                        c,
                        &tenant.id,
                        email.as_str(),
                        name,
                        &inviter.actor(),
                    )
                });
                match created {
                    Err(StoreError::Conflict(_)) => continue,
                    other => return Ok(other?),
                }
            }
        }
    }
    Err(StoreError::Conflict("the guest changed while being invited; try again").into())
}

/// What an invitation offers, before it is issued.
struct Draft {
    kind: TargetKind,
    target_id: Option<String>,
    target_name: Option<String>,
    redirect_url: Option<String>,
    message: Option<String>,
}

/// Writes the invitation, its email (outbox) and the audit event.
fn issue(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    inviter: &Inviter,
    guest: &crate::store::users::User,
    draft: Draft,
    lifetime: chrono::TimeDelta,
) -> Result<Invited, InviteError> {
    let token = random_token();
    let at = now();
    let invitation = Invitation {
        id: new_id(),
        tenant_id: tenant.id.to_string(),
        email: guest.email.clone(),
        guest_user_id: guest.id.clone(),
        target_kind: draft.kind,
        target_id: draft.target_id,
        target_name: draft.target_name,
        invited_by: inviter.actor(),
        inviter_name: inviter.display_name().to_owned(),
        redirect_url: draft.redirect_url,
        message: draft.message,
        token_hash: token_hash(&token),
        status: InvitationStatus::Pending,
        created_at: at,
        expires_at: at + lifetime,
        redeemed_at: None,
        revoked_at: None,
    };
    invitations::insert(conn, &invitation)?;
    let link = redeem_url(issuer, &token);
    let (subject, body) = email_body(tenant, &invitation, &link);
    store::outbox::enqueue(conn, &tenant.id, &guest.email, &subject, &body)?;
    store::audit::record(
        conn,
        &tenant.id,
        &inviter.actor(),
        AuditAction::InvitationCreated,
        Some(&guest.email),
        Some(&format!("invitation {} to {}", invitation.id, draft.kind)),
    )?;
    Ok(Invited {
        invitation,
        redeem_url: link,
    })
}

/// Reset redemption: an accepted guest goes back to `pending_acceptance` with
/// a fresh link; the old home link is cleared, sessions and grants end, and
/// the object id, groups and app assignments stay.
pub fn reset_redemption(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    actor: &Inviter,
    guest: &crate::store::users::User,
    lifetime: chrono::TimeDelta,
) -> Result<Invited, InviteError> {
    if !guest.is_guest() {
        return Err(InviteError::Invalid(
            "only guests can have their redemption reset".into(),
        ));
    }
    store::users::reset_guest(conn, &tenant.id, &guest.id)?;
    store::sessions::revoke_all_for_user(conn, &tenant.id, &guest.id)?;
    store::codes::revoke_user_grants(conn, &tenant.id, &guest.id)?;
    invitations::revoke_pending_for_guest(conn, &tenant.id, &guest.id)?;
    store::audit::record(
        conn,
        &tenant.id,
        &actor.actor(),
        AuditAction::GuestRedemptionReset,
        Some(&guest.email),
        Some(&guest.id),
    )?;
    let draft = Draft {
        kind: TargetKind::Tenant,
        target_id: None,
        target_name: None,
        redirect_url: None,
        message: None,
    };
    issue(conn, tenant, issuer, actor, guest, draft, lifetime)
}

/// A fresh link and expiry for a pending invitation, mailed again. Resending
/// is inviting: the same policy, grant and block rules apply as to `invite`.
pub fn resend(
    conn: &mut DbConn,
    tenant: &Tenant,
    issuer: &str,
    inviter: &Inviter,
    invitation_id: &str,
    lifetime: chrono::TimeDelta,
) -> Result<Invited, InviteError> {
    let mut invitation =
        invitations::find(conn, &tenant.id, invitation_id)?.ok_or(InviteError::NotFound)?;
    check_resend(conn, tenant, inviter, &invitation)?;
    let token = random_token();
    invitation.token_hash = token_hash(&token);
    invitation.expires_at = now() + lifetime;
    if !invitations::renew(
        conn,
        &tenant.id,
        &invitation.id,
        &invitation.token_hash,
        invitation.expires_at,
    )? {
        return Err(InviteError::NotPending);
    }
    let link = redeem_url(issuer, &token);
    let (subject, body) = email_body(tenant, &invitation, &link);
    store::outbox::enqueue(conn, &tenant.id, &invitation.email, &subject, &body)?;
    store::audit::record(
        conn,
        &tenant.id,
        &inviter.actor(),
        AuditAction::InvitationResent,
        Some(&invitation.email),
        Some(&invitation.id),
    )?;
    Ok(Invited {
        invitation,
        redeem_url: link,
    })
}

/// Whether the invitation may be sent again: still pending, and the inviter
/// passes the policy, grant and block rules of `invite`.
fn check_resend(
    conn: &mut DbConn,
    tenant: &Tenant,
    inviter: &Inviter,
    invitation: &Invitation,
) -> Result<(), InviteError> {
    if invitation.status != InvitationStatus::Pending {
        return Err(InviteError::NotPending);
    }
    if !store::policies::get(conn, &tenant.id)?.may_invite(inviter) {
        return Err(InviteError::Forbidden);
    }
    if invitation.target_kind != TargetKind::Tenant && !inviter.may_grant_access() {
        return Err(InviteError::MayNotGrant);
    }
    if store::users::find(conn, &tenant.id, &invitation.guest_user_id)?
        .is_some_and(|g| !g.is_active())
    {
        return Err(InviteError::Blocked(invitation.email.clone()));
    }
    Ok(())
}
