//! Members' sessions: RP-initiated logout and an administrator's revocation
//! reach every app with a session in them, as each app asked (`sid` or
//! `sub`), and no other app, of this tenant or another.

use std::time::Duration;

use super::{LogoutRp, logout, outbox, register, sign_in, spawn, verify};
use crate::helpers::api::{admin_token, call};
use crate::helpers::jwt_payload;

const MEMBER: &str = "megan@contoso.example";

fn user_id(app: &crate::helpers::TestApp, slug: &str, email: &str) -> String {
    let tenant = portico::admin::provision::tenant(&app.db, slug).unwrap();
    app.db
        .read_blocking(|c| portico::store::users::find_by_email(c, &tenant.id, email))
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn rp_initiated_logout_reaches_every_app_of_the_session_and_no_other() {
    let app = spawn().await;
    app.tenant("contoso");
    app.tenant("fabrikam");
    app.member("contoso", MEMBER);
    app.member("fabrikam", "fred@fabrikam.example");
    let rp = LogoutRp::up();
    // Two apps share the session: one wants `sid`, one only `sub`.
    let (crm, wiki, unused) = (
        app.web_app("contoso"),
        app.web_app("contoso"),
        app.web_app("contoso"),
    );
    register(&app, "contoso", &crm, &rp.uri("crm"), true);
    register(&app, "contoso", &wiki, &rp.uri("wiki"), false);
    register(&app, "contoso", &unused, &rp.uri("unused"), true);
    // Another tenant's app, with a session of its own user.
    let other = app.web_app("fabrikam");
    register(&app, "fabrikam", &other, &rp.uri("other"), true);
    sign_in(
        &app,
        &app.browser(),
        "fabrikam",
        &other,
        "fred@fabrikam.example",
    )
    .await;

    let browser = app.browser();
    let crm_tokens = sign_in(&app, &browser, "contoso", &crm, MEMBER).await;
    let wiki_tokens = sign_in(&app, &browser, "contoso", &wiki, MEMBER).await;
    let id_token = crm_tokens["id_token"].as_str().unwrap();
    let sid = jwt_payload(id_token)["sid"].as_str().unwrap().to_owned();
    assert_eq!(
        jwt_payload(wiki_tokens["id_token"].as_str().unwrap())["sid"],
        sid.as_str(),
        "one browser session, one sid, whichever app"
    );
    assert!(outbox(&app, "contoso").is_empty());

    let response = logout(&app, &browser, "contoso", id_token).await;
    assert_eq!(response.status(), 200);

    let member = user_id(&app, "contoso", MEMBER);
    let crm_logout = rp.wait_for("crm", 1).await;
    let claims = verify(&app, "contoso", &crm.client_id, &crm_logout[0]).await;
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(claims["sub"], member.as_str());
    let wiki_logout = rp.wait_for("wiki", 1).await;
    let claims = verify(&app, "contoso", &wiki.client_id, &wiki_logout[0]).await;
    assert_eq!(claims["sub"], member.as_str());
    assert!(claims.get("sid").is_none(), "wiki did not ask for sid");
    let received = rp.received();
    assert!(
        received
            .iter()
            .all(|r| r.content_type == "application/x-www-form-urlencoded"),
        "{received:?}"
    );

    // Nothing for the app without a session, nor the other tenant's app.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(rp.tokens("unused").is_empty());
    assert!(rp.tokens("other").is_empty());
    assert_eq!(rp.received().len(), 2, "{:?}", rp.received());
    assert!(outbox(&app, "fabrikam").is_empty());
    assert!(
        outbox(&app, "contoso")
            .iter()
            .all(|m| m.delivered_at.is_some() && m.attempts == 1)
    );

    // The session is over: the next request signs in again.
    let (url, _) = crate::helpers::authorize_url(&app, "contoso", &crm, "openid", &[]);
    assert!(app.follow(&browser, &url).await.contains("/login?"));
}

#[tokio::test]
async fn a_hint_of_another_session_does_not_sign_this_one_out_unasked() {
    let app = spawn().await;
    app.tenant("contoso");
    app.member("contoso", MEMBER);
    let rp = LogoutRp::up();
    let crm = app.web_app("contoso");
    register(&app, "contoso", &crm, &rp.uri("crm"), true);
    let (first, second) = (app.browser(), app.browser());
    let old = sign_in(&app, &first, "contoso", &crm, MEMBER).await;
    sign_in(&app, &second, "contoso", &crm, MEMBER).await;
    // The first session's ID token, presented by the second browser.
    let page = logout(&app, &second, "contoso", old["id_token"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("csrf_token"), "asks first: {page}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rp.received().is_empty());
}

#[tokio::test]
async fn an_administrator_revoking_sessions_signs_the_user_out_of_every_app() {
    let app = spawn().await;
    app.tenant("contoso");
    app.member("contoso", MEMBER);
    let admin = admin_token(&app).await;
    let rp = LogoutRp::up();
    let crm = app.web_app("contoso");
    register(&app, "contoso", &crm, &rp.uri("crm"), true);
    // Two browsers: two sessions, two logout tokens.
    let mut sids = Vec::new();
    for _ in 0..2 {
        let tokens = sign_in(&app, &app.browser(), "contoso", &crm, MEMBER).await;
        sids.push(jwt_payload(tokens["id_token"].as_str().unwrap())["sid"].clone());
    }
    assert_ne!(sids[0], sids[1]);

    let member = user_id(&app, "contoso", MEMBER);
    let (status, body, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("/users/{member}/revoke-sessions"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!((status, body["sessions_revoked"].as_u64()), (200, Some(2)));

    let tokens = rp.wait_for("crm", 2).await;
    let mut got = Vec::new();
    for token in &tokens {
        let claims = verify(&app, "contoso", &crm.client_id, token).await;
        assert_eq!(claims["sub"], member.as_str());
        got.push(claims["sid"].clone());
    }
    got.sort_by_key(|s| s.to_string());
    sids.sort_by_key(|s| s.to_string());
    assert_eq!(got, sids);

    // Unknown users are 404; members cannot do it.
    let (status, _, _) = call(
        &app,
        reqwest::Method::POST,
        "/users/nobody/revoke-sessions",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let member_token = crate::helpers::tokens_for_member(&app, "contoso", &crm, MEMBER, "openid")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("/users/{member}/revoke-sessions"),
        Some(&member_token),
        None,
    )
    .await;
    assert_eq!(status, 403);
}

#[test]
fn the_cli_signs_a_user_out_everywhere_and_queues_their_apps_logout_tokens() {
    use crate::helpers::cli::{cli, cli_failure};
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database(&dir);
    let client_id = &super::cli_crm(&db_url);
    let password = "pw-long-enough-1";
    let create = ["user", "create", "--tenant", "contoso", "--email", MEMBER];
    cli(
        &db_url,
        &[&create[..], &["--name", "Megan", "--password", password]].concat(),
    );
    // A session that signed in to the app (what /authorize records).
    let db = portico::store::Db::connect(&db_url).unwrap();
    let tenant = portico::admin::provision::tenant(&db, "contoso").unwrap();
    let session = db
        .write_blocking(|c| {
            let user = portico::store::users::find_by_email(c, &tenant.id, MEMBER)?.unwrap();
            let hour = chrono::TimeDelta::hours(1);
            let s =
                portico::store::sessions::create(c, &tenant.id, &user.id, "h", "pwd", hour, true)?;
            portico::store::codes::create_grant(
                c,
                &tenant.id,
                client_id,
                &user.id,
                Some(&s.id),
                None,
            )?;
            Ok::<_, portico::store::StoreError>(s)
        })
        .unwrap();

    fn revoke(who: &str) -> [&str; 6] {
        [
            "user",
            "revoke-sessions",
            "--tenant",
            "contoso",
            "--user",
            who,
        ]
    }
    let printed = cli(&db_url, &revoke(MEMBER));
    assert!(printed.contains("Ended 1 sessions"), "{printed}");
    let queued = db
        .read_blocking(|c| portico::store::logout_outbox::list(c, &tenant.id, 10))
        .unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(&queued[0].client_id, client_id);
    assert_eq!(queued[0].sid.as_deref(), Some(session.id.as_str()));
    assert_eq!(queued[0].sub, session.user_id);

    // Ended sessions end once; unknown users are an error.
    let again = cli(&db_url, &revoke(MEMBER));
    assert!(again.contains("Ended 0 sessions"), "{again}");
    let unknown = cli_failure(&db_url, &revoke("x@contoso.example"));
    assert!(unknown.contains("no such user"), "{unknown}");
}
