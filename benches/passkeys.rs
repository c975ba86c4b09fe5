//! Passkey verification cost next to password verification, one core: what
//! one sign-in's check costs the server. A passkey assertion (ES256, through
//! webauthn-rs: client data, authenticator data, signature, counter) is
//! verified against its stored credential; a password against its argon2id
//! hash with the parameters Portico stores.
//!
//! `cargo bench --bench passkeys` (release); the assertions are made by the
//! test suite's software authenticator, outside the timed part.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, SecurityKey, Uuid};

#[path = "../tests/api/passkeys/authenticator.rs"]
#[allow(dead_code)]
mod authenticator;

const ORIGIN: &str = "https://id.example.com";

/// A credential registered the way Portico registers one.
fn registered(webauthn: &webauthn_rs::Webauthn, key: &mut authenticator::SoftKey) -> SecurityKey {
    let (options, state) = webauthn
        .start_securitykey_registration(Uuid::new_v4(), "megan", "Megan", None, None, None)
        .expect("registration starts");
    let options = portico::login::passkey::for_browser(&options).expect("options");
    let response: RegisterPublicKeyCredential =
        serde_json::from_value(key.create(&options)).expect("attestation");
    webauthn
        .finish_securitykey_registration(&response, &state)
        .expect("registration verifies")
}

fn bench(c: &mut Criterion) {
    let webauthn = portico::login::passkey::relying_party(ORIGIN).expect("relying party");
    let mut key = authenticator::SoftKey::new(ORIGIN);
    let credential = registered(&webauthn, &mut key);
    c.bench_function("passkey_verify_es256", |b| {
        b.iter_batched(
            || {
                let (options, state) = webauthn
                    .start_securitykey_authentication(std::slice::from_ref(&credential))
                    .expect("authentication starts");
                let options = serde_json::to_value(&options).expect("options");
                let assertion: PublicKeyCredential =
                    serde_json::from_value(key.get(&options)).expect("assertion");
                (assertion, state)
            },
            |(assertion, state)| {
                webauthn
                    .finish_securitykey_authentication(&assertion, &state)
                    .expect("assertion verifies")
            },
            BatchSize::SmallInput,
        )
    });
    let hash = portico::crypto::hash_password("correct horse battery").expect("hash");
    c.bench_function("password_verify_argon2id", |b| {
        b.iter(|| {
            assert!(portico::crypto::verify_password(
                "correct horse battery",
                &hash
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
