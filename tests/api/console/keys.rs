//! The console's Keys section: the signing keys in human words, a rotation
//! scheduled after pre-publication, a forced rotation only once confirmed,
//! each audited as the console user; members and forged forms rotate
//! nothing.

use portico::store;
use portico::store::keys::KeyRow;

use super::providers::{MEMBER, actor, audit, console, open_as, post};
use crate::helpers::b2b::{B2b, b2b};
use crate::helpers::hidden;

fn published(b: &B2b) -> Vec<KeyRow> {
    let tenant = b.contoso();
    b.app
        .db
        .read_blocking(|c| store::keys::published(c, &tenant.id))
        .unwrap()
}

#[tokio::test]
async fn an_administrator_lists_the_keys_and_schedules_a_rotation() {
    let b = b2b().await;
    let admin = b.administrator();
    let (browser, page) = open_as(&b, admin, "/keys").await;
    let [first] = published(&b).try_into().expect("one key");
    assert!(
        page.contains(&format!("<code>{}</code>", first.kid)),
        "{page}"
    );
    assert!(
        page.contains("Current: signing") && page.contains("Not scheduled"),
        "{page}"
    );
    assert!(page.contains(" UTC</td>"), "dates in words: {page}");
    let csrf = hidden(&page, "csrf_token");

    let rotate = console(&b, "/keys/rotate");
    let (status, _, location) = post(&browser, &rotate, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 303);
    let keys = published(&b);
    let next = keys
        .iter()
        .find(|k| k.kid != first.kid)
        .expect("a next key");
    let now = store::now();
    assert!(
        next.activates_at > now + chrono::TimeDelta::minutes(30),
        "published before it signs"
    );
    let page = b.app.text(&browser, &location.unwrap()).await;
    assert!(page.contains("Rotation scheduled"), "{page}");
    assert!(
        page.contains(&next.kid) && page.contains("Next: published, not signing yet"),
        "{page}"
    );
    assert!(audit(&b).contains(&(actor(&b, admin), "keys.next_published".into())));

    // One rotation at a time.
    let (status, page, _) = post(&browser, &rotate, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("Not rotated: a rotation is already scheduled"),
        "{page}"
    );
    assert_eq!(published(&b).len(), 2);
}

#[tokio::test]
async fn rotating_now_asks_first_and_then_signs_with_the_new_key() {
    let b = b2b().await;
    let admin = b.administrator();
    let (browser, page) = open_as(&b, admin, "/keys").await;
    let csrf = hidden(&page, "csrf_token");
    let [first] = published(&b).try_into().expect("one key");
    let now = console(&b, "/keys/rotate-now");

    let (status, page, _) = post(&browser, &now, &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Rotate the signing key now?") && page.contains("unknown kid"),
        "the confirmation says what it costs: {page}"
    );
    assert_eq!(published(&b).len(), 1, "unconfirmed: nothing rotated");

    let confirmed = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
    let (status, _, location) = post(&browser, &now, &confirmed).await;
    assert_eq!(status, 303);
    let keys = published(&b);
    let new = keys.iter().find(|k| k.kid != first.kid).expect("a new key");
    assert!(new.activates_at <= store::now(), "signing at once");
    let page = b.app.text(&browser, &location.unwrap()).await;
    assert!(page.contains("Key rotated"), "{page}");
    assert!(
        page.contains("Retired: no longer signs, still published"),
        "{page}"
    );
    assert!(audit(&b).contains(&(actor(&b, admin), "keys.rotated".into())));
    // This server publishes the new key at once.
    let jwks = reqwest::get(format!("{}/jwks", b.app.issuer("contoso")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(jwks.contains(&new.kid), "{jwks}");
}

#[tokio::test]
async fn members_and_forged_forms_rotate_no_key() {
    let b = b2b().await;
    let (member, page) = open_as(&b, MEMBER, "").await;
    let member_csrf = hidden(&page, "csrf_token");
    let response = member.get(console(&b, "/keys")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let (admin, _) = open_as(&b, b.administrator(), "/keys").await;
    for path in ["/keys/rotate", "/keys/rotate-now"] {
        let form = [("csrf_token", member_csrf.as_str()), ("confirm", "yes")];
        let (status, _, _) = post(&member, &console(&b, path), &form).await;
        assert_eq!(status, 403, "member: {path}");
        let forged = [("csrf_token", "forged"), ("confirm", "yes")];
        let (status, _, _) = post(&admin, &console(&b, path), &forged).await;
        assert_eq!(status, 403, "forged: {path}");
    }
    assert_eq!(published(&b).len(), 1);
}
