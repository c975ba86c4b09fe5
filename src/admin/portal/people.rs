//! How the console names users and what happened to them: human labels for
//! types, standings and homes, times in UTC, audit actions in words.

use crate::domain::{AuthMethod, IdentitySource, UserType};
use crate::store::users::{Home, Standing, User};

pub fn type_label(t: UserType) -> &'static str {
    match t {
        UserType::Member => "Member",
        UserType::Guest => "Guest",
    }
}

pub fn standing_label(s: Standing) -> &'static str {
    match s {
        Standing::Active => "Active",
        Standing::Blocked => "Blocked",
        Standing::Expired => "Expired",
        Standing::PendingAcceptance => "Pending acceptance",
    }
}

/// Where the user signs in, in words.
pub fn home_label(user: &User) -> String {
    match (user.identity_source, user.home_issuer.as_deref()) {
        (IdentitySource::Local, _) => "Password here".into(),
        (IdentitySource::EmailPasscode, _) => "One-time passcode by email".into(),
        (_, Some(issuer)) => issuer.to_owned(),
        (_, None) => "Not chosen yet".into(),
    }
}

/// The value of a filter in the address, and back.
pub fn home_value(home: &Home) -> String {
    match home {
        Home::Password => "password".into(),
        Home::Passcode => "passcode".into(),
        Home::Issuer(issuer) => issuer.clone(),
    }
}

pub fn parse_home(value: &str) -> Option<Home> {
    match value {
        "" => None,
        "password" => Some(Home::Password),
        "passcode" => Some(Home::Passcode),
        issuer => Some(Home::Issuer(issuer.to_owned())),
    }
}

pub fn parse_standing(value: &str) -> Result<Option<Standing>, String> {
    match value {
        "" => Ok(None),
        "active" => Ok(Some(Standing::Active)),
        "blocked" => Ok(Some(Standing::Blocked)),
        "expired" => Ok(Some(Standing::Expired)),
        "pending" => Ok(Some(Standing::PendingAcceptance)),
        other => Err(format!("{other:?} is not a state a user can be in.")),
    }
}

pub fn parse_type(value: &str) -> Result<Option<UserType>, String> {
    match value {
        "" => Ok(None),
        "member" => Ok(Some(UserType::Member)),
        "guest" => Ok(Some(UserType::Guest)),
        other => Err(format!("{other:?} is not a type of user.")),
    }
}

/// `2026-12-02 14:05 UTC`.
pub fn when(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An audit action in words: `group.member_removed` is "Group member
/// removed", `mfa.reset` "MFA reset".
pub fn action_label(action: crate::domain::AuditAction) -> String {
    let words: Vec<String> = action
        .as_str()
        .split(['.', '_'])
        .map(|word| match word {
            "mfa" | "totp" | "idp" | "par" => word.to_uppercase(),
            "dpop" => "DPoP".into(),
            other => other.to_owned(),
        })
        .collect();
    let sentence = words.join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => sentence,
    }
}

/// How a session was signed in (its stored `amr`), in words.
pub fn methods_label(amr: &str) -> String {
    let words: Vec<&str> = amr
        .split_whitespace()
        .filter_map(|m| match m.parse::<AuthMethod>().ok()? {
            AuthMethod::Pwd => Some("password"),
            AuthMethod::Otp => Some("one-time code"),
            AuthMethod::Hwk | AuthMethod::Swk => Some("passkey"),
            AuthMethod::Fed => Some("another provider"),
            AuthMethod::User | AuthMethod::Mfa => None,
        })
        .collect();
    match words.join(" + ") {
        w if w.is_empty() => "-".into(),
        w => w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuditAction;

    #[test]
    fn audit_actions_read_as_words() {
        assert_eq!(
            action_label(AuditAction::GroupMemberRemoved),
            "Group member removed"
        );
        assert_eq!(action_label(AuditAction::UserBlocked), "User blocked");
        assert_eq!(action_label(AuditAction::FactorsReset), "MFA reset");
        assert_eq!(methods_label("pwd otp mfa"), "password + one-time code");
    }

    #[test]
    fn filters_parse_what_the_form_offers_and_refuse_the_rest() {
        assert_eq!(
            parse_standing("pending"),
            Ok(Some(Standing::PendingAcceptance))
        );
        assert_eq!(parse_standing(""), Ok(None));
        assert!(parse_standing("pending_acceptance").is_err());
        assert_eq!(parse_type("guest"), Ok(Some(UserType::Guest)));
        assert!(parse_type("admin").is_err());
        assert_eq!(parse_home("passcode"), Some(Home::Passcode));
        assert_eq!(
            parse_home("https://idp.example"),
            Some(Home::Issuer("https://idp.example".into()))
        );
    }
}
