//! Token signing cost: Portico's pre-parsed aws-lc keys (RS256, ES256) against
//! jsonwebtoken's `encode`, which re-parses the private key on every call.

use criterion::{Criterion, criterion_group, criterion_main};
use portico::tokens::claims::AccessTokenClaims;
use portico::tokens::keys::{self, SigningAlg, SigningKey};

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "http://127.0.0.1:8080/t/contoso".into(),
        sub: "0b7c5d7e-6f6a-4d0e-9a53-2d1f8a4f1f3e".into(),
        aud: "http://127.0.0.1:8080/t/contoso".into(),
        client_id: "0b7c5d7e-6f6a-4d0e-9a53-2d1f8a4f1f3e".into(),
        scope: String::new(),
        tid: "019abf8e-3c1e-7d52-a1a4-1f0f3f2b9c11".into(),
        exp: 1_900_000_000,
        iat: 1_899_999_400,
        jti: "6a1f9c1e-4a57-4c39-9d0a-0d1c3e2f4b5a".into(),
        auth_time: None,
        amr: Vec::new(),
        acr: None,
        roles: vec!["Invitations.Invite".into()],
        gid: None,
        cnf: None,
    }
}

fn bench(c: &mut Criterion) {
    let claims = claims();
    for alg in [SigningAlg::Rs256, SigningAlg::Es256] {
        let generated = keys::generate(alg).expect("key");
        let der = generated.private_pkcs8.clone();
        let row = generated.into_row(
            &portico::domain::TenantId::from("bench".to_owned()),
            portico::store::now(),
        );
        let key = SigningKey::from_row(&row).expect("signing key");
        c.bench_function(&format!("portico_sign_{}", alg.as_str()), |b| {
            b.iter(|| key.sign("at+jwt", &claims).expect("sign"))
        });
        let encoding = match alg {
            SigningAlg::Rs256 => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                use rsa::pkcs8::DecodePrivateKey;
                let key = rsa::PrivateKey::from_pkcs8_der(&der).expect("pkcs8");
                jsonwebtoken::EncodingKey::from_rsa_der(
                    key.to_pkcs1_der().expect("pkcs1").as_bytes(),
                )
            }
            SigningAlg::Es256 => jsonwebtoken::EncodingKey::from_ec_der(&der),
        };
        let mut header = jsonwebtoken::Header::new(alg.jwt_alg());
        header.kid = Some(row.kid.clone());
        c.bench_function(&format!("jsonwebtoken_encode_{}", alg.as_str()), |b| {
            b.iter(|| jsonwebtoken::encode(&header, &claims, &encoding).expect("encode"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
