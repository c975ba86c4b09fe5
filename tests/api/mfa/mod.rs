//! Multi-factor sign-in (issue 12): TOTP enrolment and sign-in, recovery
//! codes, the authentication policy per role and per app, step-up, the
//! account-security page and administrators' resets. Codes are computed
//! here from the secret the enrolment page shows.

mod account;
mod admin;
mod policy;
mod sign_in;
mod step_up;

use portico::domain::MfaRequired;
use portico::store;

use crate::helpers::{Landing, PASSWORD, TestApp, TestClient, authorize_url, drive, spawn_app};

pub const ALICE: &str = "alice@contoso.example";

pub struct Fixture {
    pub app: TestApp,
    /// A first-party web app of Contoso (no consent page).
    pub client: TestClient,
}

pub async fn fixture() -> Fixture {
    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", ALICE);
    let client = app.app(
        "contoso",
        false,
        true,
        vec![portico::domain::GrantType::AuthorizationCode],
        vec![],
    );
    Fixture { app, client }
}

impl Fixture {
    pub fn policy(&self, required: MfaRequired) {
        let tenant = portico::admin::provision::tenant(&self.app.db, "contoso").unwrap();
        self.app
            .db
            .write_blocking(|c| store::auth_policy::put(c, &tenant.id, required, "test"))
            .unwrap();
    }

    /// Makes app `client_id` require a second factor.
    pub fn require_mfa(&self, client_id: &str) {
        let tenant = portico::admin::provision::tenant(&self.app.db, "contoso").unwrap();
        self.app
            .db
            .write_blocking(|c| {
                portico::admin::mfa::set_app_requires_mfa(c, &tenant.id, client_id, true, "test")
            })
            .unwrap();
    }

    /// A sign-in to the app as `email`, driven until it leaves the server
    /// or stops at a page that is not a password or consent form.
    pub async fn start(
        &self,
        browser: &reqwest::Client,
        email: &str,
        extra: &[(&str, &str)],
    ) -> Landing {
        let (url, _) = authorize_url(&self.app, "contoso", &self.client, "openid", extra);
        drive(&self.app, browser, &url, email, PASSWORD).await
    }

    /// Carries on from a redirect (after a second factor) to where it ends.
    pub async fn carry_on(&self, browser: &reqwest::Client, location: &str) -> Landing {
        drive(&self.app, browser, location, ALICE, PASSWORD).await
    }

    /// Alice's password sign-in in `browser`, then `typed` on the
    /// second-factor page; the answer to that.
    pub async fn type_code(&self, browser: &reqwest::Client, typed: &str) -> reqwest::Response {
        let mfa = page(self.start(browser, ALICE, &[]).await);
        assert!(mfa.contains("Verify it's you"), "{mfa}");
        post_form(&self.app, browser, &mfa, &[("code", typed)]).await
    }

    /// Alice's sign-in with `typed` as her second factor, in a new browser,
    /// to where it ends.
    pub async fn sign_in_with(&self, typed: &str) -> Landing {
        let browser = self.app.browser();
        let accepted = self.type_code(&browser, typed).await;
        self.carry_on(&browser, &location(&accepted)).await
    }

    /// Alice enrols TOTP at her first sign-in (the policy must require it).
    pub async fn enrolled(&self) -> Enrolled {
        let browser = self.app.browser();
        let enrolled = self
            .enrol(&browser, &page(self.start(&browser, ALICE, &[]).await))
            .await;
        assert!(back_with_code(
            &self.carry_on(&browser, &enrolled.next).await
        ));
        enrolled
    }

    /// Enrols TOTP from the enrolment page; returns the secret, the
    /// recovery codes and the page's Continue link.
    pub async fn enrol(&self, browser: &reqwest::Client, page: &str) -> Enrolled {
        assert!(page.contains("Set up two-step verification"), "{page}");
        assert!(page.contains("data:image/svg+xml;base64,"), "a QR code");
        let secret = between(page, "id=\"totp-secret\">", "</code>");
        let first_code = code(&secret, 0);
        let response = post_form(&self.app, browser, page, &[("code", &first_code)]).await;
        assert_eq!(response.status(), 200);
        let codes_page = response.text().await.unwrap();
        let codes = recovery_codes_in(&codes_page);
        assert_eq!(codes.len(), 10, "{codes_page}");
        let next = codes_page
            .split("\">Continue</a>")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .unwrap()
            .to_owned();
        Enrolled {
            secret,
            first_code,
            codes,
            next,
        }
    }

    /// The amr texts of the user's live sessions, and whether each is complete.
    pub fn sessions(&self, email: &str) -> Vec<(String, bool)> {
        use diesel::prelude::*;
        use store::schema::{sessions, users};
        self.app
            .db
            .read_blocking(|c| {
                Ok::<_, store::StoreError>(
                    sessions::table
                        .inner_join(users::table.on(users::id.eq(sessions::user_id)))
                        .filter(users::email.eq(email))
                        .filter(sessions::revoked_at.is_null())
                        .select((sessions::amr, sessions::complete))
                        .load::<(String, bool)>(c)?,
                )
            })
            .unwrap()
    }

    pub fn audited(&self, action: &str) -> usize {
        use diesel::prelude::*;
        use store::schema::audit_events;
        self.app
            .db
            .read_blocking(|c| {
                Ok::<_, store::StoreError>(
                    audit_events::table
                        .filter(audit_events::action.eq(action))
                        .count()
                        .get_result::<i64>(c)?,
                )
            })
            .map(|n| usize::try_from(n).unwrap())
            .unwrap()
    }
}

pub struct Enrolled {
    pub secret: String,
    /// The code that confirmed the enrolment (used up).
    pub first_code: String,
    pub codes: Vec<String>,
    pub next: String,
}

/// The TOTP code `offset` steps from now (RFC 6238, SHA-1, 6 digits, 30 s).
pub fn code(secret: &str, offset: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let step = now / 30 + offset;
    totp.generate(u64::try_from(step * 30).unwrap()).to_string()
}

/// A page of this server, or a failure naming where the journey went.
pub fn page(landing: Landing) -> String {
    match landing {
        Landing::Page(200, page) => page,
        other => panic!("a page expected, got {other:?}"),
    }
}

/// Posts the page's first form with its hidden fields and `extra`.
pub async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    post_form_to(app, browser, page, "", extra).await
}

/// Posts the page's first form whose action contains `action`.
pub async fn post_form_to(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let form = page
        .split("<form method=\"post\" action=\"")
        .skip(1)
        .find(|f| f.split('"').next().unwrap().contains(action))
        .unwrap_or_else(|| panic!("no form for {action} in {page}"));
    let form = form.split("</form>").next().unwrap();
    let target = form.split('"').next().unwrap().replace("&#38;", "&");
    let mut fields: Vec<(String, String)> = form
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|f| {
            let name = f.split('"').next().unwrap().to_owned();
            (name, between(f, "value=\"", "\""))
        })
        .collect();
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    browser
        .post(app.absolute(&target))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The Location of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "a redirect expected, got {}",
        response.status()
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {text}"))
        + start.len();
    let to = text[from..].find(end).unwrap() + from;
    text[from..to].to_owned()
}

fn recovery_codes_in(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect()
}

/// Whether a journey ended back at the app with a code.
pub fn back_with_code(landing: &Landing) -> bool {
    matches!(landing, Landing::Away(url) if url.contains("code="))
}
