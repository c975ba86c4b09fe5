//! The console's audit log and `GET /api/v1/audit`: filters by actor, action,
//! target and time, pages newest first, and unreadable filters explained.

use diesel::RunQueryDsl;

use super::overview::{assert_explained, console_as, is_console_time, paging_link, rows};
use crate::helpers::api::{admin_token, call};
use crate::helpers::b2b::{B2b, GUEST, b2b};
use portico::b2b::invitation::Target;
use portico::domain::AuditAction;
use portico::store::audit::AuditEvent;

fn log(b: &B2b) -> String {
    format!("{}/admin/audit", b.app.issuer("contoso"))
}

/// An event at a given time (`2026-11-01 10:00:00`), as if recorded then.
pub(super) fn seed(
    b: &B2b,
    at: &str,
    actor: &str,
    action: AuditAction,
    target: &str,
    detail: &str,
) {
    let event = AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        tenant_id: b.contoso().id.as_str().to_owned(),
        at: chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap(),
        actor: actor.to_owned(),
        action,
        target: Some(target.to_owned()),
        detail: Some(detail.to_owned()),
    };
    b.app
        .db
        .write_blocking(|c| {
            diesel::insert_into(portico::store::schema::audit_events::table)
                .values(event)
                .execute(c)
                .map_err(portico::store::StoreError::from)
        })
        .unwrap();
}

/// The log's rows for this query: when, what, who, target, detail.
async fn found(b: &B2b, browser: &reqwest::Client, query: &str) -> Vec<Vec<String>> {
    let response = browser
        .get(format!("{}?{query}", log(b)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    rows(&response.text().await.unwrap(), "audit")
}

fn column(rows: &[Vec<String>], n: usize) -> Vec<&str> {
    rows.iter().map(|r| r[n].as_str()).collect()
}

#[tokio::test]
async fn an_administrator_filters_by_actor_action_target_and_time() {
    let b = b2b().await;
    let admin = b.administrator();
    b.invite(GUEST, Target::Tenant);
    b.try_invite(admin, "ann@fabrikam.example", Target::Tenant)
        .unwrap();
    let ann = b.guest("ann@fabrikam.example").id;
    seed(
        &b,
        "2026-11-01 10:00:00",
        "cli",
        AuditAction::UserBlocked,
        &ann,
        "early",
    );
    seed(
        &b,
        "2026-11-01 10:05:30",
        "cli",
        AuditAction::UserUnblocked,
        &ann,
        "later",
    );
    seed(
        &b,
        "2026-11-02 09:00:00",
        "anonymous",
        AuditAction::SignInRefused,
        "x@y.example",
        "next day",
    );
    let (browser, _) = console_as(&b, admin).await;

    let all = found(&b, &browser, "").await;
    assert!(all.iter().all(|r| is_console_time(&r[0])), "{all:?}");
    assert_eq!(
        all[0][1..4],
        ["Invitation sent", admin, "ann@fabrikam.example"]
    );
    assert_eq!(
        all[1][1..4],
        ["Invitation sent", "megan@contoso.example", GUEST]
    );

    // The actor by part of their email (stored as their user id), any case.
    let megan = found(&b, &browser, "actor=MEGAN").await;
    assert_eq!(column(&megan, 2), ["megan@contoso.example"]);
    let by_cli = found(&b, &browser, "actor=cli").await;
    assert!(
        column(&by_cli, 2).iter().all(|w| *w == "Command line"),
        "{by_cli:?}"
    );
    assert_eq!(
        column(&found(&b, &browser, "actor=cli&target=ann").await, 4),
        ["later", "early"]
    );
    // The action.
    let blocked = found(&b, &browser, "action=user.blocked").await;
    assert_eq!(column(&blocked, 1), ["User blocked"]);
    // The target by part of the email of the user it names (stored as an id).
    let on_ann = found(&b, &browser, "target=ann@").await;
    assert_eq!(
        column(&on_ann, 1),
        ["Invitation sent", "User unblocked", "User blocked"]
    );
    assert!(
        column(&on_ann, 3)
            .iter()
            .all(|t| *t == "ann@fabrikam.example")
    );
    // A time range in UTC: whole days, or minutes as datetime-local sends them.
    let range = |q| found(&b, &browser, q);
    assert_eq!(
        column(&range("from=2026-11-01&to=2026-11-01").await, 4),
        ["later", "early"]
    );
    assert_eq!(
        column(&range("from=2026-11-01T10:05&to=2026-11-01T10:05").await, 4),
        ["later"]
    );
    assert_eq!(
        column(&range("from=2026-11-01T10:06&to=2026-11-02").await, 4),
        ["next day"]
    );
    // Filters combine.
    assert_eq!(
        column(
            &range("actor=cli&action=user.unblocked&target=ann").await,
            4
        ),
        ["later"]
    );
    assert!(range("actor=megan&action=user.blocked").await.is_empty());
}

#[tokio::test]
async fn unreadable_filters_are_explained_on_the_page_never_a_500() {
    let b = b2b().await;
    let (browser, _) = console_as(&b, b.administrator()).await;
    for (query, says) in [
        ("action=user.deleted", "There is no such action"),
        ("from=yesterday", "is not a time"),
        ("to=2026-02-30", "is not a time"),
        ("older=not-a-cursor", "start again from the newest events"),
        ("newer=1_", "start again from the newest events"),
    ] {
        assert_explained(&browser, &format!("{}?{query}", log(&b)), says).await;
    }
}

#[tokio::test]
async fn the_log_pages_newest_first_and_its_links_keep_the_filters() {
    let b = b2b().await;
    for n in 0..120 {
        let at = format!("2026-11-01 {:02}:{:02}:00", n / 60, n % 60);
        seed(
            &b,
            &at,
            "cli",
            AuditAction::UserBlocked,
            "someone",
            &format!("{n}"),
        );
        seed(
            &b,
            &at,
            "cli",
            AuditAction::UserUnblocked,
            "someone",
            "other",
        );
    }
    let (browser, _) = console_as(&b, b.administrator()).await;
    let mut page = b
        .app
        .text(&browser, &format!("{}?action=user.blocked", log(&b)))
        .await;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let shown = rows(&page, "audit");
        assert!(shown.len() <= 50);
        seen.extend(shown.iter().map(|r| r[4].parse::<u32>().unwrap()));
        let Some(older) = paging_link(&page, "next") else {
            break;
        };
        assert!(older.contains("action=user.blocked"), "{older}");
        page = b.app.text(&browser, &older).await;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        (0..120).rev().collect::<Vec<_>>(),
        "each event once, newest first"
    );
    // Back from the last page: the page before it again.
    let newer = paging_link(&page, "prev").expect("a link to newer events");
    let middle = rows(&b.app.text(&browser, &newer).await, "audit");
    assert_eq!(column(&middle, 4).first(), Some(&"69"));
    assert_eq!(column(&middle, 4).last(), Some(&"20"));
}

#[tokio::test]
async fn the_api_searches_the_same_way() {
    let b = b2b().await;
    let token = admin_token(&b.app).await;
    for n in 0..3 {
        let at = format!("2026-11-01 10:0{n}:00");
        seed(
            &b,
            &at,
            "cli",
            AuditAction::UserBlocked,
            "ann@fabrikam.example",
            &format!("{n}"),
        );
    }
    seed(
        &b,
        "2026-11-03 10:00:00",
        "cli",
        AuditAction::UserBlocked,
        "bob@fabrikam.example",
        "bob",
    );
    let get = |query: String| {
        let (b, token) = (&b, &token);
        async move {
            call(
                &b.app,
                reqwest::Method::GET,
                &format!("/audit?{query}"),
                Some(token),
                None,
            )
            .await
        }
    };
    let (status, body, _) = get("action=user.blocked&target=ann&limit=2".into()).await;
    assert_eq!(status, 200, "{body}");
    let details = |body: &serde_json::Value| -> Vec<String> {
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["detail"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(details(&body), ["2", "1"]);
    let next = body["next"].as_str().expect("a next page").to_owned();
    let (_, rest, _) = get(format!(
        "action=user.blocked&target=ann&limit=2&before={next}"
    ))
    .await;
    assert_eq!(details(&rest), ["0"]);
    assert!(rest["next"].is_null());
    let (_, range, _) = get("from=2026-11-02T00:00:00Z&to=2026-11-03".into()).await;
    assert_eq!(details(&range), ["bob"]);
    for bad in ["action=user.deleted", "from=soon", "before=x", "limit=many"] {
        let (status, body, content_type) = get(bad.into()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            content_type.starts_with("application/problem+json"),
            "{bad}"
        );
    }
}
