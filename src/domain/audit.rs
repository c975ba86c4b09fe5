//! What an audit event records was done.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};

use super::text_enum::text_enum;

text_enum! {
    /// An audited action, stored as its dotted text (`subject.what_happened`).
    pub enum AuditAction as "audit action" {
        TenantCreated = "tenant.created",
        TenantFederated = "tenant.federated",
        TenantLocal = "tenant.local",
        UserCreated = "user.created",
        UserBlocked = "user.blocked",
        UserUnblocked = "user.unblocked",
        UserRemoved = "user.removed",
        UserAccessExpirySet = "user.access_expiry_set",
        MemberProvisioned = "member.provisioned",
        MemberUpdatedFromUpstream = "member.updated_from_upstream",
        GuestRedemptionReset = "guest.redemption_reset",
        GroupCreated = "group.created",
        GroupMemberAdded = "group.member_added",
        AppCreated = "app.created",
        AppAssigned = "app.assigned",
        AppAssignmentRequired = "app.assignment_required",
        /// A new key signing at once, without pre-publication (forced).
        KeysRotated = "keys.rotated",
        KeyPublished = "keys.next_published",
        KeyPromoted = "keys.promoted",
        KeyRetired = "keys.retired",
        KeyRemoved = "keys.removed",
        InvitationCreated = "invitation.created",
        InvitationResent = "invitation.resent",
        InvitationRevoked = "invitation.revoked",
        InvitationRedeemed = "invitation.redeemed",
        InvitationRedemptionRefused = "invitation.redemption_refused",
        PasscodeSent = "passcode.sent",
        SignInRefused = "signin.refused",
        TokenExchanged = "token.exchanged",
        IdpAdded = "idp.added",
        IdpUpdated = "idp.updated",
        IdpRemoved = "idp.removed",
        PolicyUpdated = "policy.updated",
        CrossTenantAccessUpdated = "cross_tenant_access.updated",
        PasskeyAdded = "mfa.passkey_added",
        PasskeyRemoved = "mfa.passkey_removed",
        PasskeyUsed = "mfa.passkey_used",
        PasskeyCloneSuspected = "mfa.passkey_clone_suspected",
        TotpAdded = "mfa.totp_added",
        TotpRemoved = "mfa.totp_removed",
        RecoveryCodeUsed = "mfa.recovery_code_used",
        RecoveryCodesCreated = "mfa.recovery_codes_created",
        FactorsReset = "mfa.reset",
        AuthPolicyUpdated = "auth_policy.updated",
        AppRequireMfaUpdated = "app.require_mfa_updated",
        AppHomeUrlUpdated = "app.home_url_updated",
        DeviceApproved = "device.approved",
        DeviceDenied = "device.denied",
        AppBackchannelLogoutUpdated = "app.backchannel_logout_updated",
        SessionsRevoked = "user.sessions_revoked",
        AppDpopBoundUpdated = "app.dpop_bound_access_tokens_updated",
        AppClientAuthUpdated = "app.client_auth_updated",
        AppRequireParUpdated = "app.require_par_updated",
        GroupRenamed = "group.renamed",
        GroupMemberRemoved = "group.member_removed",
        AppSecretRotated = "app.secret_rotated",
        AppUnassigned = "app.unassigned",
        AppRedirectUrisUpdated = "app.redirect_uris_updated",
    }
}

impl AuditAction {
    /// What happened, in words for people (the console's audit log).
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::TenantCreated => "Organization created",
            AuditAction::TenantFederated => "Organization federated",
            AuditAction::TenantLocal => "Organization made local",
            AuditAction::UserCreated => "User created",
            AuditAction::UserBlocked => "User blocked",
            AuditAction::UserUnblocked => "User unblocked",
            AuditAction::UserRemoved => "User removed",
            AuditAction::UserAccessExpirySet => "End of access set",
            AuditAction::MemberProvisioned => "Member provisioned",
            AuditAction::MemberUpdatedFromUpstream => "Member updated from upstream",
            AuditAction::GuestRedemptionReset => "Guest redemption reset",
            AuditAction::GroupCreated => "Group created",
            AuditAction::GroupMemberAdded => "Group member added",
            AuditAction::AppCreated => "App registered",
            AuditAction::AppAssigned => "App assigned",
            AuditAction::AppAssignmentRequired => "App assignment requirement changed",
            AuditAction::KeysRotated => "Signing key rotated at once",
            AuditAction::KeyPublished => "Next signing key published",
            AuditAction::KeyPromoted => "Signing key switched",
            AuditAction::KeyRetired => "Signing key retired",
            AuditAction::KeyRemoved => "Signing key removed",
            AuditAction::InvitationCreated => "Invitation sent",
            AuditAction::InvitationResent => "Invitation resent",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::InvitationRedeemed => "Invitation accepted",
            AuditAction::InvitationRedemptionRefused => "Invitation acceptance refused",
            AuditAction::PasscodeSent => "Passcode sent",
            AuditAction::SignInRefused => "Sign-in refused",
            AuditAction::TokenExchanged => "Token exchanged",
            AuditAction::IdpAdded => "Identity provider added",
            AuditAction::IdpUpdated => "Identity provider changed",
            AuditAction::IdpRemoved => "Identity provider removed",
            AuditAction::PolicyUpdated => "Collaboration policy changed",
            AuditAction::CrossTenantAccessUpdated => "Cross-tenant access changed",
            AuditAction::PasskeyAdded => "Passkey added",
            AuditAction::PasskeyRemoved => "Passkey removed",
            AuditAction::PasskeyUsed => "Passkey used",
            AuditAction::PasskeyCloneSuspected => "Passkey refused (possible copy)",
            AuditAction::TotpAdded => "Authenticator app added",
            AuditAction::TotpRemoved => "Authenticator app removed",
            AuditAction::RecoveryCodeUsed => "Recovery code used",
            AuditAction::RecoveryCodesCreated => "Recovery codes created",
            AuditAction::FactorsReset => "Second factors reset",
            AuditAction::AuthPolicyUpdated => "Authentication policy changed",
            AuditAction::AppRequireMfaUpdated => "App's second-factor requirement changed",
            AuditAction::AppHomeUrlUpdated => "App home page changed",
            AuditAction::DeviceApproved => "Device sign-in approved",
            AuditAction::DeviceDenied => "Device sign-in denied",
            AuditAction::AppBackchannelLogoutUpdated => "App's back-channel logout changed",
            AuditAction::SessionsRevoked => "Sessions ended",
            AuditAction::AppDpopBoundUpdated => "App's DPoP binding changed",
            AuditAction::AppClientAuthUpdated => "App's client authentication changed",
            AuditAction::AppRequireParUpdated => "App's pushed-request requirement changed",
            AuditAction::GroupRenamed => "Group renamed",
            AuditAction::GroupMemberRemoved => "Group member removed",
            AuditAction::AppSecretRotated => "App secret rotated",
            AuditAction::AppUnassigned => "App assignment removed",
            AuditAction::AppRedirectUrisUpdated => "App redirect URIs changed",
        }
    }

    /// The actions that record a refusal: someone kept out, shown together
    /// on the console's overview.
    pub const REFUSALS: [AuditAction; 3] = [
        AuditAction::SignInRefused,
        AuditAction::InvitationRedemptionRefused,
        AuditAction::PasskeyCloneSuspected,
    ];
}

/// Which end of a searched time range a typed time is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeEnd {
    /// The first instant the time names is in the range.
    From,
    /// The whole day, minute or second the time names is in the range: the
    /// bound is the instant just after it (exclusive).
    To,
}

/// A time that could not be read as one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{shown:?} is not a time: write a date such as 2026-12-02, or a date and time such as 2026-12-02T14:05 (UTC)"
)]
pub struct BadTime {
    shown: String,
}

/// A time typed into an audit search, in UTC: a date (`2026-12-02`), a
/// minute (`2026-12-02T14:05`, what a `datetime-local` input sends; also as
/// the console shows times, `2026-12-02 14:05 UTC`), a second, or RFC 3339
/// with its zone. Returns the bound for `end`.
pub fn range_bound(text: &str, end: RangeEnd) -> Result<NaiveDateTime, BadTime> {
    let typed = text.trim();
    let bad = || BadTime {
        shown: typed.chars().take(40).collect(),
    };
    let text = typed.strip_suffix(" UTC").unwrap_or(typed);
    let text = match text.split_once(' ') {
        Some((day, time)) => format!("{day}T{time}"),
        None => text.to_owned(),
    };
    let text = text.as_str();
    let (start, unit) = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        (
            day.and_hms_opt(0, 0, 0).ok_or_else(bad)?,
            TimeDelta::days(1),
        )
    } else if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M") {
        (at, TimeDelta::minutes(1))
    } else if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        (at, TimeDelta::seconds(1))
    } else if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        (at.naive_utc(), TimeDelta::zero())
    } else {
        return Err(bad());
    };
    match end {
        RangeEnd::From => Ok(start),
        RangeEnd::To => start.checked_add_signed(unit).ok_or_else(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for a in AuditAction::ALL {
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(*a));
        }
        assert!("user.deleted".parse::<AuditAction>().is_err());
    }

    #[test]
    fn typed_times_bound_the_whole_day_minute_or_second_they_name() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let from = |s| range_bound(s, RangeEnd::From);
        let to = |s| range_bound(s, RangeEnd::To);
        assert_eq!(from("2026-12-02"), Ok(at("2026-12-02 00:00:00")));
        assert_eq!(to("2026-12-02"), Ok(at("2026-12-03 00:00:00")));
        assert_eq!(from(" 2026-12-02T14:05 "), Ok(at("2026-12-02 14:05:00")));
        assert_eq!(to("2026-12-02T14:05"), Ok(at("2026-12-02 14:06:00")));
        assert_eq!(to("2026-12-02 14:05 UTC"), Ok(at("2026-12-02 14:06:00")));
        assert_eq!(to("2026-12-02T14:05:09"), Ok(at("2026-12-02 14:05:10")));
        assert_eq!(
            from("2026-12-02T15:05:00+01:00"),
            Ok(at("2026-12-02 14:05:00"))
        );
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-12-02 14:05 CET",
            "",
            "+262143-12-31",
        ] {
            let error = to(bad).unwrap_err().to_string();
            assert!(error.contains("2026-12-02T14:05"), "{bad}: {error}");
        }
    }

    #[test]
    fn every_action_has_its_own_label() {
        let labels: std::collections::HashSet<&str> =
            AuditAction::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(labels.len(), AuditAction::ALL.len());
        assert!(labels.iter().all(|l| !l.contains('.') && !l.contains('_')));
    }
}
