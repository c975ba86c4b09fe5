//! Signing key rotation without a window of failure (OIDC Core §10.1.1):
//! the next key is in the JWKS before it signs, every token verifies with a
//! JWKS cached as the server allows, retired keys leave only after every
//! token they signed has expired, each transition audited; tenants rotate
//! independently; the admin API and the CLI schedule it.

mod operators;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use openidconnect::Nonce;
use portico::config::Settings;
use portico::domain::GrantType;

use crate::helpers::api::{admin_token, call};
use crate::helpers::rp::{discover, rp_http};
use crate::helpers::{TestApp, TestClient, refresh, spawn_app_with, tokens_for_member};

/// Seconds, short enough for a test: the next key is published 2 s before it
/// signs, relying parties may cache the JWKS 1 s, tokens live 2 s.
pub fn quick_rotation(s: &mut Settings) {
    s.cache_ttl = Duration::from_millis(200);
    s.jwks_max_age = Duration::from_secs(1);
    s.key_rotation.prepublish = chrono::TimeDelta::seconds(2);
    s.key_rotation.check_every = Duration::from_millis(100);
    s.lifetimes.id_token = chrono::TimeDelta::seconds(2);
    s.lifetimes.access_token = chrono::TimeDelta::seconds(2);
}

/// The tenant's JWKS and the max-age it may be cached for.
pub async fn fetch_jwks(app: &TestApp, slug: &str) -> (JwkSet, Duration) {
    let response = reqwest::get(format!("{}/jwks", app.issuer(slug)))
        .await
        .unwrap();
    let cache_control = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    let max_age = cache_control
        .split("max-age=")
        .nth(1)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no max-age in {cache_control}"));
    (response.json().await.unwrap(), Duration::from_secs(max_age))
}

pub fn kids(set: &JwkSet) -> HashSet<String> {
    set.keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect()
}

pub fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// A relying party that caches the JWKS exactly as long as max-age allows
/// and never fetches it because of an unknown kid.
struct CachingRp {
    keys: JwkSet,
    fetched: Instant,
    max_age: Duration,
}

impl CachingRp {
    async fn new(app: &TestApp) -> CachingRp {
        let (keys, max_age) = fetch_jwks(app, "contoso").await;
        CachingRp {
            keys,
            fetched: Instant::now(),
            max_age,
        }
    }

    /// Verifies `token` with the cached JWKS, refreshed first only if it is
    /// older than its max-age.
    async fn verify(&mut self, app: &TestApp, token: &str, audience: &str) {
        if self.fetched.elapsed() >= self.max_age {
            *self = CachingRp::new(app).await;
        }
        let kid = kid_of(token);
        let jwk = self
            .keys
            .find(&kid)
            .unwrap_or_else(|| panic!("unknown kid {kid}: cached {:?}", kids(&self.keys)));
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[app.issuer("contoso")]);
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).expect("verifies");
    }
}

/// A fresh ID token through the refresh grant; the refresh token moves on.
async fn next_id_token(app: &TestApp, client: &TestClient, refresh_token: &mut String) -> String {
    let response = refresh(app, "contoso", client, refresh_token).await;
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    *refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    tokens["id_token"].as_str().unwrap().to_owned()
}

/// The tenant's keys with their states, as the admin API and CLI list them.
fn statuses(app: &TestApp) -> Vec<serde_json::Value> {
    let keys = portico::admin::provision::key_statuses(&app.db, "contoso").unwrap();
    keys.iter()
        .map(|k| serde_json::to_value(k).unwrap())
        .collect()
}

/// The tenant's keys as the admin API lists them.
pub async fn listed(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let (status, body, _) = call(app, reqwest::Method::GET, "/keys", Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["keys"].as_array().unwrap().clone()
}

/// A key's time as the API writes it (RFC 3339 in UTC), as the store's clock
/// reads.
fn time(value: &serde_json::Value) -> chrono::NaiveDateTime {
    let text = value.as_str().unwrap();
    assert!(text.ends_with('Z'), "{text}");
    text.parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .naive_utc()
}

#[tokio::test]
async fn relying_parties_that_cache_the_jwks_never_meet_an_unknown_kid_during_a_rotation() {
    let app = spawn_app_with(quick_rotation).await;
    app.tenant("contoso");
    app.member("contoso", "ann@contoso.example");
    let grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    let client = app.app("contoso", false, true, grants, vec![]);
    let tokens = tokens_for_member(
        &app,
        "contoso",
        &client,
        "ann@contoso.example",
        "openid offline_access",
    )
    .await;
    let mut refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let old_kid = kid_of(tokens["id_token"].as_str().unwrap());
    // This one fetched the JWKS before the rotation and honours max-age.
    let mut caching = CachingRp::new(&app).await;
    caching
        .verify(
            &app,
            tokens["id_token"].as_str().unwrap(),
            &client.client_id,
        )
        .await;

    // Tokens live 2 s here: the admin's is fetched right before its use.
    let admin = admin_token(&app).await;
    let (status, scheduled, _) = call(
        &app,
        reqwest::Method::POST,
        "/keys/rotation",
        Some(&admin),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 201, "{scheduled}");
    let new_kid = scheduled["kid"].as_str().unwrap().to_owned();
    let switch_at = time(&scheduled["signs_from"]);
    let keys = statuses(&app);
    let state = |kid: &str| {
        keys.iter()
            .find(|k| k["kid"] == kid)
            .map(|k| k["state"].clone())
    };
    assert_eq!(state(&new_kid), Some("next".into()));
    assert_eq!(state(&old_kid), Some("current".into()));
    let old = keys.iter().find(|k| k["kid"] == old_kid.as_str()).unwrap();
    assert_eq!(time(&old["signs_until"]), switch_at);
    let removal = time(&old["published_until"]);
    assert!(
        removal >= switch_at + chrono::TimeDelta::seconds(2),
        "retained for the token lifetime"
    );

    // This one fetched discovery and the JWKS once, before the switch, and
    // never again (the openidconnect crate).
    let http = rp_http();
    let (rp, _) = discover(&app, "contoso", &client, &http).await;
    let mut seen = Vec::new();
    let mut old_published_while_due = true;
    while portico::store::now() < removal + chrono::TimeDelta::milliseconds(800) {
        let id_token = next_id_token(&app, &client, &mut refresh_token).await;
        let issued_at = portico::store::now();
        caching.verify(&app, &id_token, &client.client_id).await;
        let parsed: openidconnect::core::CoreIdToken = id_token.parse().unwrap();
        parsed
            .claims(&rp.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
            .expect("verifies with the JWKS fetched before the switch");
        let kid = kid_of(&id_token);
        if seen.last() != Some(&kid) {
            seen.push(kid.clone());
        }
        if issued_at < switch_at - chrono::TimeDelta::milliseconds(100) {
            assert_eq!(kid, old_kid, "the next key signs nothing before its time");
        }
        let published = kids(&fetch_jwks(&app, "contoso").await.0);
        if portico::store::now() < removal - chrono::TimeDelta::milliseconds(100) {
            old_published_while_due &= published.contains(&old_kid);
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    assert_eq!(
        seen,
        [old_kid.clone(), new_kid.clone()],
        "one switch, old to new"
    );
    assert!(
        old_published_while_due,
        "the retired key stayed published until its removal time"
    );
    let published = kids(&fetch_jwks(&app, "contoso").await.0);
    assert!(
        !published.contains(&old_kid),
        "removed after retention: {published:?}"
    );
    assert!(published.contains(&new_kid));
    assert_transitions_audited(&app, &old_kid, &new_kid).await;
}

/// Every transition is in the audit log, each once.
async fn assert_transitions_audited(app: &TestApp, old_kid: &str, new_kid: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
        let events: Vec<(String, String)> = app
            .db
            .read_blocking(|c| portico::store::audit::list(c, &tenant.id, 1000))
            .unwrap()
            .into_iter()
            .filter(|e| e.action.as_str().starts_with("keys."))
            .map(|e| (e.action.as_str().to_owned(), e.target.unwrap_or_default()))
            .collect();
        let expected = [
            ("keys.next_published", new_kid),
            ("keys.promoted", new_kid),
            ("keys.retired", old_kid),
            ("keys.removed", old_kid),
        ];
        let all = expected
            .iter()
            .all(|(a, k)| events.iter().filter(|(ea, ek)| ea == a && ek == k).count() == 1);
        if all {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "transitions not audited: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
