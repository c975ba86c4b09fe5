//! What strength of authentication an authorization request asks for: the
//! `acr_values` parameter (OIDC Core §3.1.2.1) and an essential `acr` claim in
//! the `claims` parameter (§5.5, §5.5.1.1; parsed by `ClaimsRequest`). Stored
//! with the request as the requested [`Acr`]; the resume step enforces it.

use crate::domain::{Acr, ClaimsRequest};

/// The class the request requires, or `None` when it asks for none this
/// server knows. When both parameters ask, both must be met: the stronger
/// of the two.
pub fn requested(acr_values: Option<&str>, claims: Option<&ClaimsRequest>) -> Option<Acr> {
    let from_values = acr_values.and_then(|v| Acr::requested(v.split(' ')));
    let from_claims = claims.and_then(|c| c.essential_acr);
    match (from_values, from_claims) {
        (Some(a), Some(b)) if a.satisfies(b) => Some(a),
        (Some(_), Some(b)) => Some(b),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(text: &str) -> ClaimsRequest {
        ClaimsRequest::parse(text).unwrap()
    }

    #[test]
    fn acr_values_ask_for_the_weakest_listed_known_class() {
        let asked = requested(Some("urn:portico:acr:mfa phr"), None);
        assert_eq!(asked, Some(Acr::MultiFactor));
        assert_eq!(requested(Some("urn:other:gold"), None), None);
        assert_eq!(requested(None, None), None);
    }

    #[test]
    fn an_essential_acr_claim_alone_is_a_requirement() {
        let essential = claims(r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#);
        assert_eq!(
            requested(None, Some(&essential)),
            Some(Acr::PhishingResistant)
        );
    }

    #[test]
    fn both_parameters_must_be_met() {
        let essential = claims(r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#);
        let asked = requested(Some("urn:portico:acr:mfa"), Some(&essential));
        assert_eq!(asked, Some(Acr::PhishingResistant));
        let weaker =
            claims(r#"{"id_token":{"acr":{"essential":true,"values":["urn:portico:acr:mfa"]}}}"#);
        let asked = requested(Some("phr"), Some(&weaker));
        assert_eq!(asked, Some(Acr::PhishingResistant));
    }
}
