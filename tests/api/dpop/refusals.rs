//! Proofs the token endpoint refuses (RFC 9449 §4.3, §11.1): wrong method
//! or URL, replayed, stale, symmetric or private keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use jsonwebtoken::{Algorithm, EncodingKey};

use super::{
    DpopKey, claims, compact, contoso, error_of, now, post_token, server_nonce, service, token_url,
};
use crate::helpers::{TestApp, TestClient, spawn_app};

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

/// A service app and the server's nonce for it.
async fn setup(key: &DpopKey) -> (TestApp, TestClient, String) {
    let app = spawn_app().await;
    contoso(&app);
    let client = service(&app);
    let nonce = server_nonce(&app, &client, key, CLIENT_CREDENTIALS).await;
    (app, client, nonce)
}

async fn refused(app: &TestApp, client: &TestClient, proof: &str) -> (u16, String) {
    error_of(post_token(app, client, CLIENT_CREDENTIALS, Some(proof)).await).await
}

fn invalid_proof() -> (u16, String) {
    (400, "invalid_dpop_proof".into())
}

#[tokio::test]
async fn a_proof_for_another_method_is_refused() {
    let key = DpopKey::es256();
    let (app, client, nonce) = setup(&key).await;
    let proof = key.proof(&claims("GET", &token_url(&app), Some(&nonce)));
    assert_eq!(refused(&app, &client, &proof).await, invalid_proof());
}

#[tokio::test]
async fn a_proof_for_another_url_is_refused() {
    let key = DpopKey::es256();
    let (app, client, nonce) = setup(&key).await;
    let elsewhere = format!("{}/userinfo", app.issuer("contoso"));
    let proof = key.proof(&claims("POST", &elsewhere, Some(&nonce)));
    assert_eq!(refused(&app, &client, &proof).await, invalid_proof());
    let other_tenant = format!("{}/token", app.issuer("other"));
    let proof = key.proof(&claims("POST", &other_tenant, Some(&nonce)));
    assert_eq!(refused(&app, &client, &proof).await, invalid_proof());
    // Query and fragment do not count (§4.3 step 9).
    let with_query = format!("{}?x=1#top", token_url(&app));
    let proof = key.proof(&claims("POST", &with_query, Some(&nonce)));
    let response = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&proof)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_replayed_proof_is_refused() {
    let key = DpopKey::rs256();
    let (app, client, nonce) = setup(&key).await;
    let proof = key.proof(&claims("POST", &token_url(&app), Some(&nonce)));
    let first = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&proof)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(refused(&app, &client, &proof).await, invalid_proof());
}

#[tokio::test]
async fn a_stale_or_future_proof_is_refused() {
    let key = DpopKey::es256();
    let (app, client, nonce) = setup(&key).await;
    for iat in [now() - 600, now() + 600] {
        let mut stale = claims("POST", &token_url(&app), Some(&nonce));
        stale["iat"] = iat.into();
        assert_eq!(
            refused(&app, &client, &key.proof(&stale)).await,
            invalid_proof()
        );
    }
}

#[tokio::test]
async fn a_proof_missing_a_claim_or_with_the_wrong_type_is_refused() {
    let key = DpopKey::es256();
    let (app, client, nonce) = setup(&key).await;
    let mut no_jti = claims("POST", &token_url(&app), Some(&nonce));
    no_jti.as_object_mut().unwrap().remove("jti");
    assert_eq!(
        refused(&app, &client, &key.proof(&no_jti)).await,
        invalid_proof()
    );
    let claims = claims("POST", &token_url(&app), Some(&nonce));
    let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "jwk": key.jwk});
    assert_eq!(
        refused(&app, &client, &key.signed(&header, &claims)).await,
        invalid_proof()
    );
    let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256"});
    assert_eq!(
        refused(&app, &client, &key.signed(&header, &claims)).await,
        invalid_proof()
    );
}

#[tokio::test]
async fn a_symmetric_or_private_key_proof_is_refused() {
    let key = DpopKey::es256();
    let (app, client, nonce) = setup(&key).await;
    let claims = claims("POST", &token_url(&app), Some(&nonce));
    let secret = b"a shared secret that is no proof of possession";
    let header = serde_json::json!({
        "typ": "dpop+jwt",
        "alg": "HS256",
        "jwk": {"kty": "oct", "k": URL_SAFE_NO_PAD.encode(secret)},
    });
    let symmetric = compact(
        &header,
        &claims,
        &EncodingKey::from_secret(secret),
        Algorithm::HS256,
    );
    assert_eq!(refused(&app, &client, &symmetric).await, invalid_proof());

    // Correctly signed, but the header's key carries a private member.
    let mut leaked = serde_json::to_value(&key.jwk).unwrap();
    leaked["d"] = URL_SAFE_NO_PAD.encode([1u8; 32]).into();
    let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": leaked});
    let proof = key.signed(&header, &claims);
    assert_eq!(refused(&app, &client, &proof).await, invalid_proof());
    // The same proof with the public key only is accepted: the private
    // member was the reason.
    let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk});
    let proof = key.signed(&header, &claims);
    let response = post_token(&app, &client, CLIENT_CREDENTIALS, Some(&proof)).await;
    assert_eq!(response.status(), 200);
}

/// A public client is only named, so the proofs strangers make the server
/// record for it are bounded per IP like every other anonymous write.
#[tokio::test]
async fn proofs_for_a_public_client_are_bounded_per_ip() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.throttling.per_ip_per_minute = 1;
        s.dpop.nonce_at_token_endpoint = false;
    })
    .await;
    contoso(&app);
    let client = app.app("contoso", true, false, vec![], vec![]);
    let key = DpopKey::es256();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "made-up"),
    ];
    let mut answers = Vec::new();
    for _ in 0..4 {
        let proof = key.proof(&claims("POST", &token_url(&app), None));
        answers.push(error_of(post_token(&app, &client, &form, Some(&proof)).await).await);
    }
    assert_eq!(answers[0], (400, "invalid_grant".into()), "{answers:?}");
    assert_eq!(
        answers[3],
        (503, "temporarily_unavailable".into()),
        "{answers:?}"
    );
    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let stored = app
        .db
        .read_blocking(move |c| {
            use diesel::prelude::*;
            use portico::store::schema::dpop_proofs;
            dpop_proofs::table
                .filter(dpop_proofs::tenant_id.eq(tenant.id.as_str()))
                .count()
                .get_result::<i64>(c)
                .map_err(portico::store::StoreError::from)
        })
        .unwrap();
    assert!(stored < 4, "{stored} proofs stored for 4 requests");
}
