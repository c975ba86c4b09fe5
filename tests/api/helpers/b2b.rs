//! The Contoso / Proseware fixture most guest tests start from: two tenants
//! on one server, a Contoso app, mail to a real SMTP listener, and helpers to
//! invite, redeem and sign guests in.

use portico::admin::guests;
use portico::b2b::invitation::{InviteRequest, Target};
use portico::store;

use super::rp::rp_sign_in;
use super::{Landing, PASSWORD, TestApp, TestClient, drive, hidden, spawn_app_with};
use crate::smtp::{self, SmtpSink};

pub const GUEST: &str = "gio@proseware.example";

pub struct B2b {
    pub app: TestApp,
    pub mail: SmtpSink,
    pub web: TestClient,
}

/// Contoso (resource) and Proseware (home) on one server, a Contoso app, and
/// mail going to a real SMTP listener.
pub async fn b2b() -> B2b {
    b2b_with(|_| {}).await
}

/// `b2b()` on a server with other settings besides.
pub async fn b2b_with(configure: impl FnOnce(&mut portico::config::Settings) + 'static) -> B2b {
    let mail = smtp::start().await;
    let url = mail.url.clone();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.mail_poll = std::time::Duration::from_millis(100);
        configure(s);
    })
    .await;
    app.tenant("contoso");
    app.tenant("proseware");
    app.member("contoso", "megan@contoso.example");
    app.member("proseware", GUEST);
    app.member("proseware", "other@proseware.example");
    let web = app.web_app("contoso");
    B2b { app, mail, web }
}

impl B2b {
    pub fn contoso(&self) -> store::tenants::Tenant {
        portico::admin::provision::tenant(&self.app.db, "contoso").unwrap()
    }

    /// Megan (a member) invites to the tenant; a group or an app needs an
    /// administrator, so those invitations come from Contoso's admin.
    pub fn invite(&self, email: &str, target: Target) -> String {
        let by = match target {
            Target::Tenant => "megan@contoso.example",
            _ => self.administrator(),
        };
        self.try_invite(by, email, target).unwrap()
    }

    /// An invitation by the user `by` through the shared path (as the CLI
    /// does); the redemption link, or why it was refused.
    pub fn try_invite(
        &self,
        by: &str,
        email: &str,
        target: Target,
    ) -> Result<String, portico::b2b::invitation::InviteError> {
        let request = InviteRequest {
            email: email.into(),
            target,
            redirect_url: None,
            message: Some("Welcome to the Fabrikam launch!".into()),
        };
        guests::invite_as(
            &self.app.db,
            &self.contoso(),
            &self.app.issuer("contoso"),
            by,
            &request,
            chrono::TimeDelta::days(30),
        )
        .map(|invited| invited.redeem_url)
    }

    /// Contoso's administrator (created on first use).
    pub fn administrator(&self) -> &'static str {
        const ADMIN: &str = "owner@contoso.example";
        let tenant = self.contoso();
        let exists = self
            .app
            .db
            .read_blocking(|c| store::users::find_by_email(c, &tenant.id, ADMIN))
            .unwrap()
            .is_some();
        if !exists {
            portico::admin::provision::create_member(
                &self.app.db,
                "contoso",
                ADMIN,
                "Olga Owner",
                crate::helpers::PASSWORD,
                true,
            )
            .unwrap();
        }
        ADMIN
    }

    pub fn guest(&self, email: &str) -> store::users::User {
        let tenant = self.contoso();
        self.app
            .db
            .read_blocking(|c| store::users::find_by_email(c, &tenant.id, email))
            .unwrap()
            .expect("guest exists")
    }

    /// Redeems `link` in a fresh browser signed in at home as `home_email`.
    pub async fn redeem(&self, link: &str, home_email: &str) -> (reqwest::Client, Landing) {
        let browser = self.app.browser();
        let landing = drive(&self.app, &browser, link, home_email, PASSWORD).await;
        (browser, landing)
    }

    /// A guest sign-in to Contoso's web app through the RP library; returns tokens.
    pub async fn guest_tokens(
        &self,
        email: &str,
    ) -> Result<openidconnect::core::CoreTokenResponse, Landing> {
        self.guest_tokens_via(email, &self.web, &[&self.app.base])
            .await
    }

    /// A sign-in to a Contoso app through the RP library, with the browser
    /// free to visit every server in `bases` (a home on another server).
    pub async fn guest_tokens_via(
        &self,
        email: &str,
        client: &TestClient,
        bases: &[&str],
    ) -> Result<openidconnect::core::CoreTokenResponse, Landing> {
        rp_sign_in(&self.app, "contoso", client, email, bases).await
    }
}

pub async fn introspect(b: &B2b, token: &str) -> bool {
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/introspect", b.app.issuer("contoso")))
        .basic_auth(&b.web.client_id, b.web.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["active"].as_bool().unwrap()
}

pub async fn refresh_status(b: &B2b, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/token", b.app.issuer("contoso")))
        .basic_auth(&b.web.client_id, b.web.secret.as_deref())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The 8-digit code in a passcode email.
pub fn code_in(mail: &crate::smtp::Received) -> String {
    mail.data
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .unwrap_or_else(|| panic!("no passcode in {}", mail.data))
        .to_owned()
}

/// Posts `email` on the sign-in page `page` of Contoso (step 1).
pub async fn email_step(
    b: &B2b,
    browser: &reqwest::Client,
    page: &str,
    email: &str,
) -> reqwest::Response {
    browser
        .post(format!("{}/login", b.app.issuer("contoso")))
        .form(&[
            ("csrf_token", hidden(page, "csrf_token").as_str()),
            ("req", hidden(page, "req").as_str()),
            ("email", email),
        ])
        .send()
        .await
        .unwrap()
}

/// Posts a code with the browser's CSRF token.
pub async fn submit_code(
    browser: &reqwest::Client,
    page_url: &str,
    csrf: &str,
    code: &str,
) -> reqwest::Response {
    browser
        .post(page_url)
        .form(&[("csrf_token", csrf), ("code", code)])
        .send()
        .await
        .unwrap()
}
