//! What an audit event records was done.

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
}
