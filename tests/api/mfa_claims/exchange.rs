//! Token exchange (RFC 8693) applies the same rule to the subject token: its
//! `amr`/`acr` count only from a home trusted for MFA, a tenant requiring MFA
//! of guests refuses a subject token without trusted MFA, and a forged `amr`
//! is not honoured.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portico::b2b::invitation::Target;
use portico::domain::MfaRequired;

use super::{require_mfa_of, signed_in_at_home, trust_partner_mfa};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{TestClient, jwt_payload};
use crate::token_exchange::{exchange_typed, exchanging_app, home_tokens_in};

const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Proseware's tokens for Contoso's client there, after a sign-in at home
/// whose session says `home_amr`; `extra` token-request parameters.
async fn home_tokens(b: &B2b, home_amr: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let contoso_at_home = TestClient {
        client_id: b.app.issuer("contoso"),
        secret: None,
        redirect_uri: format!("{}/callback/home", b.app.issuer("contoso")),
    };
    let browser = signed_in_at_home(b, home_amr).await;
    home_tokens_in(b, &browser, &contoso_at_home, extra).await
}

fn id_token(tokens: &serde_json::Value) -> String {
    tokens["id_token"].as_str().expect("id_token").to_owned()
}

/// The status, and the issued token's amr or the error.
async fn exchanged(b: &B2b, app: &TestClient, token: &str, kind: &str) -> (u16, serde_json::Value) {
    let (status, body) = exchange_typed(b, app, token, kind).await;
    match body["access_token"].as_str() {
        Some(access) => (status, jwt_payload(access)["amr"].clone()),
        None => (status, body["error"].clone()),
    }
}

/// The same token with its payload's `amr` replaced (the signature kept).
fn with_forged_amr(token: &str, amr: serde_json::Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = jwt_payload(token);
    payload["amr"] = amr;
    let forged = URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{}.{forged}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn exchanged_tokens_carry_mfa_only_from_a_trusted_home_that_proved_it() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let app = exchanging_app(&b);
    let with_mfa = home_tokens(&b, "pwd otp mfa", &[]).await;
    let without = id_token(&home_tokens(&b, "pwd", &[]).await);
    let (fed, both) = (
        serde_json::json!(["fed"]),
        serde_json::json!(["mfa", "fed"]),
    );

    // Not trusted: the home's MFA does not count.
    let proven = id_token(&with_mfa);
    assert_eq!(
        exchanged(&b, &app, &proven, ID_TOKEN).await,
        (200, fed.clone())
    );
    trust_partner_mfa(&b, "proseware", true);
    assert_eq!(
        exchanged(&b, &app, &proven, ID_TOKEN).await,
        (200, both.clone())
    );
    assert_eq!(exchanged(&b, &app, &without, ID_TOKEN).await, (200, fed));
    let (_, body) = exchange_typed(&b, &app, &proven, ID_TOKEN).await;
    let access = jwt_payload(body["access_token"].as_str().unwrap());
    assert_eq!(access["acr"], "urn:portico:acr:mfa");

    // The home's access token for Contoso (RFC 8707) carries amr too.
    let contoso = b.app.issuer("contoso");
    let for_contoso = home_tokens(&b, "pwd otp mfa", &[("resource", contoso.as_str())]).await;
    let at = for_contoso["access_token"].as_str().unwrap();
    assert_eq!(exchanged(&b, &app, at, ACCESS_TOKEN).await, (200, both));

    // Guests must use MFA: only trusted, proven MFA is let through.
    require_mfa_of(&b, MfaRequired::Guests);
    assert_eq!(exchanged(&b, &app, &proven, ID_TOKEN).await.0, 200);
    let refused = (400, serde_json::json!("invalid_request"));
    assert_eq!(exchanged(&b, &app, &without, ID_TOKEN).await, refused);
    trust_partner_mfa(&b, "proseware", false);
    assert_eq!(exchanged(&b, &app, &proven, ID_TOKEN).await, refused);
}

#[tokio::test]
async fn a_forged_amr_in_a_subject_token_is_not_honoured() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let app = exchanging_app(&b);
    trust_partner_mfa(&b, "proseware", true);
    let genuine = id_token(&home_tokens(&b, "pwd", &[]).await);
    let forged = with_forged_amr(&genuine, serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(jwt_payload(&forged)["amr"][2], "mfa");
    let refused = exchanged(&b, &app, &forged, ID_TOKEN).await;
    assert_eq!(refused, (400, serde_json::json!("invalid_grant")));
    // The genuine token still says what really happened.
    let fed = serde_json::json!(["fed"]);
    assert_eq!(exchanged(&b, &app, &genuine, ID_TOKEN).await, (200, fed));
}
