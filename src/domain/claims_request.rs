//! The `claims` request parameter (OIDC Core §5.5): which individual claims
//! to return in the ID token and at the UserInfo endpoint, and an essential
//! `acr` (§5.5.1.1). Parsed once at /authorize; the claims asked for by name
//! are stored with the request and then with its grant.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::text_enum::text_enum;
use super::{Acr, Scope};

/// Longer `claims` parameters are refused (anyone may send one).
pub const MAX_CLAIMS_LEN: usize = 4096;

text_enum! {
    /// A claim about the user that is released by scope (§5.4) or, asked
    /// for by name, by the `claims` parameter. Claims every token carries
    /// (`sub`, `tid`, `user_type`, `idp`, ...) need no asking.
    pub enum UserClaim as "claim" {
        Name = "name",
        PreferredUsername = "preferred_username",
        Email = "email",
        EmailVerified = "email_verified",
    }
}

impl UserClaim {
    /// The scope that releases this claim (and that consent speaks of).
    pub fn scope(self) -> Scope {
        match self {
            UserClaim::Name | UserClaim::PreferredUsername => Scope::Profile,
            UserClaim::Email | UserClaim::EmailVerified => Scope::Email,
        }
    }
}

/// The user claims a request asked for by name, per place (§5.5: the
/// `id_token` and `userinfo` members). Stored as JSON of claim names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedClaims {
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub id_token: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub userinfo: BTreeSet<String>,
}

impl RequestedClaims {
    pub fn is_empty(&self) -> bool {
        self.id_token.is_empty() && self.userinfo.is_empty()
    }

    /// The claims for the ID token.
    pub fn for_id_token(&self) -> impl Iterator<Item = UserClaim> + '_ {
        self.id_token.iter().filter_map(|c| c.parse().ok())
    }

    /// The claims for the UserInfo response.
    pub fn for_userinfo(&self) -> impl Iterator<Item = UserClaim> + '_ {
        self.userinfo.iter().filter_map(|c| c.parse().ok())
    }

    /// The scopes that cover every claim asked for: what consent must cover.
    pub fn scopes(&self) -> BTreeSet<Scope> {
        self.for_id_token()
            .chain(self.for_userinfo())
            .map(UserClaim::scope)
            .collect()
    }

    /// The stored form; `None` when nothing was asked for.
    pub fn to_stored(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(self).unwrap_or_default())
    }

    /// Reads the stored form; nothing asked for when absent or unreadable.
    pub fn from_stored(text: Option<&str>) -> RequestedClaims {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// A parsed `claims` parameter.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ClaimsRequest {
    /// The class an essential `acr` in `id_token` requires, if it names
    /// one this server knows.
    pub essential_acr: Option<Acr>,
    /// The user claims asked for by name; unknown claims are ignored (§5.5).
    pub released: RequestedClaims,
}

impl ClaimsRequest {
    /// Parses the parameter; malformed JSON or members are an error
    /// (`invalid_request`), and so is one longer than [`MAX_CLAIMS_LEN`].
    pub fn parse(text: &str) -> Result<ClaimsRequest, String> {
        if text.len() > MAX_CLAIMS_LEN {
            return Err("claims parameter too long".into());
        }
        let request: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| format!("claims is not a JSON object: {e}"))?;
        let mut parsed = ClaimsRequest::default();
        for (target, members) in &request {
            let place = match target.as_str() {
                "id_token" => &mut parsed.released.id_token,
                "userinfo" => &mut parsed.released.userinfo,
                // A member we do not use may hold anything (§5.5: ignore it).
                _ => continue,
            };
            let Value::Object(members) = members else {
                return Err(format!("claims.{target} is not an object"));
            };
            for (name, claim) in members {
                let asked = individual_claim(target, name, claim)?;
                if target == "id_token" && name == "acr" {
                    parsed.essential_acr = asked;
                }
                if name.parse::<UserClaim>().is_ok() {
                    place.insert(name.clone());
                }
            }
        }
        Ok(parsed)
    }
}

/// One claim request (§5.5.1): `null` or an object whose `essential` is a
/// boolean, `value` a string and `values` an array of strings (for `acr`;
/// other claims' values are not checked). Returns the classes it requires
/// when it is an essential `acr`.
fn individual_claim(target: &str, name: &str, claim: &Value) -> Result<Option<Acr>, String> {
    let bad = |what: &str| Err(format!("claims.{target}.{name}: {what}"));
    let members = match claim {
        Value::Null => return Ok(None),
        Value::Object(members) => members,
        _ => return bad("not null or an object"),
    };
    let essential = match members.get("essential") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return bad("essential is not a boolean"),
    };
    let mut values: Vec<&str> = Vec::new();
    match members.get("value") {
        None => {}
        Some(Value::String(v)) => values.push(v),
        Some(_) if name == "acr" => return bad("value is not a string"),
        Some(_) => {}
    }
    match members.get("values") {
        None => {}
        Some(Value::Array(list)) => {
            for v in list {
                match v {
                    Value::String(v) => values.push(v),
                    _ if name == "acr" => return bad("values holds a non-string"),
                    _ => {}
                }
            }
        }
        Some(_) => return bad("values is not an array"),
    }
    if !essential || name != "acr" {
        return Ok(None);
    }
    Ok(Acr::requested(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_claims_are_kept_per_place_and_unknown_ones_ignored() {
        let text = r#"{"id_token":{"email":{"essential":true},"shoe_size":null,"acr":null},
                       "userinfo":{"name":null,"email_verified":{"value":true}},"other":5}"#;
        let parsed = ClaimsRequest::parse(text).unwrap();
        assert_eq!(
            parsed.released.id_token,
            BTreeSet::from(["email".to_owned()])
        );
        assert_eq!(
            parsed.released.userinfo,
            BTreeSet::from(["email_verified".to_owned(), "name".to_owned()])
        );
        assert_eq!(
            parsed.released.scopes(),
            BTreeSet::from([Scope::Profile, Scope::Email])
        );
        let stored = parsed.released.to_stored();
        assert_eq!(
            RequestedClaims::from_stored(stored.as_deref()),
            parsed.released
        );
        assert_eq!(RequestedClaims::default().to_stored(), None);
    }

    #[test]
    fn an_essential_acr_claim_is_a_requirement_and_a_voluntary_one_is_not() {
        let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
        let parsed = ClaimsRequest::parse(essential).unwrap();
        assert_eq!(parsed.essential_acr, Some(Acr::PhishingResistant));
        let single = r#"{"id_token":{"acr":{"essential":true,"value":"urn:portico:acr:mfa"}}}"#;
        let parsed = ClaimsRequest::parse(single).unwrap();
        assert_eq!(parsed.essential_acr, Some(Acr::MultiFactor));
        let voluntary = r#"{"id_token":{"acr":{"values":["phr"]},"email":null}}"#;
        assert_eq!(ClaimsRequest::parse(voluntary).unwrap().essential_acr, None);
        // acr asked of userinfo says nothing about the sign-in.
        let userinfo = r#"{"userinfo":{"acr":{"essential":true,"values":["phr"]}}}"#;
        assert_eq!(ClaimsRequest::parse(userinfo).unwrap().essential_acr, None);
    }

    #[test]
    fn malformed_claims_are_refused() {
        for bad in [
            "not json",
            "[1,2]",
            r#"{"id_token":"acr"}"#,
            r#"{"id_token":{"acr":true}}"#,
            r#"{"id_token":{"email":[]}}"#,
            r#"{"id_token":{"acr":{"essential":"yes"}}}"#,
            r#"{"id_token":{"acr":{"essential":true,"values":"phr"}}}"#,
            r#"{"id_token":{"acr":{"essential":true,"values":[1]}}}"#,
            r#"{"userinfo":[]}"#,
        ] {
            assert!(ClaimsRequest::parse(bad).is_err(), "{bad} accepted");
        }
        let long = format!(r#"{{"id_token":{{"x":"{}"}}}}"#, "a".repeat(5000));
        assert!(ClaimsRequest::parse(&long).is_err());
    }
}
