//! How a user authenticated and how strongly they must: authentication method
//! references (RFC 8176), authentication context classes (OIDC Core §2, the
//! `acr` claim; `phr` from OpenID EAP ACR Values 1.0), and the tenant's
//! multi-factor policy.

use serde::{Deserialize, Serialize};

use super::UserType;
use super::text_enum::text_enum;

text_enum! {
    /// One authentication method reference (RFC 8176 §2; `fed` as Entra ID
    /// writes it for an assertion from another identity provider).
    pub enum AuthMethod as "authentication method" {
        /// A password kept here.
        Pwd = "pwd",
        /// A one-time password: TOTP, a recovery code or an emailed passcode.
        Otp = "otp",
        /// A key bound to one device (a security key, a device-bound passkey).
        Hwk = "hwk",
        /// A key that may leave the device (a synced passkey).
        Swk = "swk",
        /// The user was verified by the authenticator (PIN or biometric).
        User = "user",
        /// More than one factor was used.
        Mfa = "mfa",
        /// Another identity provider vouched for the user.
        Fed = "fed",
    }
}

/// The methods of one authentication, in the order of [`AuthMethod::ALL`],
/// each once. Stored as space-separated text, sent as the `amr` JSON array.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Amr(Vec<AuthMethod>);

impl Amr {
    pub fn of(methods: &[AuthMethod]) -> Amr {
        let mut amr = Amr::default();
        for method in methods {
            amr.add(*method);
        }
        amr
    }

    /// Reads stored text; `None` when it names a method this server never
    /// writes (the row was not written by Portico).
    pub fn parse(text: &str) -> Option<Amr> {
        let methods: Result<Vec<AuthMethod>, _> = text.split_whitespace().map(str::parse).collect();
        Some(Amr::of(&methods.ok()?))
    }

    /// Reads another provider's `amr` claim, keeping the methods this server
    /// knows and dropping the rest (they prove nothing here).
    pub fn from_claim(values: &[String]) -> Amr {
        let known: Vec<AuthMethod> = values.iter().filter_map(|v| v.parse().ok()).collect();
        Amr::of(&known)
    }

    pub fn add(&mut self, method: AuthMethod) {
        if !self.0.contains(&method) {
            self.0.push(method);
            self.0
                .sort_by_key(|m| AuthMethod::ALL.iter().position(|a| a == m));
        }
    }

    /// This authentication followed by a second factor `methods`.
    pub fn with_second_factor(&self, methods: &[AuthMethod]) -> Amr {
        let mut amr = self.clone();
        for method in methods {
            amr.add(*method);
        }
        amr.add(AuthMethod::Mfa);
        amr
    }

    pub fn contains(&self, method: AuthMethod) -> bool {
        self.0.contains(&method)
    }

    pub fn methods(&self) -> &[AuthMethod] {
        &self.0
    }

    /// The claim's values.
    pub fn values(&self) -> Vec<String> {
        self.0.iter().map(|m| m.as_str().to_owned()).collect()
    }

    /// The stored text.
    pub fn to_text(&self) -> String {
        self.values().join(" ")
    }

    /// The context class these methods reach.
    pub fn acr(&self) -> Acr {
        let key = self.contains(AuthMethod::Hwk) || self.contains(AuthMethod::Swk);
        match (self.contains(AuthMethod::Mfa), key) {
            (true, true) => Acr::PhishingResistant,
            (true, false) => Acr::MultiFactor,
            (false, _) => Acr::SingleFactor,
        }
    }
}

text_enum! {
    /// Authentication context classes, weakest first: `Ord` follows strength.
    pub enum Acr as "authentication context class" {
        /// One factor: a password, a passcode, or another provider's word.
        SingleFactor = "urn:portico:acr:sfa",
        /// Two factors.
        MultiFactor = "urn:portico:acr:mfa",
        /// Two factors, one of them a key bound to the origin (a passkey).
        PhishingResistant = "phr",
    }
}

impl Acr {
    fn rank(self) -> usize {
        Acr::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }

    /// Whether an authentication of this class meets `required`.
    pub fn satisfies(self, required: Acr) -> bool {
        self.rank() >= required.rank()
    }

    /// What an `acr_values` request parameter (OIDC Core §3.1.2.1) or the
    /// `values` of an essential `acr` claim (§5.5.1.1) ask for: meeting any one
    /// listed class is enough, so the weakest known one; unknown classes are
    /// ignored, and `None` when none is known.
    pub fn requested<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Acr> {
        values
            .into_iter()
            .filter_map(|v| v.parse::<Acr>().ok())
            .min_by_key(|a| a.rank())
    }
}

/// Who must use a second factor (the tenant's authentication policy).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum MfaRequired {
    #[default]
    Nobody,
    Admins,
    /// Every member, administrators included.
    Members,
    Guests,
    Everyone,
}

impl MfaRequired {
    pub const fn as_str(self) -> &'static str {
        match self {
            MfaRequired::Nobody => "nobody",
            MfaRequired::Admins => "admins",
            MfaRequired::Members => "members",
            MfaRequired::Guests => "guests",
            MfaRequired::Everyone => "everyone",
        }
    }

    pub fn parse(text: &str) -> Option<MfaRequired> {
        [
            MfaRequired::Nobody,
            MfaRequired::Admins,
            MfaRequired::Members,
            MfaRequired::Guests,
            MfaRequired::Everyone,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }

    pub fn applies_to(self, user_type: UserType, is_admin: bool) -> bool {
        match self {
            MfaRequired::Nobody => false,
            MfaRequired::Admins => is_admin,
            MfaRequired::Members => user_type == UserType::Member,
            MfaRequired::Guests => user_type == UserType::Guest,
            MfaRequired::Everyone => true,
        }
    }
}

/// What one sign-in must reach, from everything that may ask for more.
#[derive(Clone, Copy, Debug)]
pub struct Demands {
    /// The tenant's policy applies to this user.
    pub policy: bool,
    /// The app being signed in to requires MFA.
    pub app: bool,
    /// The user has a factor here (then they use it, as they expect).
    pub enrolled: bool,
    /// `acr_values` or an essential `acr` claim.
    pub requested: Option<Acr>,
}

impl Demands {
    pub fn required_acr(self) -> Acr {
        let floor = if self.policy || self.app || self.enrolled {
            Acr::MultiFactor
        } else {
            Acr::SingleFactor
        };
        match self.requested {
            Some(asked) if !floor.satisfies(asked) => asked,
            _ => floor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_from_its_text() {
        for m in AuthMethod::ALL {
            assert_eq!(m.as_str().parse::<AuthMethod>(), Ok(*m));
        }
        for a in Acr::ALL {
            assert_eq!(a.as_str().parse::<Acr>(), Ok(*a));
        }
    }

    #[test]
    fn amr_text_round_trips_in_a_fixed_order() {
        let amr = Amr::of(&[AuthMethod::Otp, AuthMethod::Pwd]).with_second_factor(&[]);
        assert_eq!(amr.to_text(), "pwd otp mfa");
        assert_eq!(Amr::parse("pwd otp mfa"), Some(amr));
        assert_eq!(Amr::parse("pwd"), Some(Amr::of(&[AuthMethod::Pwd])));
        assert_eq!(Amr::parse("pwd retina"), None);
    }

    #[test]
    fn foreign_amr_keeps_only_known_methods() {
        let amr = Amr::from_claim(&["pwd".into(), "face".into(), "mfa".into()]);
        assert_eq!(amr.values(), ["pwd", "mfa"]);
    }

    #[test]
    fn acr_follows_the_methods() {
        assert_eq!(Amr::of(&[AuthMethod::Pwd]).acr(), Acr::SingleFactor);
        let totp = Amr::of(&[AuthMethod::Pwd]).with_second_factor(&[AuthMethod::Otp]);
        assert_eq!(totp.acr(), Acr::MultiFactor);
        let key = Amr::of(&[AuthMethod::Swk, AuthMethod::User]).with_second_factor(&[]);
        assert_eq!(key.acr(), Acr::PhishingResistant);
        // A key without a second factor is not MFA.
        assert_eq!(Amr::of(&[AuthMethod::Hwk]).acr(), Acr::SingleFactor);
    }

    #[test]
    fn acr_strength_is_ordered() {
        assert!(Acr::PhishingResistant.satisfies(Acr::MultiFactor));
        assert!(Acr::MultiFactor.satisfies(Acr::SingleFactor));
        assert!(!Acr::SingleFactor.satisfies(Acr::MultiFactor));
        assert!(!Acr::MultiFactor.satisfies(Acr::PhishingResistant));
    }

    #[test]
    fn requested_acr_is_the_weakest_known_value() {
        let asked = Acr::requested("phr urn:portico:acr:mfa other".split(' '));
        assert_eq!(asked, Some(Acr::MultiFactor));
        assert_eq!(Acr::requested(["urn:other"]), None);
    }

    #[test]
    fn the_policy_names_who_must_use_a_second_factor() {
        use UserType::{Guest, Member};
        assert!(!MfaRequired::Nobody.applies_to(Member, true));
        assert!(MfaRequired::Admins.applies_to(Member, true));
        assert!(!MfaRequired::Admins.applies_to(Member, false));
        assert!(MfaRequired::Members.applies_to(Member, false));
        assert!(!MfaRequired::Members.applies_to(Guest, false));
        assert!(MfaRequired::Guests.applies_to(Guest, false));
        assert!(MfaRequired::Everyone.applies_to(Guest, false));
        for m in ["nobody", "admins", "members", "guests", "everyone"] {
            assert_eq!(MfaRequired::parse(m).map(MfaRequired::as_str), Some(m));
        }
    }

    #[test]
    fn any_demand_raises_the_bar_to_two_factors() {
        let none = Demands {
            policy: false,
            app: false,
            enrolled: false,
            requested: None,
        };
        assert_eq!(none.required_acr(), Acr::SingleFactor);
        assert_eq!(
            Demands { app: true, ..none }.required_acr(),
            Acr::MultiFactor
        );
        assert_eq!(
            Demands {
                enrolled: true,
                ..none
            }
            .required_acr(),
            Acr::MultiFactor
        );
        let phr = Demands {
            policy: true,
            requested: Some(Acr::PhishingResistant),
            ..none
        };
        assert_eq!(phr.required_acr(), Acr::PhishingResistant);
        let weak = Demands {
            policy: true,
            requested: Some(Acr::SingleFactor),
            ..none
        };
        assert_eq!(weak.required_acr(), Acr::MultiFactor);
    }
}
