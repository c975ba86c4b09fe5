//! An app's back-channel logout registration set on its console page,
//! checked as through the API (syntax and the operator's egress rules),
//! removed by emptying the field; audited as the administrator.

use portico::domain::AuditAction;

use super::{actor, apps_url, audited, signed_in, stored};
use crate::helpers::b2b::b2b;
use crate::helpers::hidden;

#[tokio::test]
async fn an_administrator_sets_and_removes_an_apps_back_channel_logout() {
    let b = b2b().await;
    let admin = b.administrator();
    let web = &b.web;
    let (browser, _) = signed_in(&b, admin).await;
    let app_url = format!("{}/{}", apps_url(&b), web.client_id);
    let csrf = hidden(&b.app.text(&browser, &app_url).await, "csrf_token");
    let settings = format!("{app_url}/settings");
    let send = |uri: &'static str, session: bool| {
        let mut fields = vec![
            ("csrf_token", csrf.clone()),
            ("backchannel_logout_uri", uri.to_owned()),
        ];
        if session {
            fields.push(("backchannel_logout_session_required", "on".to_owned()));
        }
        let (browser, settings) = (browser.clone(), settings.clone());
        async move { browser.post(&settings).form(&fields).send().await.unwrap() }
    };

    let saved = send("http://127.0.0.1:1/bc", true).await;
    assert_eq!(saved.status(), 303);
    let logout = stored(&b, &web.client_id)
        .backchannel_logout
        .expect("registered");
    assert_eq!(logout.uri.as_str(), "http://127.0.0.1:1/bc");
    assert!(logout.session_required);
    let events = audited(&b, AuditAction::AppBackchannelLogoutUpdated);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, actor(&b, admin));
    let page = b.app.text(&browser, &app_url).await;
    assert!(
        page.contains("<code>http://127.0.0.1:1/bc</code> (with the session)"),
        "{page}"
    );

    for (uri, session, why) in [
        (
            "https://169.254.169.254/bc",
            false,
            "backchannel_logout_uri refused",
        ),
        ("", true, "needs a back-channel logout URI"),
        ("not a uri", false, "Settings not saved"),
    ] {
        let refused = send(uri, session).await;
        assert_eq!(refused.status(), 400, "{uri}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(why), "{uri}: {page}");
    }
    assert!(stored(&b, &web.client_id).backchannel_logout.is_some());
    assert_eq!(
        audited(&b, AuditAction::AppBackchannelLogoutUpdated).len(),
        1
    );

    let removed = send("", false).await;
    assert_eq!(removed.status(), 303);
    assert!(stored(&b, &web.client_id).backchannel_logout.is_none());
    assert_eq!(
        audited(&b, AuditAction::AppBackchannelLogoutUpdated).len(),
        2
    );
    // The same again changes nothing and records nothing.
    let unchanged = send("", false).await;
    let location = unchanged.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?notice=app_unchanged"), "{location}");
}
