//! Every page a browser can reach has a way forward: starting from the start
//! pages and the console, as an administrator, a member and a stranger,
//! every same-origin link is followed (bounded), and every HTML page it
//! reaches answers without a server error and offers at least one link or
//! form that leads elsewhere.

use std::collections::{BTreeSet, VecDeque};

use portico::admin::portal::frame::Section;

use crate::helpers::b2b::{GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, TestApp, drive};

/// How many pages one crawl visits at most.
const MAX_PAGES: usize = 300;

/// The `href`s and form `action`s of a page, unescaped.
fn targets(page: &str) -> Vec<String> {
    ["href=\"", "action=\""]
        .iter()
        .flat_map(|attr| page.split(attr).skip(1))
        .map(|rest| rest[..rest.find('"').unwrap_or(0)].replace("&#38;", "&"))
        .map(|t| t.replace("&amp;", "&"))
        .collect()
}

/// The path and query of a same-origin link worth following: pages, not
/// stylesheets, JSON documents or the protocol's own endpoints, and never
/// a way out (signing out, leaving for an app).
fn followable(app: &TestApp, target: &str) -> Option<String> {
    let local = target.strip_prefix(&app.absolute("")).unwrap_or(target);
    let skip = [
        "/static/",
        "/.well-known/",
        "/jwks",
        "/authorize",
        "/token",
        "/logout",
        "/api/",
        "/healthz",
        "/metrics",
        "/userinfo",
        "/device_authorization",
    ];
    (local.starts_with('/') && !skip.iter().any(|s| local.contains(s)))
        .then(|| local.split('#').next().unwrap_or(local).to_owned())
}

/// Crawls from `starts` with `browser`; returns the pages visited.
async fn crawl(app: &TestApp, browser: &reqwest::Client, starts: &[String]) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = starts.iter().cloned().collect();
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    while let Some(path) = queue.pop_front() {
        assert!(
            seen.len() <= MAX_PAGES,
            "more than {MAX_PAGES} pages: {seen:?}"
        );
        let response = browser.get(app.absolute(&path)).send().await.unwrap();
        let status = response.status();
        assert!(!status.is_server_error(), "{path}: {status}");
        let html = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        if !html || status.is_redirection() {
            continue;
        }
        let page = response.text().await.unwrap();
        // A form (to try again, to go on) is a way; a link only when it
        // leads to another page.
        let onward: Vec<String> = targets(&page)
            .into_iter()
            .filter(|t| !t.starts_with("/static/") && t.split('?').next() != Some(path.as_str()))
            .collect();
        assert!(
            !onward.is_empty() || page.contains("<form"),
            "{path} ({status}) is a dead end:\n{page}"
        );
        for next in onward.iter().filter_map(|t| followable(app, t)) {
            if seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
    }
    seen
}

#[tokio::test]
async fn every_page_reachable_from_the_start_and_the_console_has_a_way_forward() {
    let b = b2b().await;
    let admin = b.administrator();
    let link = b.invite(GUEST, portico::b2b::invitation::Target::Tenant);
    b.redeem(&link, GUEST).await;
    b.invite(
        "pending@example.org",
        portico::b2b::invitation::Target::Tenant,
    );
    let console = format!("{}/admin", b.app.issuer("contoso"));

    let stranger = b.app.browser();
    let starts = [
        "/".to_owned(),
        "/t/contoso".to_owned(),
        "/t/contoso/admin/users".to_owned(),
    ];
    crawl(&b.app, &stranger, &starts).await;

    for who in [admin, "megan@contoso.example"] {
        let browser = b.app.browser();
        let Landing::Page(200, _) = drive(&b.app, &browser, &console, who, PASSWORD).await else {
            panic!("{who}: the console expected")
        };
        let pages = crawl(&b.app, &browser, &["/t/contoso/admin".to_owned()]).await;
        // The administrator's navigation reaches every section; a member's
        // only the ones members may use, and the others refuse them.
        let is_admin = who == admin;
        for section in Section::ALL {
            let path = format!("/t/contoso{}", section.path());
            let allowed = is_admin || section.for_members();
            assert_eq!(
                pages.contains(&path),
                allowed,
                "{who}: {path} reached? pages: {pages:?}"
            );
            let status = browser
                .get(b.app.absolute(&path))
                .send()
                .await
                .unwrap()
                .status();
            let expected = if allowed { 200 } else { 403 };
            assert_eq!(status.as_u16(), expected, "{who}: {path}");
        }
    }
}
