//! An app's redirect URIs changed on its console page: one URI a line,
//! matched exactly at once, the old ones refused; a bad list is refused
//! with the reason and changes nothing.

use portico::domain::AuditAction;

use super::{actor, apps_url, audited, post, signed_in, stored};
use crate::apps_api::redirects::accepted;
use crate::helpers::b2b::b2b;
use crate::helpers::hidden;

#[tokio::test]
async fn an_administrator_replaces_an_apps_redirect_uris_on_its_page() {
    let b = b2b().await;
    let admin = b.administrator();
    let web = &b.web;
    let (browser, _) = signed_in(&b, admin).await;
    let app_url = format!("{}/{}", apps_url(&b), web.client_id);
    let page = b.app.text(&browser, &app_url).await;
    assert!(
        page.contains(&format!(">{}</textarea>", web.redirect_uri)),
        "the list as it is: {page}"
    );
    let csrf = hidden(&page, "csrf_token");
    let settings = format!("{app_url}/settings");
    let new = "https://web.example/callback";

    let typed = format!("{new}\r\n\r\n  http://127.0.0.1:9/v2  \r\n");
    let saved = post(
        &browser,
        &settings,
        &[
            ("csrf_token", csrf.as_str()),
            ("redirect_uris", typed.as_str()),
            ("post_logout_redirect_uris", ""),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let now = stored(&b, &web.client_id);
    let uris: Vec<&str> = now.redirect_uris.iter().map(|u| u.as_str()).collect();
    assert_eq!(uris, [new, "http://127.0.0.1:9/v2"]);
    assert!(now.post_logout_redirect_uris.is_empty());
    assert!(accepted(&b.app, &web.client_id, new).await);
    assert!(!accepted(&b.app, &web.client_id, &web.redirect_uri).await);
    let events = audited(&b, AuditAction::AppRedirectUrisUpdated);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, actor(&b, admin));
    assert!(
        audited(&b, AuditAction::AppRequireMfaUpdated).is_empty(),
        "only what changed is recorded"
    );

    for (typed, why) in [
        ("", "needs at least one redirect URI"),
        ("https://web.example/cb#top", "must not contain a fragment"),
    ] {
        let refused = post(
            &browser,
            &settings,
            &[("csrf_token", csrf.as_str()), ("redirect_uris", typed)],
        )
        .await;
        assert_eq!(refused.status(), 400, "{typed}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(why), "{typed}: {page}");
        assert!(
            page.contains(&format!("name=\"redirect_uris\" rows=\"3\" aria-describedby=\"redirect_uris_help\">{typed}</textarea>")),
            "what was typed stays: {page}"
        );
    }
    assert_eq!(stored(&b, &web.client_id).redirect_uris.len(), 2);
    assert_eq!(audited(&b, AuditAction::AppRedirectUrisUpdated).len(), 1);
}
