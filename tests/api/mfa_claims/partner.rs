//! Guests whose home is Proseware, a tenant on this server: Contoso counts
//! the MFA done at Proseware only when it trusts Proseware's MFA, and asks
//! Proseware for MFA when the guest must use it and the home is trusted.

use portico::b2b::invitation::Target;
use portico::domain::MfaRequired;

use super::{require_mfa_of, signed_in_at_home, tokens_via, trust_partner_mfa};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{jwt_payload, query_param};

async fn redeemed_guest() -> B2b {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    b
}

/// `amr` and `acr` of the guest's ID token at Contoso after a sign-in at
/// home whose session says `home_amr`.
async fn guest_claims(b: &B2b, home_amr: &str) -> (serde_json::Value, serde_json::Value) {
    let browser = signed_in_at_home(b, home_amr).await;
    let tokens = tokens_via(b, &browser, "contoso", &b.web).await;
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["idp"], b.app.issuer("proseware"));
    (id["amr"].clone(), id["acr"].clone())
}

#[tokio::test]
async fn a_guest_gets_mfa_from_home_only_when_the_home_proved_it_and_is_trusted() {
    let b = redeemed_guest().await;
    let fed = serde_json::json!(["fed"]);
    let sfa = serde_json::json!("urn:portico:acr:sfa");

    // Not trusted (the default): the home's MFA does not count here.
    assert_eq!(
        guest_claims(&b, "pwd otp mfa").await,
        (fed.clone(), sfa.clone())
    );

    trust_partner_mfa(&b, "proseware", true);
    let (amr, acr) = guest_claims(&b, "pwd otp mfa").await;
    assert_eq!(amr, serde_json::json!(["mfa", "fed"]));
    assert_eq!(acr, "urn:portico:acr:mfa");
    // Trusted, but the home used a password only.
    assert_eq!(guest_claims(&b, "pwd").await, (fed.clone(), sfa.clone()));

    // An entry by issuer URL comes before one by slug.
    let issuer = b.app.issuer("proseware");
    trust_partner_mfa(&b, &issuer, false);
    assert_eq!(guest_claims(&b, "pwd otp mfa").await, (fed, sfa));
}

/// Where Contoso sends the guest's browser (Proseware) for a request with
/// `extra` parameters.
async fn sent_home(b: &B2b, extra: &[(&str, &str)]) -> String {
    let to = super::sent_home(b, GUEST, extra).await;
    assert!(to.starts_with(&b.app.issuer("proseware")), "{to}");
    to
}

#[tokio::test]
async fn a_guest_who_must_use_mfa_is_sent_to_a_trusted_home_asking_for_it() {
    let b = redeemed_guest().await;
    let asked = |url: &str| query_param(url, "acr_values");
    let step_up = [("acr_values", "urn:portico:acr:mfa")];

    // Nothing demands MFA: nothing asked, trusted or not.
    trust_partner_mfa(&b, "proseware", true);
    assert_eq!(asked(&sent_home(&b, &[]).await), None);
    // The request asks for it, or the policy requires it of guests.
    let mfa = Some("urn:portico:acr:mfa".to_owned());
    assert_eq!(asked(&sent_home(&b, &step_up).await), mfa);
    require_mfa_of(&b, MfaRequired::Guests);
    assert_eq!(asked(&sent_home(&b, &[]).await), mfa);
    // A policy for members only does not reach guests.
    require_mfa_of(&b, MfaRequired::Members);
    assert_eq!(asked(&sent_home(&b, &[]).await), None);

    // Not trusted: the home's answer would not count, so nothing is asked
    // (the guest uses a factor here instead).
    require_mfa_of(&b, MfaRequired::Everyone);
    trust_partner_mfa(&b, "proseware", false);
    assert_eq!(asked(&sent_home(&b, &step_up).await), None);
}
