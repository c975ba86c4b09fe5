//! An external home (a configured provider) that says what it likes in its
//! ID tokens: its MFA counts only when the token verifies and the provider
//! is trusted for MFA; a token without `amr` gives `fed`; a claim of MFA in
//! a token it did not sign is refused.

use portico::b2b::invitation::Target;
use portico::b2b::providers::{self, ProviderPatch, ProviderSpec};
use portico::domain::{ExternalState, FlowPurpose, IdpRole, MfaRequired};
use portico::store;

use super::{require_mfa_of, sent_home, session_amr};
use crate::forged_home::{self, FakeHome, Forgery, RoundTrip, fake_home};
use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::query_param;

const KIM: &str = "kim@fakehome.example";
const CLIENT_ID: &str = "contoso-at-fakehome";

/// The fake home as a provider of Contoso's guests from fakehome.example.
fn provider(home: &FakeHome, trust_mfa: bool) -> ProviderSpec {
    ProviderSpec {
        display_name: "Fake home".into(),
        issuer: home.base.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: Some("s".into()),
        scopes: vec!["email".into()],
        domains: vec!["fakehome.example".into()],
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa,
    }
}

/// Contoso's guest provider for fakehome.example; returns its id.
fn configure(b: &B2b, home: &FakeHome, trust_mfa: bool) -> String {
    let spec = provider(home, trust_mfa)
        .validated(IdpRole::Guests)
        .unwrap();
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| providers::add_guest_provider(c, &b.app.sealer, &tenant.id, spec, "t"))
        .unwrap()
        .id
}

/// The home answers `/callback/home` for a stored round trip (redeeming
/// the invitation, or signing in). Returns the status and the amr of the
/// session it started, if any.
async fn come_back(b: &B2b, home: &FakeHome, idp_id: &str, redeem: bool) -> (u16, Option<String>) {
    let tenant = b.contoso();
    let invitation_id = redeem.then(|| {
        b.app
            .db
            .read_blocking(|c| store::invitations::list(c, &tenant.id))
            .unwrap()
            .remove(0)
            .id
    });
    let trip = RoundTrip {
        purpose: if redeem {
            FlowPurpose::Redeem
        } else {
            FlowPurpose::SignIn
        },
        invitation_id,
        // The request is not looked at before the session starts.
        auth_request_id: (!redeem).then(|| "no-such-request".to_owned()),
        idp_id: Some(idp_id.to_owned()),
    };
    let response = forged_home::come_back(b, &home.base, trip).await;
    (response.status().as_u16(), session_amr(b, &response))
}

/// What the home's next ID token says of the sign-in, and whether the home
/// signs it with its published key.
fn answer(home: &FakeHome, amr: Option<serde_json::Value>, acr: Option<&str>, own: bool) {
    let mut extra = home.extra.lock().unwrap();
    extra.clear();
    if let Some(amr) = amr {
        extra.insert("amr".into(), amr);
    }
    if let Some(acr) = acr {
        extra.insert("acr".into(), acr.into());
    }
    *home.forgery.lock().unwrap() = if own {
        Forgery::None
    } else {
        Forgery::WrongKey
    };
}

#[tokio::test]
async fn an_external_home_counts_for_mfa_only_when_trusted_and_its_token_verifies() {
    let b = b2b().await;
    let home = fake_home(CLIENT_ID, KIM);
    let idp_id = configure(&b, &home, true);
    b.invite(KIM, Target::Tenant);

    // A claim of MFA in a token the home did not sign: refused, nothing changes.
    answer(
        &home,
        Some(serde_json::json!(["pwd", "mfa"])),
        Some("phr"),
        false,
    );
    let (status, session) = come_back(&b, &home, &idp_id, true).await;
    assert_eq!((status, session), (403, None));
    assert_eq!(
        b.guest(KIM).external_state,
        Some(ExternalState::PendingAcceptance)
    );

    // A genuine token without amr or acr: the home vouched, nothing more.
    answer(&home, None, None, true);
    let (status, session) = come_back(&b, &home, &idp_id, true).await;
    assert_eq!((status, session.as_deref()), (303, Some("fed")));

    // MFA proven by amr, or by acr, from a trusted provider counts.
    answer(&home, Some(serde_json::json!(["pwd", "mfa"])), None, true);
    let (_, session) = come_back(&b, &home, &idp_id, false).await;
    assert_eq!(session.as_deref(), Some("mfa fed"));
    answer(&home, None, Some("urn:portico:acr:mfa"), true);
    let (_, session) = come_back(&b, &home, &idp_id, false).await;
    assert_eq!(session.as_deref(), Some("mfa fed"));
    // Methods it made up, or only one factor, prove nothing.
    answer(
        &home,
        Some(serde_json::json!(["pwd", "retina"])),
        Some("gold"),
        true,
    );
    let (_, session) = come_back(&b, &home, &idp_id, false).await;
    assert_eq!(session.as_deref(), Some("fed"));

    // A guest who must use MFA is sent to the trusted provider asking for it.
    require_mfa_of(&b, MfaRequired::Guests);
    let mfa = Some("urn:portico:acr:mfa".to_owned());
    let to = sent_home(&b, KIM, &[]).await;
    assert!(to.starts_with(&home.base), "{to}");
    assert_eq!(query_param(&to, "acr_values"), mfa);

    // The same proof from a provider not trusted for MFA: `fed` only, and
    // nothing asked of it.
    let tenant = b.contoso();
    let patch = ProviderPatch {
        trust_mfa: Some(false),
        ..ProviderPatch::default()
    };
    let policy = portico::b2b::egress::EgressPolicy::default();
    b.app
        .db
        .write_blocking(|c| {
            providers::update_guest_provider(
                c,
                &b.app.sealer,
                &policy,
                &tenant.id,
                &idp_id,
                patch,
                "t",
            )
        })
        .unwrap()
        .expect("provider updated");
    answer(&home, Some(serde_json::json!(["pwd", "mfa"])), None, true);
    let (_, session) = come_back(&b, &home, &idp_id, false).await;
    assert_eq!(session.as_deref(), Some("fed"));
    assert_eq!(
        query_param(&sent_home(&b, KIM, &[]).await, "acr_values"),
        None
    );
}

#[tokio::test]
async fn a_federated_member_gets_mfa_only_from_an_upstream_trusted_for_it() {
    let b = b2b().await;
    let member = "alice@contoso.example";
    let home = fake_home("contoso-at-upstream", member);
    let spec = ProviderSpec {
        client_id: "contoso-at-upstream".into(),
        domains: vec![],
        ..provider(&home, true)
    }
    .validated(IdpRole::Upstream)
    .unwrap();
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| providers::federate(c, &b.app.sealer, &tenant.id, spec, "t"))
        .unwrap();
    require_mfa_of(&b, MfaRequired::Members);

    for (amr, expected) in [
        (Some(serde_json::json!(["pwd", "mfa"])), "mfa fed"),
        (None, "fed"),
    ] {
        answer(&home, amr, None, true);
        let (upstream, response) = forged_home::through_upstream(&b, &home).await;
        let asked = query_param(&upstream, "acr_values");
        assert_eq!(asked.as_deref(), Some("urn:portico:acr:mfa"));
        assert_eq!(response.status(), 303);
        assert_eq!(session_amr(&b, &response).as_deref(), Some(expected));
    }
}
