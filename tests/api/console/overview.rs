//! The console's overview: counts from the database, the newest sign-ins and
//! refusals for administrators; a member's own invitations and the way to
//! invite.

use crate::helpers::b2b::{B2b, GUEST, b2b};
use crate::helpers::{Landing, PASSWORD, drive};
use portico::b2b::invitation::Target;

/// The console, signed in as `email`: the browser and the overview.
pub(super) async fn console_as(b: &B2b, email: &str) -> (reqwest::Client, String) {
    let browser = b.app.browser();
    let url = format!("{}/admin", b.app.issuer("contoso"));
    let Landing::Page(200, page) = drive(&b.app, &browser, &url, email, PASSWORD).await else {
        panic!("the overview expected")
    };
    (browser, page)
}

/// The rows of the table with this class, as their cells' text.
pub(super) fn rows(page: &str, class: &str) -> Vec<Vec<String>> {
    let Some(start) = page.find(&format!("<table class=\"{class}\">")) else {
        return Vec::new();
    };
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let text = &cell[cell.find('>').unwrap() + 1..];
                    text[..text.find("</td>").unwrap()].trim().to_owned()
                })
                .collect()
        })
        .collect()
}

/// The address of the paging link `rel` (`next`: older, `prev`: newer).
pub(super) fn paging_link(page: &str, rel: &str) -> Option<String> {
    page.split(&format!("rel=\"{rel}\" href=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|href| href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// Opening `url` answers 400 with a page that says `says` and keeps the
/// filter form to correct it (never a 500).
pub(super) async fn assert_explained(browser: &reqwest::Client, url: &str, says: &str) {
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 400, "{url}");
    let page = response.text().await.unwrap();
    assert!(page.contains(says), "{url}: {page}");
    assert!(page.contains("<form method=\"get\""), "the form: {page}");
}

/// Whether `text` is a time as the console shows it (`2026-12-02 14:05 UTC`).
pub(super) fn is_console_time(text: &str) -> bool {
    text.strip_suffix(" UTC")
        .is_some_and(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").is_ok())
}

#[tokio::test]
async fn an_administrator_sees_counts_and_the_newest_sign_ins_and_refusals() {
    let b = b2b().await;
    let admin = b.administrator();
    b.invite(GUEST, Target::Tenant);
    b.invite("ann@fabrikam.example", Target::Tenant);
    // Redeeming Gio's link as someone else is refused (and audited).
    let link = b.invite(GUEST, Target::Tenant);
    let (_, refused) = b.redeem(&link, "other@proseware.example").await;
    assert!(matches!(refused, Landing::Page(403, _)), "{refused:?}");
    // Megan signs in to the console too.
    console_as(&b, "megan@contoso.example").await;

    let (_, page) = console_as(&b, admin).await;
    for count in [
        "<strong>2</strong> members",
        "<strong>2</strong> guests",
        "<strong>2</strong> pending invitations",
        "<strong>0</strong> groups",
    ] {
        assert!(page.contains(count), "{count} in {page}");
    }
    let sign_ins = rows(&page, "recent-sign-ins");
    let who: Vec<&str> = sign_ins.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(who, [admin, "megan@contoso.example"], "newest first");
    assert!(
        sign_ins.iter().all(|r| is_console_time(&r[0])),
        "{sign_ins:?}"
    );
    assert_eq!(sign_ins[0][2..], ["Member", "Password"]);

    let refusals = rows(&page, "recent-refusals");
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(is_console_time(&refusals[0][0]), "{refusals:?}");
    assert_eq!(refusals[0][1], "Invitation acceptance refused");
    assert_eq!(refusals[0][2], "Portico", "who refused, in words");
    assert_eq!(refusals[0][3], GUEST, "the invitation, by its email");
    assert!(!page.contains("invitation.redemption_refused"), "{page}");
}

#[tokio::test]
async fn the_overview_lists_at_most_ten_of_each() {
    let b = b2b().await;
    let admin = b.administrator();
    let tenant = b.contoso();
    let megan = b.guest("megan@contoso.example").id;
    b.app
        .db
        .write_blocking(|c| {
            for n in 0..12 {
                let token = format!("session-{n}");
                let day = chrono::TimeDelta::days(1);
                portico::store::sessions::create(c, &tenant.id, &megan, &token, "pwd", day, true)?;
            }
            for n in 0..12 {
                portico::store::audit::record(
                    c,
                    &tenant.id,
                    "anonymous",
                    portico::domain::AuditAction::SignInRefused,
                    Some(&format!("stranger{n}@example.org")),
                    Some("unknown address"),
                )?;
            }
            Ok::<_, portico::store::StoreError>(())
        })
        .unwrap();
    let (_, page) = console_as(&b, admin).await;
    let sign_ins = rows(&page, "recent-sign-ins");
    assert_eq!(sign_ins.len(), 10);
    assert_eq!(sign_ins[0][1], admin, "the newest first");
    let refusals = rows(&page, "recent-refusals");
    assert_eq!(refusals.len(), 10);
    assert_eq!(
        refusals[0][1..4],
        [
            "Sign-in refused",
            "Someone not signed in",
            "stranger11@example.org"
        ]
    );
}

#[tokio::test]
async fn a_member_sees_their_own_invitations_and_the_way_to_invite() {
    let b = b2b().await;
    b.invite(GUEST, Target::Tenant);
    b.invite("ann@fabrikam.example", Target::Tenant);
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| {
            let ann = portico::store::invitations::list(c, &tenant.id)?
                .into_iter()
                .find(|i| i.email == "ann@fabrikam.example")
                .unwrap();
            portico::b2b::removal::revoke_invitation(c, &tenant.id, "cli", &ann.id)
        })
        .unwrap();
    // An administrator's invitation is not Megan's.
    b.try_invite(b.administrator(), "bob@fabrikam.example", Target::Tenant)
        .unwrap();

    let (_, page) = console_as(&b, "megan@contoso.example").await;
    assert!(page.contains("<h2>Your invitations</h2>"), "{page}");
    assert!(page.contains("<strong>1</strong> pending"), "{page}");
    assert!(page.contains("<strong>1</strong> revoked"), "{page}");
    assert!(page.contains("<strong>0</strong> accepted"), "{page}");
    assert!(page.contains("Invite a guest"), "{page}");
    assert!(
        !page.contains("Recent sign-ins") && !page.contains("members</a>"),
        "members see no administration: {page}"
    );
}
