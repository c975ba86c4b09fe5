//! The guest journey end to end: invite (mail read from a real SMTP listener),
//! redeem through the home tenant, sign in to the resource tenant's app as a
//! guest, and lose access at once when removed.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use portico::admin::guests::{self, GuestAction};
use portico::b2b::invitation::{InviteRequest, Target};
use portico::store;

use crate::helpers::{
    Landing, PASSWORD, TestApp, TestClient, drive, jwt_payload, query_param, spawn_app_with,
};
use crate::smtp::{self, SmtpSink};
use portico::compare::journey::drive_across;

pub const GUEST: &str = "gio@proseware.example";

pub struct B2b {
    pub app: TestApp,
    pub mail: SmtpSink,
    pub web: TestClient,
}

/// Contoso (resource) and Proseware (home) on one server, a Contoso app, and
/// mail going to a real SMTP listener.
pub async fn b2b() -> B2b {
    let mail = smtp::start().await;
    let url = mail.url.clone();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.mail_poll = std::time::Duration::from_millis(100);
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

/// A sign-in to `slug`'s app `client` through the `openidconnect` crate as the
/// relying party (code + PKCE + nonce, ID token verified), the browser typing
/// `email` and the test password wherever asked on any server in `bases`.
pub async fn rp_sign_in(
    app: &TestApp,
    slug: &str,
    client: &TestClient,
    email: &str,
    bases: &[&str],
) -> Result<openidconnect::core::CoreTokenResponse, Landing> {
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.issuer(slug)).unwrap(), &http)
            .await
            .unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.client_id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    match drive_across(bases, &app.browser(), url.as_str(), email, PASSWORD).await {
        Landing::Away(back) => {
            let Some(code) = query_param(&back, "code") else {
                return Err(Landing::Away(back));
            };
            let tokens = rp
                .exchange_code(AuthorizationCode::new(code))
                .unwrap()
                .set_pkce_verifier(verifier)
                .request_async(&http)
                .await
                .expect("code exchange");
            tokens
                .id_token()
                .unwrap()
                .claims(&rp.id_token_verifier(), &nonce)
                .expect("ID token verifies");
            Ok(tokens)
        }
        page => Err(page),
    }
}

#[tokio::test]
async fn a_guest_is_invited_redeems_at_home_signs_in_and_is_removed() {
    let b = b2b().await;
    let link = b.invite(GUEST, Target::Tenant);

    // The email arrives over SMTP and carries the same link.
    let mail = b.mail.wait_for(GUEST, 0).await;
    assert_eq!(smtp::link(&mail, "/invite/"), link);
    assert!(mail.data.contains("Welcome to the Fabrikam launch!"));

    // The guest object exists at once, pending, without a password.
    let guest = b.guest(GUEST);
    assert_eq!(
        (guest.user_type.as_str(), guest.external_state.as_deref()),
        ("guest", Some("pending_acceptance"))
    );
    assert!(guest.password_hash.is_none());

    // Opening the link shows who invited whom, and does not consume it.
    for _ in 0..2 {
        let page = reqwest::get(&link).await.unwrap();
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(
            text.contains("Test User") && text.contains(GUEST) && text.contains("Contoso Ltd"),
            "{text}"
        );
        assert!(text.contains("Continue with Proseware Ltd"), "{text}");
    }

    // Redeem: sign in at Proseware (password checked there), land on My apps.
    let (browser, landing) = b.redeem(&link, GUEST).await;
    let Landing::Page(200, page) = landing else {
        panic!("expected My apps, got {landing:?}")
    };
    assert!(
        page.contains("My apps") && page.contains("(guest)"),
        "{page}"
    );
    let guest = b.guest(GUEST);
    assert_eq!(guest.external_state.as_deref(), Some("accepted"));
    assert_eq!(guest.home_issuer, Some(b.app.issuer("proseware")));
    drop(browser);

    // A second use of the link changes nothing.
    let again = reqwest::get(&link).await.unwrap();
    assert_eq!(again.status(), 410);

    // Guest sign-in to a Contoso app: tokens are Contoso's, for the guest object.
    let tokens = b.guest_tokens(GUEST).await.expect("guest signs in");
    let id = jwt_payload(&tokens.id_token().unwrap().to_string());
    assert_eq!(id["sub"], guest.id, "sub is the guest's id in Contoso");
    assert_eq!(id["user_type"], "Guest");
    assert_eq!(id["idp"], b.app.issuer("proseware"));
    assert_eq!(id["iss"], b.app.issuer("contoso"));
    assert_eq!(id["email"], GUEST);
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().unwrap().secret().clone();
    assert!(introspect(&b, &access).await);

    // Blocking takes effect at once.
    guests::act_on_guest(&b.app.db, &b.contoso(), "test", GUEST, GuestAction::Block).unwrap();
    assert!(!introspect(&b, &access).await);
    assert_eq!(refresh_status(&b, &refresh).await, 400);
    match b.guest_tokens(GUEST).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("removed"), "{page}"),
        other => panic!("a blocked guest must be refused: {other:?}"),
    }
    let audit = b
        .app
        .db
        .read_blocking(|c| store::audit::list(c, &b.contoso().id, 100))
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "invitation.created",
        "invitation.redeemed",
        "user.blocked",
        "signin.refused",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
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
