//! The console's groups: create, rename, add and remove members (after a
//! confirmation), audited as the administrator; the same rules on the API.

use portico::b2b::invitation::Target;
use portico::domain::AuditAction;
use portico::store;

use super::users::{actor_of, admin_on, console, events, user};
use crate::helpers::api::{admin_token, call};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::hidden;

fn members_of(b: &B2b, group_id: &str) -> Vec<String> {
    let (tenant, id) = (b.contoso(), group_id.to_owned());
    b.app
        .db
        .read_blocking(move |c| store::users::in_group(c, &tenant.id, &id, 100))
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect()
}

fn group_named(b: &B2b, name: &str) -> Option<store::groups::Group> {
    let (tenant, name) = (b.contoso(), name.to_owned());
    b.app
        .db
        .read_blocking(move |c| store::groups::find_by_name(c, &tenant.id, &name))
        .unwrap()
}

async fn post(browser: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = browser.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn an_administrator_creates_renames_and_fills_a_group() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);
    b.redeem(&link, GUEST).await;
    let (browser, page) = admin_on(&b, "/groups").await;
    assert!(page.contains("No groups yet"), "{page}");
    let csrf = hidden(&page, "csrf_token");
    let groups = format!("{}/groups", console(&b));

    let created = browser
        .post(&groups)
        .form(&[("csrf_token", csrf.as_str()), ("name", "  Launch team ")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let group = group_named(&b, "Launch team").expect("created, trimmed");
    let location = created.headers()["location"].to_str().unwrap();
    assert!(location.ends_with(&format!("/admin/groups/{}?notice=group_created", group.id)));
    let (status, again) = post(
        &browser,
        &groups,
        &[("csrf_token", &csrf), ("name", "Launch team")],
    )
    .await;
    assert!(
        status == 400 && again.contains("already a group with this name"),
        "{again}"
    );
    let (status, _) = post(
        &browser,
        &groups,
        &[("csrf_token", "forged"), ("name", "Forged")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(group_named(&b, "Forged").is_none());

    let here = format!("{groups}/{}", group.id);
    let (status, _) = post(
        &browser,
        &format!("{here}/rename"),
        &[("csrf_token", &csrf), ("name", "Launch crew")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(group_named(&b, "Launch crew").is_some() && group_named(&b, "Launch team").is_none());
    let (status, refused) = post(
        &browser,
        &format!("{here}/rename"),
        &[("csrf_token", &csrf), ("name", " ")],
    )
    .await;
    assert!(
        status == 400 && refused.contains("1 to 200 characters"),
        "{refused}"
    );

    let add = format!("{here}/members");
    let (status, _) = post(&browser, &add, &[("csrf_token", &csrf), ("email", GUEST)]).await;
    assert_eq!(status, 303);
    assert_eq!(members_of(&b, &group.id), [GUEST]);
    let (status, unknown) = post(
        &browser,
        &add,
        &[("csrf_token", &csrf), ("email", "nobody@contoso.example")],
    )
    .await;
    assert!(
        status == 400 && unknown.contains("no such user"),
        "{unknown}"
    );
    let list = b.app.text(&browser, &groups).await;
    assert!(list.contains("Launch crew</a></td><td>1</td>"), "{list}");
    let page = b.app.text(&browser, &here).await;
    assert!(
        page.contains("<h1>Launch crew</h1>") && page.contains(GUEST),
        "{page}"
    );

    let guest = user(&b, GUEST).unwrap();
    let remove = format!("{here}/members/{}/remove", guest.id);
    let (status, asked) = post(&browser, &remove, &[("csrf_token", &csrf)]).await;
    assert!(
        status == 200 && asked.contains("Remove gio@proseware.example from Launch crew?"),
        "{asked}"
    );
    assert_eq!(
        members_of(&b, &group.id),
        [GUEST],
        "nothing removed before confirming"
    );
    let (status, _) = post(
        &browser,
        &remove,
        &[("csrf_token", &csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(members_of(&b, &group.id).is_empty());

    let admin = actor_of(&b, b.administrator());
    for action in [
        AuditAction::GroupCreated,
        AuditAction::GroupRenamed,
        AuditAction::GroupMemberAdded,
        AuditAction::GroupMemberRemoved,
    ] {
        let recorded = events(&b, action);
        assert_eq!(recorded.len(), 1, "{action:?}");
        assert_eq!(recorded[0].actor, admin, "{action:?}");
    }
    let renamed = &events(&b, AuditAction::GroupRenamed)[0];
    assert_eq!(renamed.target.as_deref(), Some(group.id.as_str()));
    assert_eq!(
        renamed.detail.as_deref(),
        Some("from \"Launch team\" to \"Launch crew\"")
    );
}

#[tokio::test]
async fn the_api_renames_a_group_and_removes_a_member() {
    let app = crate::helpers::spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    let token = admin_token(&app).await;
    let (status, group, _) = call(
        &app,
        reqwest::Method::POST,
        "/groups",
        Some(&token),
        Some(serde_json::json!({ "name": "Sales" })),
    )
    .await;
    assert_eq!(status, 201);
    let id = group["id"].as_str().unwrap().to_owned();
    let patch = |name: &str| Some(serde_json::json!({ "name": name }));
    let (status, renamed, _) = call(
        &app,
        reqwest::Method::PATCH,
        &format!("/groups/{id}"),
        Some(&token),
        patch("Sales EMEA"),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("Sales EMEA"))
    );
    let (status, _, _) = call(
        &app,
        reqwest::Method::PATCH,
        &format!("/groups/{id}"),
        Some(&token),
        patch(""),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = call(
        &app,
        reqwest::Method::PATCH,
        "/groups/nope",
        Some(&token),
        patch("X"),
    )
    .await;
    assert_eq!(status, 404);

    let tenant = portico::admin::provision::tenant(&app.db, "contoso").unwrap();
    let megan = app
        .db
        .read_blocking(|c| store::users::find_by_email(c, &tenant.id, "megan@contoso.example"))
        .unwrap()
        .unwrap();
    let members = format!("/groups/{id}/members");
    let body = Some(serde_json::json!({ "user_id": megan.id }));
    let (status, _, _) = call(&app, reqwest::Method::POST, &members, Some(&token), body).await;
    assert_eq!(status, 204);
    let one = format!("{members}/{}", megan.id);
    let (status, _, _) = call(&app, reqwest::Method::DELETE, &one, Some(&token), None).await;
    assert_eq!(status, 204);
    let (status, problem, _) = call(&app, reqwest::Method::DELETE, &one, Some(&token), None).await;
    assert_eq!(
        (status, problem["detail"].as_str()),
        (404, Some("no such group member"))
    );
    let (status, _, _) = call(&app, reqwest::Method::DELETE, &one, None, None).await;
    assert_eq!(status, 401);

    let events = app
        .db
        .read_blocking(|c| store::audit::list(c, &tenant.id, 100))
        .unwrap();
    let count = |action| events.iter().filter(|e| e.action == action).count();
    assert_eq!(count(AuditAction::GroupRenamed), 1);
    assert_eq!(count(AuditAction::GroupMemberRemoved), 1);
    let in_group = app
        .db
        .read_blocking(|c| store::users::in_group(c, &tenant.id, &id, 10))
        .unwrap();
    assert!(in_group.is_empty());
}
