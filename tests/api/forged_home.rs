//! A home that answers with forged ID tokens: the resource tenant, as a
//! relying party, must refuse each forgery and leave the invitation pending.
//! The fake home is a real HTTP server speaking just enough OIDC.

use portico::domain::{ExternalState, FlowPurpose};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use portico::b2b::invitation::Target;
use portico::b2b::providers::{self, ProviderSpec};
use portico::crypto::token_hash;
use portico::domain::IdpRole;
use portico::store;
use portico::tokens::keys::{self, SigningAlg, SigningKey};

use crate::helpers::b2b::{B2b, GUEST, b2b};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Forgery {
    None,
    WrongKey,
    WrongAudience,
    WrongNonce,
    Expired,
    WrongIssuer,
}

pub struct FakeHome {
    pub base: String,
    published: SigningKey,
    unpublished: SigningKey,
    jwks: serde_json::Value,
    pub forgery: Mutex<Forgery>,
    audience: String,
    /// The nonce a genuine token carries (the RP's, read from its request).
    pub nonce: Mutex<String>,
    email: String,
    /// More claims for the next token (what it says of the sign-in: `amr`, `acr`).
    pub extra: Mutex<serde_json::Map<String, serde_json::Value>>,
}

async fn discovery(home: web::Data<Arc<FakeHome>>) -> HttpResponse {
    let b = &home.base;
    HttpResponse::Ok().json(serde_json::json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/authorize"),
        "token_endpoint": format!("{b}/token"),
        "jwks_uri": format!("{b}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn get_jwks(home: web::Data<Arc<FakeHome>>) -> HttpResponse {
    HttpResponse::Ok().json(&home.jwks)
}

async fn token(home: web::Data<Arc<FakeHome>>) -> HttpResponse {
    let forgery = *home.forgery.lock().unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::json!({
        "iss": if forgery == Forgery::WrongIssuer { "https://evil.example".to_owned() } else { home.base.clone() },
        "sub": "home-subject-1",
        "aud": if forgery == Forgery::WrongAudience { "someone-else".to_owned() } else { home.audience.clone() },
        "exp": if forgery == Forgery::Expired { now - 3600 } else { now + 300 },
        "iat": if forgery == Forgery::Expired { now - 7200 } else { now },
        "nonce": if forgery == Forgery::WrongNonce { "other-nonce".to_owned() } else { home.nonce.lock().unwrap().clone() },
        "email": home.email,
        "email_verified": true,
    });
    for (name, value) in home.extra.lock().unwrap().iter() {
        claims[name] = value.clone();
    }
    let key = if forgery == Forgery::WrongKey {
        &home.unpublished
    } else {
        &home.published
    };
    let id_token = key.sign("JWT", &claims).unwrap();
    HttpResponse::Ok().json(serde_json::json!({
        "access_token": "opaque",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

/// Starts the fake home on a free port; genuine tokens are for `audience`.
pub fn fake_home(audience: &str, email: &str) -> Arc<FakeHome> {
    let good = keys::generate(SigningAlg::Rs256).unwrap();
    let bad = keys::generate(SigningAlg::Rs256).unwrap();
    let jwks = serde_json::json!({ "keys": [good.public_jwk.clone()] });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let home = Arc::new(FakeHome {
        base,
        published: SigningKey::from_row(&good.into_row(
            &portico::domain::TenantId::from("fake".to_owned()),
            portico::store::now(),
        ))
        .unwrap(),
        unpublished: SigningKey::from_row(&bad.into_row(
            &portico::domain::TenantId::from("fake".to_owned()),
            portico::store::now(),
        ))
        .unwrap(),
        jwks,
        forgery: Mutex::new(Forgery::None),
        audience: audience.to_owned(),
        nonce: Mutex::new("good-nonce".into()),
        email: email.to_owned(),
        extra: Mutex::default(),
    });
    let data = web::Data::new(home.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/.well-known/openid-configuration",
                web::get().to(discovery),
            )
            .route("/jwks", web::get().to(get_jwks))
            .route("/token", web::post().to(token))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    home
}

/// A pending round trip to a home, as `/invite` or a guest sign-in stores it.
pub struct RoundTrip {
    pub purpose: FlowPurpose,
    pub invitation_id: Option<String>,
    pub auth_request_id: Option<String>,
    pub idp_id: Option<String>,
}

/// Stores `trip` to the home with `issuer` at Contoso, then brings a fresh
/// browser back to `/callback/home` with a code, as the home would.
pub async fn come_back(b: &B2b, issuer: &str, trip: RoundTrip) -> reqwest::Response {
    let (state, browser) = (portico::crypto::random_token(), "browser-1");
    let at = store::now();
    let flow = store::flows::HomeFlow {
        state_hash: token_hash(&state),
        tenant_id: b.contoso().id.to_string(),
        purpose: trip.purpose,
        home_issuer: issuer.to_owned(),
        nonce: "good-nonce".into(),
        pkce_verifier: "v".repeat(43),
        invitation_id: trip.invitation_id,
        auth_request_id: trip.auth_request_id,
        browser_hash: token_hash(browser),
        created_at: at,
        expires_at: at + chrono::TimeDelta::minutes(5),
        idp_id: trip.idp_id,
    };
    b.app
        .db
        .write_blocking(|c| store::flows::insert(c, &flow))
        .unwrap();
    b.app
        .browser()
        .get(format!(
            "{}/callback/home?code=abc&state={state}",
            b.app.issuer("contoso")
        ))
        .header("cookie", format!("portico_home_flow={browser}"))
        .send()
        .await
        .unwrap()
}

/// A real authorization request at federated Contoso: the browser is sent
/// to the upstream `home`, which answers `/callback/home` with a code.
/// Returns the upstream authorize URL and the callback's response.
pub async fn through_upstream(b: &B2b, home: &FakeHome) -> (String, reqwest::Response) {
    let browser = b.app.browser();
    let (url, _) = crate::helpers::authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
    let upstream = b.app.follow(&browser, &url).await;
    assert!(upstream.starts_with(&home.base), "{upstream}");
    let state = crate::helpers::query_param(&upstream, "state").unwrap();
    *home.nonce.lock().unwrap() = crate::helpers::query_param(&upstream, "nonce").unwrap();
    let response = browser
        .get(format!(
            "{}/callback/home?code=abc&state={state}",
            b.app.issuer("contoso")
        ))
        .send()
        .await
        .unwrap();
    (upstream, response)
}

#[tokio::test]
async fn forged_home_id_tokens_are_refused_and_change_nothing() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    let tenant = b.contoso();
    let invitation = b
        .app
        .db
        .read_blocking(|c| store::invitations::list(c, &tenant.id))
        .unwrap()
        .remove(0);

    let home = fake_home(&b.app.issuer("contoso"), GUEST);
    let base = home.base.clone();
    for forgery in [
        Forgery::WrongKey,
        Forgery::WrongAudience,
        Forgery::WrongNonce,
        Forgery::Expired,
        Forgery::WrongIssuer,
        Forgery::None,
    ] {
        *home.forgery.lock().unwrap() = forgery;
        let trip = RoundTrip {
            purpose: FlowPurpose::Redeem,
            invitation_id: Some(invitation.id.clone()),
            auth_request_id: None,
            idp_id: None,
        };
        let response = come_back(&b, &base, trip).await;
        let status = response.status().as_u16();
        let guest = b.guest(GUEST);
        if forgery == Forgery::None {
            assert_eq!(status, 303, "the genuine token redeems");
            assert_eq!(guest.external_state, Some(ExternalState::Accepted));
            assert_eq!(guest.home_issuer.as_deref(), Some(base.as_str()));
        } else {
            assert_eq!(status, 403, "{forgery:?} must be refused");
            assert_eq!(
                guest.external_state,
                Some(ExternalState::PendingAcceptance),
                "{forgery:?} changed state"
            );
        }
    }
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 410);
}

#[tokio::test]
async fn forged_upstream_id_tokens_are_refused_and_provision_nobody() {
    let b = b2b().await;
    let member = "alice@contoso.example";
    let home = fake_home("contoso-at-upstream", member);
    let tenant = b.contoso();
    let spec = ProviderSpec {
        display_name: "Corporate sign-in".into(),
        issuer: home.base.clone(),
        client_id: "contoso-at-upstream".into(),
        client_secret: Some("s".into()),
        scopes: vec!["email".into()],
        domains: vec![],
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa: false,
    }
    .validated(IdpRole::Upstream)
    .unwrap();
    b.app
        .db
        .write_blocking(|c| providers::federate(c, &b.app.sealer, &tenant.id, spec, "test"))
        .unwrap();

    let count_alice = || {
        b.app
            .db
            .read_blocking(|c| store::users::find_by_email(c, &tenant.id, member))
            .unwrap()
            .is_some()
    };
    for forgery in [
        Forgery::WrongKey,
        Forgery::WrongAudience,
        Forgery::WrongNonce,
        Forgery::Expired,
        Forgery::WrongIssuer,
        Forgery::None,
    ] {
        *home.forgery.lock().unwrap() = forgery;
        let (_, response) = through_upstream(&b, &home).await;
        let status = response.status().as_u16();
        if forgery == Forgery::None {
            assert_eq!(status, 303, "the genuine token signs in");
            assert!(count_alice(), "the member is provisioned");
        } else {
            assert_eq!(status, 403, "{forgery:?} must be refused");
            assert!(!count_alice(), "{forgery:?} provisioned a user");
        }
    }
}
