//! What one sign-in's check costs the server, per factor, on one core:
//! a passkey assertion (ES256, through webauthn-rs: client data,
//! authenticator data, signature, counter) against its stored credential; a
//! TOTP code (unsealing the stored secret, then RFC 6238 with one step of
//! skew either way); a password against its argon2id hash with the
//! parameters Portico stores.
//!
//! `cargo bench --bench factors` (release); the assertions are made by the
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
    let sealer = portico::crypto::Sealer::from_key(&[7u8; 32]).expect("sealer");
    let secret = portico::login::mfa::totp::new_secret();
    let sealed = sealer.seal("totp", &secret);
    let now = portico::login::mfa::totp::unix_now();
    let authenticator =
        portico::login::mfa::totp::authenticator(&secret, "Contoso", "megan").expect("totp");
    let code = authenticator.generate(now).to_string();
    c.bench_function("totp_verify_sha1", |b| {
        b.iter(|| {
            let secret = sealer.open("totp", &sealed).expect("unseal");
            let totp = portico::login::mfa::totp::authenticator(&secret, "Contoso", "megan")
                .expect("totp");
            assert!(portico::login::mfa::totp::matching_step(&totp, &code, now).is_some());
        })
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
