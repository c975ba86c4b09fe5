//! Checking one DPoP proof JWT (RFC 9449 §4.2, §4.3): its header (`typ`, an
//! asymmetric `alg`, a public `jwk`), signature, and claims (`htm`, `htu`,
//! `iat`, `jti`, `ath`). Nonces and replay are the caller's (`super`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The signature algorithms accepted in proofs, as advertised in discovery
/// (`dpop_signing_alg_values_supported`): asymmetric only (§4.3 step 5).
pub const ALGORITHMS: &[(Algorithm, &str)] = &[
    (Algorithm::ES256, "ES256"),
    (Algorithm::ES384, "ES384"),
    (Algorithm::PS256, "PS256"),
    (Algorithm::PS384, "PS384"),
    (Algorithm::PS512, "PS512"),
    (Algorithm::RS256, "RS256"),
    (Algorithm::RS384, "RS384"),
    (Algorithm::RS512, "RS512"),
    (Algorithm::EdDSA, "EdDSA"),
];

/// Bigger proofs are refused before any parsing.
pub const MAX_PROOF_BYTES: usize = 8 * 1024;
const MAX_JTI_BYTES: usize = 256;
const MIN_RSA_MODULUS_BYTES: usize = 256;
/// Bigger RSA keys only cost verification time (anyone may send a proof).
const MAX_RSA_MODULUS_BYTES: usize = 512;
/// How far ahead of our clock a proof's `iat` may be.
const FUTURE_LEEWAY_SECONDS: i64 = 10;
/// JWK members that only a private (or symmetric) key has (RFC 7518 §6).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What the request the proof comes with must match.
pub struct Expected<'a> {
    pub method: &'a str,
    /// The request's URL as this server is reached (no query, no fragment).
    pub url: &'a str,
    /// The access token presented with the proof, which `ath` must hash.
    pub access_token: Option<&'a str>,
    /// The oldest acceptable `iat` is this many seconds before `now`.
    pub max_age: i64,
    pub now: i64,
}

/// A proof whose signature and claims checked out.
#[derive(Debug)]
pub struct Proof {
    /// RFC 7638 SHA-256 thumbprint of the proof's key (`cnf.jkt`).
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    pub nonce: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// Checks `token` against `expected`; the error says why, for the logs.
pub fn check(token: &str, expected: &Expected<'_>) -> Result<Proof, String> {
    if token.len() > MAX_PROOF_BYTES {
        return Err("proof too large".into());
    }
    let jwk = public_jwk(token)?;
    let header = jsonwebtoken::decode_header(token).map_err(|e| format!("header: {e}"))?;
    if !ALGORITHMS.iter().any(|(alg, _)| *alg == header.alg) {
        return Err(format!("alg {:?} not accepted", header.alg));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("jwk: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| format!("signature or claims: {e}"))?
        .claims;
    check_claims(&claims, expected)?;
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| format!("thumbprint: {e}"))?;
    Ok(Proof {
        jkt,
        jti: claims.jti,
        iat: claims.iat,
        nonce: claims.nonce,
    })
}

/// The header's `jwk`, after checking `typ` and that the key is public, and
/// (RSA) 2048 to 4096 bits.
fn public_jwk(token: &str) -> Result<Jwk, String> {
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| "header is not base64url")?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| "header is not JSON")?;
    if !header["typ"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt"))
    {
        return Err("typ is not dpop+jwt".into());
    }
    let raw = header["jwk"].as_object().ok_or("no jwk in the header")?;
    if PRIVATE_MEMBERS.iter().any(|m| raw.contains_key(*m)) {
        return Err("jwk holds private or symmetric key material".into());
    }
    let jwk: Jwk =
        serde_json::from_value(header["jwk"].clone()).map_err(|e| format!("jwk: {e}"))?;
    match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let n = URL_SAFE_NO_PAD.decode(&rsa.n).map_err(|_| "jwk n")?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            if !(MIN_RSA_MODULUS_BYTES..=MAX_RSA_MODULUS_BYTES).contains(&significant) {
                return Err("RSA key not between 2048 and 4096 bits".into());
            }
        }
        AlgorithmParameters::EllipticCurve(_) | AlgorithmParameters::OctetKeyPair(_) => {}
        _ => return Err("jwk is not an asymmetric public key".into()),
    }
    Ok(jwk)
}

fn check_claims(claims: &Claims, expected: &Expected<'_>) -> Result<(), String> {
    if claims.jti.is_empty() || claims.jti.len() > MAX_JTI_BYTES {
        return Err("jti missing or too long".into());
    }
    if claims.htm != expected.method {
        return Err(format!("htm {:?} is not {}", claims.htm, expected.method));
    }
    if !same_target(&claims.htu, expected.url) {
        return Err(format!("htu {:?} is not this endpoint", claims.htu));
    }
    if claims.iat < expected.now - expected.max_age
        || claims.iat > expected.now + FUTURE_LEEWAY_SECONDS
    {
        return Err("iat outside the accepted window".into());
    }
    if let Some(token) = expected.access_token {
        let hash = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        if claims.ath.as_deref() != Some(hash.as_str()) {
            return Err("ath missing or not the hash of the access token".into());
        }
    }
    Ok(())
}

/// §4.3 step 9: `htu` names the request's URL, ignoring query and fragment,
/// after syntax- and scheme-based normalization (RFC 3986 §6.2.2, §6.2.3:
/// case of scheme and host, default port, dot segments, empty path).
fn same_target(htu: &str, url: &str) -> bool {
    let normalized = |s: &str| {
        url::Url::parse(s).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u
        })
    };
    match (normalized(htu), normalized(url)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token whose header is `header` (the rest does not matter here).
    fn with_header(header: serde_json::Value) -> String {
        format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(header.to_string()))
    }

    fn rsa_jwk(modulus_bytes: usize) -> serde_json::Value {
        let mut n = vec![0xc5u8; modulus_bytes];
        n[modulus_bytes - 1] |= 1;
        serde_json::json!({"kty": "RSA", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode(n)})
    }

    #[test]
    fn only_public_asymmetric_keys_of_sane_size_are_taken_from_the_header() {
        let header = |jwk: serde_json::Value| {
            with_header(serde_json::json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": jwk}))
        };
        assert!(public_jwk(&header(rsa_jwk(256))).is_ok());
        assert!(public_jwk(&header(rsa_jwk(512))).is_ok());
        assert!(public_jwk(&header(rsa_jwk(255))).is_err());
        assert!(public_jwk(&header(rsa_jwk(513))).is_err());
        let mut private = rsa_jwk(256);
        private["d"] = "AQAB".into();
        assert!(public_jwk(&header(private)).is_err());
        let symmetric = serde_json::json!({"kty": "oct", "k": "c2VjcmV0"});
        assert!(public_jwk(&header(symmetric)).is_err());
        let untyped = with_header(serde_json::json!({"alg": "RS256", "jwk": rsa_jwk(256)}));
        assert!(public_jwk(&untyped).is_err());
    }

    #[test]
    fn htu_is_compared_after_normalization_without_query_or_fragment() {
        let url = "https://id.example/t/acme/token";
        assert!(same_target("https://id.example/t/acme/token", url));
        assert!(same_target(
            "HTTPS://ID.example:443/t/acme/token?x=1#f",
            url
        ));
        assert!(same_target("https://id.example/t/acme/./token", url));
        assert!(!same_target("https://id.example/t/acme/userinfo", url));
        assert!(!same_target("http://id.example/t/acme/token", url));
        assert!(!same_target("https://id.example:8443/t/acme/token", url));
        assert!(!same_target("/t/acme/token", url));
    }
}
