//! Redeeming an invitation once its guest has proved who they are at home
//! (DESIGN.md §5 "Redeem"): one transaction that checks, links, grants and
//! audits, or writes nothing and says why.

use actix_web::http::StatusCode;

use super::notice;
use crate::b2b::home::{self, HomeIdentity};
use crate::b2b::invitation::redirect_allowed;
use crate::domain::policy::Policy;
use crate::domain::{AuditAction, EffectiveStatus, IdentitySource, TargetKind, TenantId};
use crate::pages::PageError;
use crate::state::AppState;
use crate::store::invitations::Invitation;
use crate::store::tenants::Tenant;
use crate::store::users::User;
use crate::store::{self, DbConn, StoreError, StoreResult};
use crate::tokens::TenantContext;

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
/// changes nothing, and the refusal is audited.
pub async fn complete(
    state: &AppState,
    ctx: &TenantContext,
    invitation_id: &str,
    identity: &HomeIdentity,
) -> Result<Result<(Invitation, User), Refusal>, StoreError> {
    let redemption = Redemption::new(state, ctx, invitation_id, identity);
    let outcome = state.db.write(move |c| redemption.run(c)).await?;
    if let Err(refusal) = &outcome {
        audit_refusal(state, ctx, invitation_id, refusal).await?;
    }
    Ok(outcome)
}

/// One redemption with what its transaction needs, owned: it runs on the
/// blocking pool.
struct Redemption {
    tenant: Tenant,
    issuer: String,
    invitation_id: String,
    identity: HomeIdentity,
    /// The sibling tenant behind the home issuer, if it is one of ours.
    home_slug: Option<String>,
}

/// Why the transaction stopped early: a refusal for the guest, or the store.
enum Stop {
    Refused(Refusal),
    Store(StoreError),
}

impl From<Refusal> for Stop {
    fn from(refusal: Refusal) -> Self {
        Stop::Refused(refusal)
    }
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

impl Redemption {
    fn new(
        state: &AppState,
        ctx: &TenantContext,
        invitation_id: &str,
        identity: &HomeIdentity,
    ) -> Self {
        Redemption {
            tenant: ctx.tenant.clone(),
            issuer: ctx.issuer.clone(),
            invitation_id: invitation_id.to_owned(),
            identity: identity.clone(),
            home_slug: state
                .tenants
                .slug_of_issuer(&identity.issuer)
                .map(str::to_owned),
        }
    }

    fn tenant_id(&self) -> &TenantId {
        &self.tenant.id
    }

    /// The transaction's answer: a refusal is an answer (and nothing was
    /// written before it), a store failure is not.
    fn run(self, c: &mut DbConn) -> StoreResult<Result<(Invitation, User), Refusal>> {
        match self.redeem(c) {
            Ok(redeemed) => Ok(Ok(redeemed)),
            Err(Stop::Refused(refusal)) => Ok(Err(refusal)),
            Err(Stop::Store(e)) => Err(e),
        }
    }

    /// Every check first, the invitation marked redeemed as the last of them
    /// (it loses a race to another redemption), then the writes.
    fn redeem(&self, c: &mut DbConn) -> Result<(Invitation, User), Stop> {
        let invitation = store::invitations::find(c, self.tenant_id(), &self.invitation_id)?
            .ok_or(Refusal::Gone)?;
        still_pending(&invitation)?;
        let policy = self.admitted(c, &invitation)?;
        self.invited_person(c, &invitation)?;
        if !store::invitations::mark_redeemed(c, self.tenant_id(), &invitation.id)? {
            return Err(Refusal::NotPending(EffectiveStatus::Redeemed).into());
        }
        self.accept(c, &invitation, &policy)?;
        grant_target(c, self.tenant_id(), &invitation)?;
        self.audit(c, &invitation)?;
        let guest = store::users::find(c, self.tenant_id(), &invitation.guest_user_id)?
            .ok_or(StoreError::NotFound)?;
        Ok((self.checked_redirect(c, invitation)?, guest))
    }

    /// The tenant's policy, if it still admits guests from the invited domain
    /// and its cross-tenant settings admit this home.
    fn admitted(&self, c: &mut DbConn, invitation: &Invitation) -> Result<Policy, Stop> {
        let policy = store::policies::get(c, self.tenant_id())?;
        let domain = invitation
            .email
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or_default();
        if !policy.domain_allowed(domain) {
            return Err(Refusal::DomainNotAllowed.into());
        }
        if !store::cross_tenant::get(c, self.tenant_id())?
            .inbound
            .allows(&self.identity.issuer, self.home_slug.as_deref())
        {
            return Err(Refusal::InboundBlocked.into());
        }
        Ok(policy)
    }

    /// Whether the account signed in at home is the invited guest: the
    /// invited address, not another guest's home identity, not blocked.
    fn invited_person(&self, c: &mut DbConn, invitation: &Invitation) -> Result<(), Stop> {
        let identity = &self.identity;
        if identity.email.as_deref() != Some(invitation.email.as_str()) {
            return Err(Refusal::WrongAccount {
                signed_in_as: identity
                    .email
                    .clone()
                    .unwrap_or_else(|| "an account without a verified email".into()),
                invited: invitation.email.clone(),
            }
            .into());
        }
        if store::users::find_by_home(c, self.tenant_id(), &identity.issuer, &identity.subject)?
            .is_some_and(|u| u.id != invitation.guest_user_id)
        {
            return Err(Refusal::AlreadyLinked.into());
        }
        // A guest an administrator blocked stays out until unblocked.
        if store::users::find(c, self.tenant_id(), &invitation.guest_user_id)?
            .is_none_or(|g| !g.is_active())
        {
            return Err(Refusal::Blocked.into());
        }
        Ok(())
    }

    /// How the guest will sign in from now on: passcode by mail, a sibling
    /// tenant, or an external identity provider.
    fn source(&self) -> IdentitySource {
        if self.identity.issuer == home::MAIL_IDP {
            IdentitySource::EmailPasscode
        } else if self.home_slug.is_some() {
            IdentitySource::HomeTenant
        } else {
            IdentitySource::ExternalIdp
        }
    }

    /// The guest linked to their home identity and accepted, their access
    /// ending when the policy's guest lifetime says.
    fn accept(&self, c: &mut DbConn, invitation: &Invitation, policy: &Policy) -> StoreResult<()> {
        let guest_id = &invitation.guest_user_id;
        store::users::accept_guest(
            c,
            self.tenant_id(),
            guest_id,
            &self.identity.issuer,
            &self.identity.subject,
            self.source(),
            self.identity.name.as_deref(),
        )?;
        if let Some(days) = policy.guest_lifetime_days {
            let ends = store::now() + chrono::TimeDelta::days(days.into());
            store::users::set_access_expiry(c, self.tenant_id(), guest_id, Some(ends))?;
        }
        Ok(())
    }

    /// The redemption in the audit log, with the home identity it linked.
    fn audit(&self, c: &mut DbConn, invitation: &Invitation) -> StoreResult<()> {
        store::audit::record(
            c,
            self.tenant_id(),
            &format!("guest:{}", invitation.guest_user_id),
            AuditAction::InvitationRedeemed,
            Some(&invitation.email),
            Some(&format!(
                "home {} subject {}",
                self.identity.issuer, self.identity.subject
            )),
        )
    }

    /// The invitation with its redirect address only if that is still
    /// allowed: the app whose address it was may be gone.
    fn checked_redirect(
        &self,
        c: &mut DbConn,
        mut invitation: Invitation,
    ) -> StoreResult<Invitation> {
        let allowed = match invitation.redirect_url.as_deref().map(url::Url::parse) {
            Some(Ok(url)) => redirect_allowed(c, &self.tenant, &self.issuer, &url)?,
            _ => false,
        };
        if !allowed {
            invitation.redirect_url = None;
        }
        Ok(invitation)
    }
}

/// Only a pending invitation can be redeemed.
fn still_pending(invitation: &Invitation) -> Result<(), Refusal> {
    match invitation.effective_status() {
        EffectiveStatus::Pending => Ok(()),
        seen
        @ (EffectiveStatus::Redeemed | EffectiveStatus::Revoked | EffectiveStatus::Expired) => {
            Err(Refusal::NotPending(seen))
        }
    }
}

/// The group membership or application assignment the invitation was for.
fn grant_target(c: &mut DbConn, tenant_id: &TenantId, invitation: &Invitation) -> StoreResult<()> {
    let guest_id = &invitation.guest_user_id;
    match (invitation.target_kind, &invitation.target_id) {
        (TargetKind::Group, Some(group)) => {
            store::groups::add_member(c, tenant_id, group, guest_id)
        }
        (TargetKind::App, Some(app)) => {
            store::groups::assign_app(c, tenant_id, app, "user", guest_id)
        }
        (TargetKind::Tenant, _) | (TargetKind::Group | TargetKind::App, None) => Ok(()),
    }
}

/// A refused redemption in the audit log, with the reason.
async fn audit_refusal(
    state: &AppState,
    ctx: &TenantContext,
    invitation_id: &str,
    refusal: &Refusal,
) -> StoreResult<()> {
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
        .await
}

/// The page for a refused redemption: what stopped it, and that nothing
/// changed.
pub fn refusal_page(ctx: &TenantContext, refusal: &Refusal) -> PageError {
    let (status, title, why) = match refusal {
        Refusal::NotPending(seen) => not_pending(*seen),
        Refusal::Gone => not_pending(EffectiveStatus::Expired),
        Refusal::WrongAccount {
            signed_in_as,
            invited,
        } => (
            StatusCode::FORBIDDEN,
            "Wrong account",
            format!(
                "You signed in as {signed_in_as}, but this invitation is for {invited}. Sign out at your organization and open the link again with the invited account."
            ),
        ),
        Refusal::AlreadyLinked => (
            StatusCode::CONFLICT,
            "Already a guest",
            "Your account is already a guest of this organization under another address.".into(),
        ),
        Refusal::InboundBlocked => (
            StatusCode::FORBIDDEN,
            "Organization not allowed",
            "This organization does not accept guests from your organization.".into(),
        ),
        Refusal::Blocked => (
            StatusCode::FORBIDDEN,
            "Access blocked",
            "Your access to this organization has been blocked. Contact the person who invited you.".into(),
        ),
        Refusal::DomainNotAllowed => (
            StatusCode::FORBIDDEN,
            "Invitation no longer allowed",
            "This organization no longer accepts guests from your organization's domain.".into(),
        ),
    };
    notice(ctx, status, title, &format!("{why} Nothing was changed."))
}

/// Title and reason for an invitation that is no longer pending; one that
/// vanished reads as expired.
fn not_pending(seen: EffectiveStatus) -> (StatusCode, &'static str, String) {
    let (title, why) = match seen {
        EffectiveStatus::Redeemed => (
            "Invitation already accepted",
            "This invitation has already been used.",
        ),
        EffectiveStatus::Revoked => ("Invitation withdrawn", "This invitation was withdrawn."),
        EffectiveStatus::Expired | EffectiveStatus::Pending => {
            ("Invitation expired", "This invitation has expired.")
        }
    };
    (StatusCode::GONE, title, why.to_owned())
}
