//! The collaboration policy's values (DESIGN.md §1): who may invite, which
//! email domains may be invited, what guests may see, how long guest access
//! lasts, and whether emailed one-time passcodes are allowed. Stored by
//! `store::policies`, saved and audited by `b2b::policy`.

use serde::{Deserialize, Serialize};

use super::{Inviter, Role};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum WhoCanInvite {
    Nobody,
    Admins,
    AdminsAndGuestInviters,
    Members,
    Everyone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DomainMode {
    /// Any domain may be invited.
    None,
    /// Only the listed domains (and their subdomains).
    Allowlist,
    /// Any domain but the listed ones (and their subdomains).
    Denylist,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum GuestVisibility {
    SameAsMembers,
    Limited,
    Restricted,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub who_can_invite: WhoCanInvite,
    pub domain_mode: DomainMode,
    pub domains: Vec<String>,
    pub guest_visibility: GuestVisibility,
    /// Guest access ends this many days after redemption; `None` = no end.
    pub guest_lifetime_days: Option<u32>,
    pub otp_enabled: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            who_can_invite: WhoCanInvite::Members,
            domain_mode: DomainMode::None,
            domains: Vec::new(),
            guest_visibility: GuestVisibility::Limited,
            guest_lifetime_days: None,
            otp_enabled: true,
        }
    }
}

impl Policy {
    /// Normalises and checks a policy submitted by an administrator.
    pub fn validated(mut self) -> Result<Policy, String> {
        let domains = crate::domain::domain_list(&self.domains)?;
        if self.domain_mode != DomainMode::None && domains.is_empty() {
            return Err("an allowlist or denylist needs at least one domain".into());
        }
        if self.domain_mode == DomainMode::None && !domains.is_empty() {
            return Err("domains are only used with an allowlist or a denylist".into());
        }
        if self.guest_lifetime_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err("guest_lifetime_days must be 1-3650, or null for no end".into());
        }
        self.domains = domains;
        Ok(self)
    }

    pub fn may_invite(&self, inviter: &Inviter) -> bool {
        let (is_guest, is_admin, is_guest_inviter) = match inviter {
            // Apps act with the Invitations.Invite permission an admin granted.
            Inviter::App { .. } => (false, true, true),
            Inviter::User {
                roles, is_guest, ..
            } => (
                *is_guest,
                roles.contains(&Role::Admin),
                roles.contains(&Role::GuestInviter),
            ),
        };
        match self.who_can_invite {
            WhoCanInvite::Nobody => false,
            WhoCanInvite::Admins => is_admin,
            WhoCanInvite::AdminsAndGuestInviters => is_admin || is_guest_inviter,
            WhoCanInvite::Members => is_admin || is_guest_inviter || !is_guest,
            WhoCanInvite::Everyone => true,
        }
    }

    /// Whether an address at `domain` may be invited (or redeem a pending invitation).
    pub fn domain_allowed(&self, domain: &str) -> bool {
        let listed = self
            .domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")));
        match self.domain_mode {
            DomainMode::None => true,
            DomainMode::Allowlist => listed,
            DomainMode::Denylist => !listed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role], is_guest: bool) -> Inviter {
        Inviter::User {
            id: "u".into(),
            name: "n".into(),
            roles: roles.to_vec(),
            is_guest,
        }
    }

    #[test]
    fn who_may_invite_follows_the_setting() {
        let mut p = Policy::default();
        assert!(p.may_invite(&user(&[], false)));
        assert!(!p.may_invite(&user(&[], true)));
        p.who_can_invite = WhoCanInvite::Admins;
        assert!(!p.may_invite(&user(&[], false)));
        assert!(!p.may_invite(&user(&[Role::GuestInviter], false)));
        assert!(p.may_invite(&user(&[Role::Admin], false)));
        p.who_can_invite = WhoCanInvite::AdminsAndGuestInviters;
        assert!(p.may_invite(&user(&[Role::GuestInviter], false)));
        p.who_can_invite = WhoCanInvite::Everyone;
        assert!(p.may_invite(&user(&[], true)));
        p.who_can_invite = WhoCanInvite::Nobody;
        assert!(!p.may_invite(&user(&[Role::Admin], false)));
    }

    #[test]
    fn domain_lists_match_subdomains() {
        let allow = Policy {
            domain_mode: DomainMode::Allowlist,
            domains: vec!["Proseware.com".into()],
            ..Policy::default()
        }
        .validated()
        .unwrap();
        assert!(allow.domain_allowed("proseware.com"));
        assert!(allow.domain_allowed("eu.proseware.com"));
        assert!(!allow.domain_allowed("notproseware.com"));
        let deny = Policy {
            domain_mode: DomainMode::Denylist,
            ..allow
        };
        assert!(!deny.domain_allowed("proseware.com"));
        assert!(deny.domain_allowed("fabrikam.example"));
        assert!(
            Policy {
                domain_mode: DomainMode::Allowlist,
                ..Policy::default()
            }
            .validated()
            .is_err()
        );
    }
}
