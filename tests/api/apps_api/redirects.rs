//! Changing an app's redirect URIs after registration, on every path (the
//! admin API, the CLI; the console in `console::apps`): the new list is
//! matched exactly at once and the old URIs are refused; bad lists change
//! nothing; only a person with the administrator role may change them (or
//! how an app authenticates), never an app's token, whatever its
//! permissions.

use portico::domain::AuditAction;
use reqwest::Method;
use serde_json::json;

use super::{admin_actor, audited, contoso, not_administrators, one_app, payroll};
use crate::helpers::api::{admin_token, call};
use crate::helpers::cli::{cli, cli_failure};
use crate::helpers::{TestApp, fresh_database, spawn_app_with};

/// Whether `/authorize` trusts `redirect_uri` for the app: an unregistered
/// one gets an error page (400) and no redirect; a registered one goes on
/// to sign the person in.
pub(crate) async fn accepted(app: &TestApp, client_id: &str, redirect_uri: &str) -> bool {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/authorize", app.issuer("contoso")),
        &[
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let response = app.browser().get(url).send().await.unwrap();
    match response.status().as_u16() {
        400 => {
            assert!(response.headers().get("location").is_none());
            false
        }
        200 | 302 | 303 => true,
        other => panic!("/authorize answered {other}"),
    }
}

const FIRST: &str = "https://payroll.example/callback";
const SECOND: &str = "https://payroll.example/v2/callback";

#[tokio::test]
async fn an_administrator_replaces_the_redirect_uris_and_the_old_ones_stop_at_once() {
    let (app, admin) = contoso().await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&admin), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    assert!(accepted(&app, &client_id, FIRST).await);
    assert!(!accepted(&app, &client_id, SECOND).await);

    let path = format!("/apps/{client_id}");
    let body = json!({
        "redirect_uris": [SECOND],
        "post_logout_redirect_uris": ["https://payroll.example/bye"],
    });
    let (status, view, _) = call(&app, Method::PATCH, &path, Some(&admin), Some(body)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["redirect_uris"], json!([SECOND]));
    assert_eq!(
        view["post_logout_redirect_uris"],
        json!(["https://payroll.example/bye"])
    );
    assert!(accepted(&app, &client_id, SECOND).await);
    assert!(
        !accepted(&app, &client_id, FIRST).await,
        "the old one at once"
    );
    let events = audited(&app, AuditAction::AppRedirectUrisUpdated);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, admin_actor(&app));
    assert_eq!(events[0].target.as_deref(), Some(client_id.as_str()));
    assert!(events[0].detail.as_deref().unwrap().contains(SECOND));

    // Bad lists are 400 problems and change nothing.
    for (body, why) in [
        (json!({"redirect_uris": []}), "at least one redirect URI"),
        (
            json!({"redirect_uris": ["https://payroll.example/cb#x"]}),
            "fragment",
        ),
        (json!({"redirect_uris": ["/relative"]}), "absolute"),
        (
            json!({"post_logout_redirect_uris": ["file:///tmp/x"]}),
            "forbidden scheme",
        ),
        (
            json!({"redirect_uris": vec!["https://payroll.example/x"; 21]}),
            "at most 20",
        ),
    ] {
        let (status, problem, _) =
            call(&app, Method::PATCH, &path, Some(&admin), Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(why), "{body}: {detail}");
    }
    let (_, now, _) = one_app(&app, &admin, &client_id).await;
    assert_eq!(now["redirect_uris"], json!([SECOND]));
    assert_eq!(
        now["post_logout_redirect_uris"],
        json!(["https://payroll.example/bye"])
    );
    assert_eq!(audited(&app, AuditAction::AppRedirectUrisUpdated).len(), 1);
}

#[tokio::test]
async fn neither_a_member_nor_an_apps_token_may_change_where_codes_go_or_how_an_app_proves_itself()
{
    let (app, admin) = contoso().await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&admin), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    // An app that may change apps' settings still may not point another
    // app's codes (or its own) at itself.
    let (member, service, service_token) = not_administrators(&app).await;
    for (token, target) in [
        (&member, client_id.as_str()),
        (&service_token, client_id.as_str()),
        (&service_token, service.client_id.as_str()),
    ] {
        for body in [
            json!({"redirect_uris": ["https://attacker.example/cb"]}),
            json!({"post_logout_redirect_uris": ["https://attacker.example/bye"]}),
            json!({"token_endpoint_auth_method": "client_secret_jwt"}),
            json!({"token_endpoint_auth_method": "private_key_jwt",
                   "jwks_uri": "https://attacker.example/jwks"}),
        ] {
            let path = format!("/apps/{target}");
            let (status, problem, _) =
                call(&app, Method::PATCH, &path, Some(token), Some(body)).await;
            assert_eq!(status, 403, "{problem}");
            assert!(problem.get("client_secret").is_none());
        }
    }
    let (_, payroll_now, _) = one_app(&app, &admin, &client_id).await;
    assert_eq!(
        payroll_now["token_endpoint_auth_method"],
        created["token_endpoint_auth_method"]
    );
    assert!(audited(&app, AuditAction::AppClientAuthUpdated).is_empty());
    // The service may still change what its permission covers.
    let path = format!("/apps/{client_id}");
    let body = json!({"require_mfa": true});
    let (status, _, _) = call(&app, Method::PATCH, &path, Some(&service_token), Some(body)).await;
    assert_eq!(status, 200);
    assert!(!accepted(&app, &client_id, "https://attacker.example/cb").await);
    assert!(audited(&app, AuditAction::AppRedirectUrisUpdated).is_empty());
}

#[tokio::test]
async fn the_cli_replaces_or_clears_the_lists_and_refuses_bad_ones() {
    // The server and the CLI on one database.
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    let url = db.clone();
    let app = spawn_app_with(move |s| s.database_url = url).await;
    app.tenant("contoso");
    let admin = admin_token(&app).await;
    let (_, created, _) = call(&app, Method::POST, "/apps", Some(&admin), Some(payroll())).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let update = [
        "app",
        "update",
        "--tenant",
        "contoso",
        "--client-id",
        client_id.as_str(),
    ];
    let said = cli(
        &db,
        &[
            &update[..],
            &[
                "--redirect-uri",
                SECOND,
                "--redirect-uri",
                "http://127.0.0.1:4000/cb",
                "--post-logout-redirect-uri",
                "https://payroll.example/bye",
            ],
        ]
        .concat(),
    );
    assert!(
        said.contains(&format!("redirect URIs: {SECOND} http://127.0.0.1:4000/cb")),
        "{said}"
    );
    let (_, now, _) = one_app(&app, &admin, &client_id).await;
    assert_eq!(
        now["post_logout_redirect_uris"],
        json!(["https://payroll.example/bye"])
    );
    let said = cli(
        &db,
        &[&update[..], &["--clear-post-logout-redirect-uris"]].concat(),
    );
    assert!(said.contains("post-logout redirect URIs: none"), "{said}");
    let events = audited(&app, AuditAction::AppRedirectUrisUpdated);
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.actor == "cli"));

    let refused = cli_failure(
        &db,
        &[&update[..], &["--redirect-uri", "https://x.example/#f"]].concat(),
    );
    assert!(refused.contains("fragment"), "{refused}");
    let refused = cli_failure(&db, &update);
    assert!(refused.contains("required"), "nothing to change: {refused}");
    let (_, now, _) = one_app(&app, &admin, &client_id).await;
    assert_eq!(
        now["redirect_uris"],
        json!([SECOND, "http://127.0.0.1:4000/cb"])
    );
}
