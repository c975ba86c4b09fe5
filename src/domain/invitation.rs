//! An invitation's lifecycle and what it grants.

use super::text_enum::text_enum;

text_enum! {
    /// The stored status. `expired` is never stored: see [`EffectiveStatus`].
    pub enum InvitationStatus as "invitation status" {
        Pending = "pending",
        Redeemed = "redeemed",
        Revoked = "revoked",
    }
}

text_enum! {
    /// The status a person sees: a pending invitation past its expiry is expired.
    pub enum EffectiveStatus as "invitation status" {
        Pending = "pending",
        Redeemed = "redeemed",
        Revoked = "revoked",
        Expired = "expired",
    }
}

text_enum! {
    /// What accepting the invitation grants: the tenant, a group's or an app's access.
    pub enum TargetKind as "invitation target" {
        Tenant = "tenant",
        Group = "group",
        App = "app",
    }
}

impl EffectiveStatus {
    pub fn of(status: InvitationStatus, expired: bool) -> EffectiveStatus {
        match status {
            InvitationStatus::Pending if expired => EffectiveStatus::Expired,
            InvitationStatus::Pending => EffectiveStatus::Pending,
            InvitationStatus::Redeemed => EffectiveStatus::Redeemed,
            InvitationStatus::Revoked => EffectiveStatus::Revoked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pending_invitation_expires() {
        assert_eq!(
            EffectiveStatus::of(InvitationStatus::Pending, true),
            EffectiveStatus::Expired
        );
        assert_eq!(
            EffectiveStatus::of(InvitationStatus::Revoked, true),
            EffectiveStatus::Revoked
        );
        assert_eq!(
            EffectiveStatus::of(InvitationStatus::Redeemed, true),
            EffectiveStatus::Redeemed
        );
    }

    #[test]
    fn texts_round_trip_and_expired_is_not_stored() {
        for s in InvitationStatus::ALL {
            assert_eq!(s.as_str().parse::<InvitationStatus>(), Ok(*s));
        }
        for k in TargetKind::ALL {
            assert_eq!(k.as_str().parse::<TargetKind>(), Ok(*k));
        }
        assert!("expired".parse::<InvitationStatus>().is_err());
    }
}
