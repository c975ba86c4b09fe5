//! A user's kind, standing, roles and where their identity lives.

use super::text_enum::text_enum;

text_enum! {
    /// Members belong to the tenant; guests are invited from elsewhere.
    pub enum UserType as "user type" {
        Member = "member",
        Guest = "guest",
    }
}

text_enum! {
    /// Whether an administrator has blocked the user.
    pub enum UserStatus as "user status" {
        Active = "active",
        Blocked = "blocked",
    }
}

text_enum! {
    /// A guest's redemption state; members have none.
    pub enum ExternalState as "external state" {
        PendingAcceptance = "pending_acceptance",
        Accepted = "accepted",
    }
}

text_enum! {
    /// Where the user signs in.
    pub enum IdentitySource as "identity source" {
        /// A password kept here.
        Local = "local",
        /// Another tenant of this provider.
        HomeTenant = "home_tenant",
        /// An outside OpenID provider a guest was redeemed with.
        ExternalIdp = "external_idp",
        /// One-time passcodes by email.
        EmailPasscode = "email_passcode",
        /// The upstream of a federated tenant.
        Federated = "federated",
    }
}

text_enum! {
    /// A role granted to a user of the tenant.
    pub enum Role as "role" {
        /// Administers the tenant: users, guests, apps and settings.
        Admin = "admin",
        /// May invite guests when the policy admits guest inviters.
        GuestInviter = "guest_inviter",
    }
}

impl UserType {
    /// The `user_type` claim (Entra ID spelling).
    pub fn claim(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for t in UserType::ALL {
            assert_eq!(t.as_str().parse::<UserType>(), Ok(*t));
        }
        for s in UserStatus::ALL {
            assert_eq!(s.as_str().parse::<UserStatus>(), Ok(*s));
        }
        for e in ExternalState::ALL {
            assert_eq!(e.as_str().parse::<ExternalState>(), Ok(*e));
        }
        for i in IdentitySource::ALL {
            assert_eq!(i.as_str().parse::<IdentitySource>(), Ok(*i));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
        }
    }

    #[test]
    fn unknown_text_is_an_error() {
        assert!("Guest".parse::<UserType>().is_err());
        assert!("expired".parse::<UserStatus>().is_err());
        assert!("".parse::<IdentitySource>().is_err());
        assert!("Admin".parse::<Role>().is_err());
    }

    #[test]
    fn displays_as_the_stored_text_with_padding() {
        assert_eq!(format!("[{:<8}]", UserStatus::Active), "[active  ]");
    }

    #[test]
    fn serializes_as_the_stored_text() {
        assert_eq!(
            serde_json::to_string(&ExternalState::PendingAcceptance).unwrap(),
            "\"pending_acceptance\""
        );
    }
}
