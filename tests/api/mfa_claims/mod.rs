//! What tokens say about how the user authenticated (`amr`, RFC 8176; `acr`,
//! OIDC Core §2), what an authorization request asks for (`acr_values`, an
//! essential `acr` claim), and trusting a partner's MFA (issue 12): guests
//! through a sibling tenant, an external home, and token exchange.

mod browser;
mod exchange;
mod fake_home;
mod partner;
mod requests;
mod settings;

use portico::b2b::cross_tenant::CrossTenantAccess;
use portico::domain::MfaRequired;
use portico::domain::inbound_trust::TrustSettings;
use portico::store;

use crate::helpers::b2b::{B2b, GUEST, email_step};
use crate::helpers::{PASSWORD, TestClient, authorize_url, query_param, redeem};
use crate::homes::exec;

/// Contoso trusts (or not) the MFA of the partner named `partner`.
pub fn trust_partner_mfa(b: &B2b, partner: &str, mfa: bool) {
    let tenant = b.contoso();
    let mut settings: CrossTenantAccess = b
        .app
        .db
        .read_blocking(|c| store::cross_tenant::get(c, &tenant.id))
        .unwrap();
    settings
        .inbound_trust
        .partners
        .insert(partner.to_owned(), TrustSettings { mfa });
    b.app
        .db
        .write_blocking(|c| portico::b2b::cross_tenant::save(c, &tenant.id, &settings, "test"))
        .unwrap();
}

/// Contoso's authentication policy.
pub fn require_mfa_of(b: &B2b, who: MfaRequired) {
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| store::auth_policy::put(c, &tenant.id, who, "test"))
        .unwrap();
}

/// A browser signed in at Proseware as the guest, its session's amr then
/// set to `amr` (standing in for a second factor done at home).
pub async fn signed_in_at_home(b: &B2b, amr: &str) -> reqwest::Client {
    let browser = b.app.browser();
    let home_app = b.app.web_app("proseware");
    let (url, _) = authorize_url(&b.app, "proseware", &home_app, "openid", &[]);
    let back = b.app.sign_in(&browser, &url, GUEST, PASSWORD).await;
    assert!(query_param(&back, "code").is_some(), "{back}");
    let proseware = portico::admin::provision::tenant(&b.app.db, "proseware").unwrap();
    exec(
        &b.app,
        &format!(
            "UPDATE sessions SET amr = '{amr}' WHERE tenant_id = '{}'",
            proseware.id
        ),
    )
    .unwrap();
    browser
}

/// Where Contoso sends the browser of `email` after the email step of a
/// request for its web app with `extra` parameters.
pub async fn sent_home(b: &B2b, email: &str, extra: &[(&str, &str)]) -> String {
    let browser = b.app.browser();
    let (url, _) = authorize_url(&b.app, "contoso", &b.web, "openid", extra);
    let login = b.app.follow(&browser, &url).await;
    let page = b.app.text(&browser, &login).await;
    let response = email_step(b, &browser, &page, email).await;
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The amr of the Contoso session a response started, if it started one.
pub fn session_amr(b: &B2b, response: &reqwest::Response) -> Option<String> {
    let tenant = b.contoso();
    let hash = response
        .cookies()
        .find(|c| c.name() == "portico_session" && !c.value().is_empty())
        .map(|c| portico::crypto::token_hash(c.value()))?;
    let session = b
        .app
        .db
        .read_blocking(|c| store::sessions::find_live(c, &tenant.id, &hash))
        .unwrap()
        .expect("live session");
    Some(session.amr)
}

/// The token response of `slug` for `client` after the sign-in `browser`
/// walks from a fresh authorize URL (typing the guest's email and password
/// wherever asked).
pub async fn tokens_via(
    b: &B2b,
    browser: &reqwest::Client,
    slug: &str,
    client: &TestClient,
) -> serde_json::Value {
    let (url, verifier) = authorize_url(&b.app, slug, client, "openid email", &[]);
    let landing =
        portico::compare::journey::drive_across(&[&b.app.base], browser, &url, GUEST, PASSWORD)
            .await;
    let portico::compare::journey::Landing::Away(back) = landing else {
        panic!("sign-in did not return to the app: {landing:?}");
    };
    let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let response = redeem(&b.app, slug, client, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
