//! What strength of authentication an authorization request asks for: the
//! `acr_values` parameter (OIDC Core §3.1.2.1) and an essential `acr` claim in
//! the `claims` parameter (§5.5, §5.5.1.1). Stored with the request as the
//! requested [`Acr`]; the resume step enforces it.

use serde_json::{Map, Value};

use crate::domain::Acr;

/// Longer `claims` parameters are refused (anyone may send one).
const MAX_CLAIMS_LEN: usize = 4096;

/// The class the request requires, or `None` when it asks for none this
/// server knows. When both parameters ask, both must be met: the stronger
/// of the two. A malformed `claims` is an error (`invalid_request`).
pub fn requested(acr_values: Option<&str>, claims: Option<&str>) -> Result<Option<Acr>, String> {
    let from_values = acr_values.and_then(|v| Acr::requested(v.split(' ')));
    let from_claims = match claims {
        Some(text) => essential_acr(text)?,
        None => None,
    };
    Ok(match (from_values, from_claims) {
        (Some(a), Some(b)) if a.satisfies(b) => Some(a),
        (Some(_), Some(b)) => Some(b),
        (a, b) => a.or(b),
    })
}

/// The classes of an essential `acr` member of `claims.id_token`.
fn essential_acr(text: &str) -> Result<Option<Acr>, String> {
    if text.len() > MAX_CLAIMS_LEN {
        return Err("claims parameter too long".into());
    }
    let request: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("claims is not a JSON object: {e}"))?;
    let mut acr = None;
    for (target, members) in &request {
        let members = match members {
            Value::Object(members) => members,
            // A member we do not use may hold anything (§5.5: ignore it).
            _ if target != "id_token" && target != "userinfo" => continue,
            _ => return Err(format!("claims.{target} is not an object")),
        };
        for (name, claim) in members {
            let asked = individual_claim(target, name, claim)?;
            if target == "id_token" && name == "acr" {
                acr = asked;
            }
        }
    }
    Ok(acr)
}

/// One claim request (§5.5.1): `null` or an object whose `essential` is a
/// boolean, `value` a string and `values` an array of strings. Returns the
/// classes it requires when it is essential.
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
    fn acr_values_ask_for_the_weakest_listed_known_class() {
        let asked = requested(Some("urn:portico:acr:mfa phr"), None);
        assert_eq!(asked, Ok(Some(Acr::MultiFactor)));
        assert_eq!(requested(Some("urn:other:gold"), None), Ok(None));
        assert_eq!(requested(None, None), Ok(None));
    }

    #[test]
    fn an_essential_acr_claim_is_a_requirement_and_a_voluntary_one_is_not() {
        let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
        assert_eq!(
            requested(None, Some(essential)),
            Ok(Some(Acr::PhishingResistant))
        );
        let single = r#"{"id_token":{"acr":{"essential":true,"value":"urn:portico:acr:mfa"}}}"#;
        assert_eq!(requested(None, Some(single)), Ok(Some(Acr::MultiFactor)));
        let voluntary = r#"{"id_token":{"acr":{"values":["phr"]},"email":null}}"#;
        assert_eq!(requested(None, Some(voluntary)), Ok(None));
        // acr asked of userinfo says nothing about the sign-in.
        let userinfo = r#"{"userinfo":{"acr":{"essential":true,"values":["phr"]}}}"#;
        assert_eq!(requested(None, Some(userinfo)), Ok(None));
    }

    #[test]
    fn both_parameters_must_be_met() {
        let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
        let asked = requested(Some("urn:portico:acr:mfa"), Some(essential));
        assert_eq!(asked, Ok(Some(Acr::PhishingResistant)));
    }

    #[test]
    fn malformed_claims_are_refused() {
        for bad in [
            "not json",
            "[1,2]",
            r#"{"id_token":"acr"}"#,
            r#"{"id_token":{"acr":true}}"#,
            r#"{"id_token":{"acr":{"essential":"yes"}}}"#,
            r#"{"id_token":{"acr":{"essential":true,"values":"phr"}}}"#,
            r#"{"id_token":{"acr":{"essential":true,"values":[1]}}}"#,
            r#"{"userinfo":[]}"#,
        ] {
            assert!(requested(None, Some(bad)).is_err(), "{bad} accepted");
        }
        let long = format!(r#"{{"id_token":{{"x":"{}"}}}}"#, "a".repeat(5000));
        assert!(requested(None, Some(&long)).is_err());
    }
}
