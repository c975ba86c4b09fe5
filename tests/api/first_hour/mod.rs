//! The first hour (issue 14): start pages, My apps, dead ends that offer a
//! way forward, the demo callback, `serve` binding before it seeds, and API
//! times with a zone.

mod api_times;
mod crawl;
mod dead_ends;
mod demo;
mod home_url;
mod landing;
mod my_apps;
mod serve;

use crate::helpers::b2b::{B2b, GUEST};
use crate::helpers::{PASSWORD, TestApp};

/// The `href` of the link labelled `label` in `page`, unescaped.
pub fn href_of(page: &str, label: &str) -> String {
    let end = page
        .find(&format!("\">{label}</a>"))
        .unwrap_or_else(|| panic!("no link {label:?} in {page}"));
    let start = page[..end].rfind("href=\"").expect("an href") + "href=\"".len();
    page[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

/// Signs `email` in from the tenant's start page; returns the My apps page
/// the sign-in comes back to.
pub async fn sign_in_to_my_apps(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    email: &str,
) -> String {
    let start = app.text(browser, &app.issuer(slug)).await;
    let sign_in = href_of(&start, "Sign in");
    let back = app.sign_in(browser, &sign_in, email, PASSWORD).await;
    assert!(back.contains("/myapps/signed-in?"), "{back}");
    let my_apps = app.follow(browser, &back).await;
    assert_eq!(my_apps, format!("/t/{slug}/myapps"));
    let response = browser.get(app.absolute(&my_apps)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Contoso's administrator blocks the guest.
pub fn block_guest(b: &B2b) {
    use portico::admin::guests::{GuestAction, act_on_guest};
    act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
}
