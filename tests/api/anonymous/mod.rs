//! Anonymous input is hostile (issue 9, items 8-12): what a caller who has
//! proved nothing can make the server keep (cache entries, metric series,
//! rows) stays bounded, a stranger cannot lock a guest out, and the
//! email-first step tells a stranger nothing about a guest's state. The
//! memory items are measured (entries, bytes, rows), not timed.

mod guest_state;
mod lockout;
mod memory;
mod writes;

use std::sync::Arc;

use diesel::RunQueryDsl;
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::Target;
use portico::b2b::policy::Policy;
use portico::state::AppState;
use portico::store;

use crate::helpers::b2b::{B2b, GUEST, b2b, code_in, email_step, submit_code};
use crate::helpers::{
    Landing, PASSWORD, TestApp, authorize_url, drive, fresh_database, hidden, query_param,
    spawn_app, spawn_app_with,
};

/// A random string of `len` URL-safe characters.
fn noise(len: usize) -> String {
    let mut s = String::with_capacity(len + 43);
    while s.len() < len {
        s.push_str(&portico::crypto::random_token());
    }
    s.truncate(len);
    s
}

/// Runs one SQL statement, in the PostgreSQL or else the SQLite dialect.
fn exec_either(app: &TestApp, postgres: &str, sqlite: &str) {
    let mut conn = app.db.conn_for_tests();
    diesel::sql_query(postgres)
        .execute(&mut *conn)
        .or_else(|_| diesel::sql_query(sqlite).execute(&mut *conn))
        .unwrap();
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *app.db.conn_for_tests())
        .unwrap()
        .n
}

// ---- a guest who signs in with passcodes, and the pages on the way (items 10-12) ----

const KIM: &str = "kim@freemail.example";

/// A fresh Contoso sign-in page in `browser` (for the web app).
async fn login_page(b: &B2b, browser: &reqwest::Client) -> String {
    b.app.login_page(browser, "contoso", &b.web).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Moves every passcode of the app two minutes into the past (past the
/// one-a-minute gap; still inside the hour).
fn age_passcodes(b: &B2b) {
    exec_either(
        &b.app,
        "UPDATE email_passcodes SET created_at = created_at - INTERVAL '2 minutes'",
        "UPDATE email_passcodes SET created_at = datetime(created_at, '-2 minutes')",
    );
}

/// `who`, invited to Contoso, redeems with a mailed passcode (mails #0, #1).
async fn passcode_guest(b: &B2b, who: &str) {
    let link = b.invite(who, Target::Tenant);
    let browser = b.app.browser();
    let page = b.app.text(&browser, &link).await;
    let csrf = hidden(&page, "csrf_token");
    let response = browser
        .post(&link)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let page_url = b.app.absolute(&location(&response));
    let code = code_in(&b.mail.wait_for(who, 1).await);
    let response = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(b.guest(who).home_issuer.as_deref(), Some("mail"));
}
