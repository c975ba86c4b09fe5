//! Signing keys: RSA-2048 generated with `rsa`, or P-256; JWS signing through
//! aws-lc with the key parsed once (RFC 7515 compact serialisation).

use crate::domain::TenantId;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use rsa::pkcs8::EncodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;

use crate::store::keys::KeyRow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningAlg {
    Rs256,
    Es256,
}

impl SigningAlg {
    pub fn parse(s: &str) -> Option<SigningAlg> {
        match s {
            "RS256" => Some(SigningAlg::Rs256),
            "ES256" => Some(SigningAlg::Es256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
        }
    }

    pub fn jwt_alg(self) -> jsonwebtoken::Algorithm {
        match self {
            SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
            SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

/// A freshly generated key, ready to be stored.
pub struct GeneratedKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub private_pkcs8: Vec<u8>,
    pub public_jwk: serde_json::Value,
}

/// Generates a key; the kid is the RFC 7638 SHA-256 thumbprint of its public JWK.
pub fn generate(alg: SigningAlg) -> anyhow::Result<GeneratedKey> {
    let (private_pkcs8, mut jwk) = match alg {
        SigningAlg::Rs256 => {
            let key = rsa::PrivateKey::new(&mut rand::rngs::SysRng, 2048)?;
            let der = key.to_pkcs8_der()?.as_bytes().to_vec();
            let public = key.to_public_key();
            let jwk = serde_json::json!({
                "kty": "RSA",
                "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
                "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
            });
            (der, jwk)
        }
        SigningAlg::Es256 => {
            let rng = SystemRandom::new();
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| anyhow::anyhow!("P-256 key generation failed"))?;
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
                .map_err(|e| anyhow::anyhow!("P-256 key rejected: {e}"))?;
            let point = pair.public_key().as_ref();
            anyhow::ensure!(
                point.len() == 65 && point[0] == 4,
                "unexpected P-256 point encoding"
            );
            let jwk = serde_json::json!({
                "kty": "EC",
                "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
            });
            (doc.as_ref().to_vec(), jwk)
        }
    };
    let parsed: Jwk = serde_json::from_value(jwk.clone())?;
    let kid = parsed.thumbprint(ThumbprintHash::SHA256)?;
    let obj = jwk.as_object_mut().expect("jwk is an object");
    obj.insert("kid".into(), kid.clone().into());
    obj.insert("use".into(), "sig".into());
    obj.insert("alg".into(), alg.as_str().into());
    Ok(GeneratedKey {
        kid,
        alg,
        private_pkcs8,
        public_jwk: jwk,
    })
}

impl GeneratedKey {
    /// The stored key, signing from `activates_at` (recorded active when
    /// that moment has already come).
    pub fn into_row(self, tenant_id: &TenantId, activates_at: chrono::NaiveDateTime) -> KeyRow {
        let now = crate::store::now();
        KeyRow {
            kid: self.kid,
            tenant_id: tenant_id.to_string(),
            alg: self.alg.as_str().to_owned(),
            private_key: STANDARD.encode(&self.private_pkcs8),
            public_jwk: self.public_jwk.to_string(),
            active: activates_at <= now,
            created_at: now,
            retired_at: None,
            publish_until: None,
            activates_at,
        }
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key parsed once and kept for signing.
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pair: Pair,
    rng: SystemRandom,
}

impl SigningKey {
    pub fn from_row(row: &KeyRow) -> anyhow::Result<SigningKey> {
        let alg = SigningAlg::parse(&row.alg).ok_or_else(|| anyhow::anyhow!("unknown alg"))?;
        let der = STANDARD.decode(&row.private_key)?;
        let pair = match alg {
            SigningAlg::Rs256 => Pair::Rsa(
                RsaKeyPair::from_pkcs8(&der)
                    .map_err(|e| anyhow::anyhow!("RSA key rejected: {e}"))?,
            ),
            SigningAlg::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(|e| anyhow::anyhow!("EC key rejected: {e}"))?,
            ),
        };
        Ok(SigningKey {
            kid: row.kid.clone(),
            alg,
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// A compact JWS over `claims` with header `{alg, typ, kid}`.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> anyhow::Result<String> {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            typ: &'a str,
            kid: &'a str,
        }
        let header = serde_json::to_vec(&Header {
            alg: self.alg.as_str(),
            typ,
            kid: &self.kid,
        })?;
        let payload = serde_json::to_vec(claims)?;
        let mut jws = URL_SAFE_NO_PAD.encode(header);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut jws);
        let signature = match &self.pair {
            Pair::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &self.rng, jws.as_bytes(), &mut sig)
                    .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
                sig
            }
            Pair::Ec(pair) => pair
                .sign(&self.rng, jws.as_bytes())
                .map_err(|_| anyhow::anyhow!("ECDSA signing failed"))?
                .as_ref()
                .to_vec(),
        };
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_with_the_published_jwk() {
        for alg in [SigningAlg::Rs256, SigningAlg::Es256] {
            let generated = generate(alg).unwrap();
            let jwk: Jwk = serde_json::from_value(generated.public_jwk.clone()).unwrap();
            assert_eq!(
                jwk.thumbprint(ThumbprintHash::SHA256).unwrap(),
                generated.kid
            );
            let row = generated.into_row(&TenantId::from("t1".to_owned()), crate::store::now());
            let key = SigningKey::from_row(&row).unwrap();
            let token = key
                .sign(
                    "JWT",
                    &serde_json::json!({"sub": "x", "exp": 4102444800u64}),
                )
                .unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.kid.as_deref(), Some(row.kid.as_str()));
            let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let mut validation = jsonwebtoken::Validation::new(alg.jwt_alg());
            validation.validate_aud = false;
            let data =
                jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
            assert_eq!(data.claims["sub"], "x");
        }
    }
}
