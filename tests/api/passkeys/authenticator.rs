//! A software authenticator for tests: one ES256 key (aws-lc-rs), "none"
//! attestation, and the few CBOR shapes WebAuthn needs (RFC 8949) written by
//! hand. Every part of an assertion can be set wrong on purpose.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const ATTESTED: u8 = 0x40;

pub struct SoftKey {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    /// The signature counter of the last assertion made.
    pub counter: u32,
    pub origin: String,
    pub rp_id: String,
    /// Whether it verifies its user (PIN, biometric): the UV flag it sets.
    pub verifies_user: bool,
    /// Whether its credential may be synced to other devices (the BE flag).
    pub backup_eligible: bool,
}

/// One assertion, each part settable: the defaults are what an honest
/// authenticator on the right origin would send.
pub struct Assertion {
    pub challenge: String,
    pub origin: String,
    pub rp_id: String,
    pub counter: u32,
    pub flags: u8,
    pub tamper_signature: bool,
}

fn head(major: u8, n: usize) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=255 => vec![m | 24, n as u8],
        _ => {
            let mut v = vec![m | 25];
            v.extend((n as u16).to_be_bytes());
            v
        }
    }
}

fn int(i: i64) -> Vec<u8> {
    if i >= 0 {
        head(0, i as usize)
    } else {
        head(1, (-1 - i) as usize)
    }
}

fn bytes(b: &[u8]) -> Vec<u8> {
    [head(2, b.len()), b.to_vec()].concat()
}

fn text(s: &str) -> Vec<u8> {
    [head(3, s.len()), s.as_bytes().to_vec()].concat()
}

fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = head(5, entries.len());
    for (k, v) in entries {
        out.extend(k);
        out.extend(v);
    }
    out
}

fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false })
        .to_string()
        .into_bytes()
}

impl SoftKey {
    /// A key for the relying party at `origin` (whose host is the RP id).
    pub fn new(origin: &str) -> SoftKey {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("P-256 key");
        let rp_id = url::Url::parse(origin)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        SoftKey {
            key,
            credential_id: rand::random::<[u8; 32]>().to_vec(),
            user_handle: Vec::new(),
            counter: 0,
            origin: origin.to_owned(),
            rp_id,
            verifies_user: true,
            backup_eligible: false,
        }
    }

    fn flags(&self) -> u8 {
        let mut flags = USER_PRESENT;
        if self.verifies_user {
            flags |= USER_VERIFIED;
        }
        if self.backup_eligible {
            flags |= BACKUP_ELIGIBLE;
        }
        flags
    }

    fn auth_data(&self, rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(counter.to_be_bytes());
        data
    }

    /// The COSE_Key of the public key (RFC 9053 §7.1.1: EC2, ES256, P-256).
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        map(&[
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), bytes(&point[1..33])),
            (int(-3), bytes(&point[33..65])),
        ])
    }

    /// Answers `navigator.credentials.create` options (the server's JSON).
    pub fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let user_id = public_key["user"]["id"].as_str().expect("user id");
        self.user_handle = URL_SAFE_NO_PAD.decode(user_id).expect("user id base64url");
        let mut auth_data = self.auth_data(&self.rp_id, self.flags() | ATTESTED, 0);
        auth_data.extend([0u8; 16]);
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let attestation = map(&[
            (text("fmt"), text("none")),
            (text("attStmt"), map(&[])),
            (text("authData"), bytes(&auth_data)),
        ]);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data("webauthn.create", challenge, &self.origin)),
            },
            "extensions": {}
        })
    }

    /// An honest assertion for `options` with the next counter value.
    pub fn get(&mut self, options: &Value) -> Value {
        let assertion = self.honest(options);
        self.counter = assertion.counter;
        self.sign(&assertion)
    }

    /// What an honest answer to `options` would be, to change before signing.
    pub fn honest(&self, options: &Value) -> Assertion {
        Assertion {
            challenge: options["publicKey"]["challenge"]
                .as_str()
                .expect("challenge")
                .to_owned(),
            origin: self.origin.clone(),
            rp_id: self.rp_id.clone(),
            counter: self.counter + 1,
            flags: self.flags(),
            tamper_signature: false,
        }
    }

    /// The assertion as `navigator.credentials.get` would return it.
    pub fn sign(&self, a: &Assertion) -> Value {
        let auth_data = self.auth_data(&a.rp_id, a.flags, a.counter);
        let client_data = client_data("webauthn.get", &a.challenge, &a.origin);
        let signed = [auth_data.clone(), Sha256::digest(&client_data).to_vec()].concat();
        let mut signature = self
            .key
            .sign(&SystemRandom::new(), &signed)
            .expect("signature")
            .as_ref()
            .to_vec();
        if a.tamper_signature {
            // The last byte is the low end of S: still DER, no longer valid.
            *signature.last_mut().unwrap() ^= 0x01;
        }
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": b64(&self.user_handle),
            },
            "extensions": {}
        })
    }
}
