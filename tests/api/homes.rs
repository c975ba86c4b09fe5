//! More homes, in redemption order: (2) an external OIDC provider the
//! resource tenant configured for a domain (here a second Portico server),
//! and (3) a one-time passcode mailed to the invited address, read from the
//! real SMTP listener.

use diesel::RunQueryDsl;
use portico::admin::provision::{self, AppSpec};
use portico::b2b::invitation::Target;
use portico::b2b::policy::Policy;
use portico::b2b::providers::{self, ProviderSpec};
use portico::domain::GrantType;
use portico::store;
use reqwest::StatusCode;

use crate::guests::{B2b, b2b};
use crate::helpers::{Landing, TestApp, hidden, jwt_payload, spawn_app};
use crate::smtp::Received;
use portico::compare::journey::drive_across;

/// Runs one SQL statement on the app's database.
fn exec(app: &TestApp, sql: &str) -> Result<usize, diesel::result::Error> {
    let mut conn = app.db.conn_for_tests();
    diesel::sql_query(sql).execute(&mut *conn)
}

const ANN: &str = "ann@northwind.example";

/// A second Portico server whose `northwind` tenant is Contoso's configured
/// identity provider for northwind.example, with a confidential client.
struct External {
    server: TestApp,
    idp_id: String,
    client_id: String,
    secret: String,
}

async fn external_idp(b: &B2b) -> External {
    let server = spawn_app().await;
    server.tenant("northwind");
    server.member("northwind", ANN);
    server.member("northwind", "bob@northwind.example");
    let spec = AppSpec::sign_in_client(
        "Contoso guest access",
        format!("{}/callback/home", b.app.issuer("contoso")),
    );
    let (client, secret) = provision::create_app(&server.db, "northwind", &spec).unwrap();
    let secret = secret.expect("confidential client");
    let provider = ProviderSpec {
        display_name: "Northwind sign-in".into(),
        issuer: server.issuer("northwind"),
        client_id: client.client_id.clone(),
        client_secret: Some(secret.clone()),
        scopes: vec!["email".into(), "profile".into()],
        domains: vec!["northwind.example".into()],
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
    }
    .validated("guests")
    .unwrap();
    let tenant = b.contoso();
    let idp = b
        .app
        .db
        .write_blocking(|c| {
            providers::add_guest_provider(c, &b.app.sealer, &tenant.id, provider, "test")
        })
        .unwrap();
    External {
        server,
        idp_id: idp.id,
        client_id: client.client_id,
        secret,
    }
}

#[tokio::test]
async fn a_guest_of_an_external_oidc_provider_redeems_and_signs_in_through_it() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let tenant = b.contoso();

    // The client secret is stored sealed, never in clear.
    let stored = b
        .app
        .db
        .read_blocking(|c| store::idps::find(c, &tenant.id, &ext.idp_id))
        .unwrap()
        .unwrap();
    let sealed = stored.client_secret_sealed.clone().unwrap();
    assert!(!sealed.contains(&ext.secret));
    assert_eq!(b.app.sealer.open(&stored.id, &sealed).unwrap(), ext.secret);

    // The invitation page names the provider and shows step 2 of the order.
    let link = b.invite(ANN, Target::Tenant);
    let page = reqwest::get(&link).await.unwrap().text().await.unwrap();
    assert!(page.contains("Continue with Northwind sign-in"), "{page}");
    assert!(
        page.contains("<strong>An identity provider this organization configured"),
        "{page}"
    );

    // Redeem: the browser signs in at the other server and comes back.
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let browser = b.app.browser();
    let landing = drive_across(&bases, &browser, &link, ANN, crate::helpers::PASSWORD).await;
    let Landing::Page(200, page) = landing else {
        panic!("expected My apps, got {landing:?}")
    };
    assert!(page.contains("My apps"), "{page}");
    let guest = b.guest(ANN);
    assert_eq!(guest.external_state.as_deref(), Some("accepted"));
    assert_eq!(guest.home_issuer, Some(ext.server.issuer("northwind")));
    assert_eq!(guest.identity_source, "external_idp");

    // Later sign-in to a Contoso app goes to the same provider; `idp` says so.
    let tokens = b
        .guest_tokens_via(ANN, &b.web, &bases)
        .await
        .expect("guest signs in");
    let id = jwt_payload(
        &openidconnect::TokenResponse::id_token(&tokens)
            .unwrap()
            .to_string(),
    );
    assert_eq!(id["idp"], ext.server.issuer("northwind"));
    assert_eq!(id["sub"], guest.id);
    assert_eq!(id["user_type"], "Guest");

    // Once the provider is removed, its guests can no longer sign in.
    b.app
        .db
        .write_blocking(|c| providers::remove_guest_provider(c, &tenant.id, &ext.idp_id, "test"))
        .unwrap();
    match b.guest_tokens_via(ANN, &b.web, &bases).await {
        Err(Landing::Page(403, page)) => assert!(page.contains("no longer available"), "{page}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| "tokens")),
    }
}

/// Redeems Ann's invitation signing in at Northwind as `as_email`; expects a
/// 403 page containing `expected` and Ann still pending.
async fn redeem_is_refused(b: &B2b, ext: &External, as_email: &str, expected: &str) {
    let link = b.invite(ANN, Target::Tenant);
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let landing = drive_across(
        &bases,
        &b.app.browser(),
        &link,
        as_email,
        crate::helpers::PASSWORD,
    )
    .await;
    let Landing::Page(403, page) = landing else {
        panic!("expected a refusal, got {landing:?}")
    };
    assert!(page.contains(expected), "{page}");
    assert_eq!(
        b.guest(ANN).external_state.as_deref(),
        Some("pending_acceptance")
    );
}

#[tokio::test]
async fn an_external_provider_account_for_another_address_cannot_redeem() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    redeem_is_refused(&b, &ext, "bob@northwind.example", "Wrong account").await;
}

#[tokio::test]
async fn a_wrong_client_secret_fails_with_a_page_and_changes_nothing() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let tenant = b.contoso();
    // Re-seal a wrong secret into the row.
    let wrong = b.app.sealer.seal(&ext.idp_id, "not-the-secret");
    exec(
        &b.app,
        &format!(
            "UPDATE identity_providers SET client_secret_sealed = '{wrong}' WHERE tenant_id = '{}'",
            tenant.id
        ),
    )
    .unwrap();
    redeem_is_refused(&b, &ext, ANN, "Sign-in not completed").await;
}

// ---- one-time passcodes ----

const KIM: &str = "kim@freemail.example";

/// The 8-digit code in a passcode email.
fn code_in(mail: &Received) -> String {
    mail.data
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .unwrap_or_else(|| panic!("no passcode in {}", mail.data))
        .to_owned()
}

/// Posts the invitation page's form; returns the passcode page URL and the
/// browser's CSRF token.
async fn ask_for_passcode(b: &B2b, browser: &reqwest::Client, link: &str) -> (String, String) {
    let page = b.app.text(browser, link).await;
    assert!(page.contains("Email me a passcode"), "{page}");
    let response = browser
        .post(link)
        // A browser-supplied address must be ignored.
        .form(&[
            ("csrf_token", hidden(&page, "csrf_token").as_str()),
            ("email", "attacker@evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    (
        b.app
            .absolute(response.headers()["location"].to_str().unwrap()),
        hidden(&page, "csrf_token"),
    )
}

/// Posts `email` on the sign-in page `page` of Contoso (step 1).
async fn email_step(
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
async fn submit_code(
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

#[tokio::test]
async fn a_guest_without_an_organization_redeems_and_signs_in_with_a_mailed_passcode() {
    let b = b2b().await;
    let link = b.invite(KIM, Target::Tenant);
    let browser = b.app.browser();
    let (page_url, csrf) = ask_for_passcode(&b, &browser, &link).await;
    assert!(page_url.contains("/passcode/"), "{page_url}");

    // The code went to the invited address only (mail #0 is the invitation).
    let mail = b.mail.wait_for(KIM, 1).await;
    let code = code_in(&mail);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !b.mail
            .inbox
            .lock()
            .await
            .iter()
            .any(|m| m.recipients.iter().any(|r| r.contains("evil"))),
        "a passcode went to an address from the form"
    );
    // The page shows the address masked.
    let page = b.app.text(&browser, &page_url).await;
    assert!(page.contains("k***@freemail.example"), "{page}");

    // A wrong code is refused with the tries left; the right one redeems.
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let response = submit_code(&browser, &page_url, &csrf, wrong).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("4 tries left"));
    let response = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/myapps")
    );
    let guest = b.guest(KIM);
    assert_eq!(guest.external_state.as_deref(), Some("accepted"));
    assert_eq!(guest.home_issuer.as_deref(), Some("mail"));
    assert_eq!(guest.identity_source, "email_passcode");

    // The code is single use.
    let again = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(again.status(), 410);

    // Sign-in later: the email step sends a new code to the guest's address.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (url, verifier) =
        crate::helpers::authorize_url(&b.app, "contoso", &b.web, "openid email", &[]);
    let fresh = b.app.browser();
    let login = b.app.follow(&fresh, &url).await;
    let page = b.app.text(&fresh, &login).await;
    // A code asked for in another browser does not hold this one back
    // (issue 9, item 10: it used to answer 429 for a minute after any code
    // went to the address, so a stranger could keep the guest waiting) ...
    let response = email_step(&b, &fresh, &page, KIM).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    // ... but within a minute of this browser's last code, a new one is throttled.
    let response = email_step(&b, &fresh, &page, KIM).await;
    assert_eq!(response.status(), 429, "{}", response.text().await.unwrap());
    let tenant = b.contoso();
    exec(
        &b.app,
        &format!(
            "UPDATE email_passcodes SET created_at = created_at - INTERVAL '2 minutes' WHERE tenant_id = '{}'",
            tenant.id
        ),
    )
    .or_else(|_| {
        exec(
            &b.app,
            &format!(
                "UPDATE email_passcodes SET created_at = datetime(created_at, '-2 minutes') WHERE tenant_id = '{}'",
                tenant.id
            ),
        )
    })
    .unwrap();
    let response = email_step(&b, &fresh, &page, KIM).await;
    assert_eq!(response.status(), 303);
    let page_url = b
        .app
        .absolute(response.headers()["location"].to_str().unwrap());
    let code = code_in(&b.mail.wait_for(KIM, 3).await);
    let response = submit_code(&fresh, &page_url, &hidden(&page, "csrf_token"), &code).await;
    assert_eq!(response.status(), 303);
    let next = response.headers()["location"].to_str().unwrap().to_owned();
    let mut location = b.app.follow(&fresh, &next).await;
    if location.contains("/consent?") {
        let page = b.app.text(&fresh, &location).await;
        let response = fresh
            .post(format!("{}/consent", b.app.issuer("contoso")))
            .form(&[
                ("csrf_token", hidden(&page, "csrf_token").as_str()),
                ("req", hidden(&page, "req").as_str()),
                ("decision", "allow"),
            ])
            .send()
            .await
            .unwrap();
        location = response.headers()["location"].to_str().unwrap().to_owned();
    }
    let code = crate::helpers::query_param(&location, "code").expect("code");
    let tokens: serde_json::Value =
        crate::helpers::redeem(&b.app, "contoso", &b.web, &code, &verifier)
            .await
            .json()
            .await
            .unwrap();
    let id = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["idp"], "mail");
    assert_eq!(id["sub"], guest.id);

    // Once the policy turns passcodes off, passcode guests are refused.
    let policy = Policy {
        otp_enabled: false,
        ..Policy::default()
    };
    b.app
        .db
        .write_blocking(|c| store::policies::put(c, &tenant.id, &policy, "test"))
        .unwrap();
    let later = b.app.browser();
    let page = b.app.login_page(&later, "contoso", &b.web).await;
    let response = email_step(&b, &later, &page, KIM).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("no longer signs guests in with passcodes")
    );
}

#[tokio::test]
async fn passcodes_are_attempt_limited_expire_and_stay_in_the_browser_that_asked() {
    let b = b2b().await;
    let link = b.invite(KIM, Target::Tenant);
    let browser = b.app.browser();
    let (page_url, csrf) = ask_for_passcode(&b, &browser, &link).await;
    let code = code_in(&b.mail.wait_for(KIM, 1).await);

    // Another browser cannot use the page, even with the right code.
    let other = b.app.browser();
    let page = b.app.text(&other, &page_url).await;
    assert!(page.contains("Passcode expired"), "{page}");

    // Five wrong guesses use the code up; the right one is then refused.
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        let r = submit_code(&browser, &page_url, &csrf, wrong).await;
        assert_eq!(r.status(), 400);
    }
    let r = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(r.status(), 410);
    assert_eq!(
        b.guest(KIM).external_state.as_deref(),
        Some("pending_acceptance")
    );

    // A fresh code (after the resend gap) that has expired is refused too.
    let tenant = b.contoso();
    exec(
        &b.app,
        &format!(
            "DELETE FROM email_passcodes WHERE tenant_id = '{}'",
            tenant.id
        ),
    )
    .unwrap();
    let (page_url, csrf) = ask_for_passcode(&b, &browser, &link).await;
    let code = code_in(&b.mail.wait_for(KIM, 2).await);
    exec(
        &b.app,
        &format!(
            "UPDATE email_passcodes SET expires_at = created_at WHERE tenant_id = '{}'",
            tenant.id
        ),
    )
    .unwrap();
    let r = submit_code(&browser, &page_url, &csrf, &code).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        b.guest(KIM).external_state.as_deref(),
        Some("pending_acceptance")
    );
}

#[tokio::test]
async fn without_a_home_and_with_passcodes_off_an_invitation_cannot_be_redeemed() {
    let b = b2b().await;
    let tenant = b.contoso();
    let policy = Policy {
        otp_enabled: false,
        ..Policy::default()
    };
    b.app
        .db
        .write_blocking(|c| store::policies::put(c, &tenant.id, &policy, "test"))
        .unwrap();
    let link = b.invite(KIM, Target::Tenant);
    let response = reqwest::get(&link).await.unwrap();
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("No sign-in available")
    );
}

#[tokio::test]
async fn identity_providers_are_managed_through_the_api_and_never_reveal_secrets() {
    let b = b2b().await;
    let token = crate::admin_api::admin_token(&b.app).await;
    let call = |method, path: &'static str, body| {
        crate::admin_api::call(&b.app, method, path, Some(&token), body)
    };
    let spec = serde_json::json!({
        "display_name": "Northwind sign-in",
        "issuer": "https://login.northwind.example/",
        "client_id": "contoso",
        "client_secret": "top-secret-value",
        "domains": ["Northwind.example"],
    });
    let (status, created, _) = call(
        reqwest::Method::POST,
        "/identity-providers",
        Some(spec.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["has_client_secret"], true);
    assert_eq!(created["domains"], serde_json::json!(["northwind.example"]));
    assert_eq!(created["issuer"], "https://login.northwind.example/");
    assert!(!created.to_string().contains("top-secret-value"));

    // The same domain twice is a conflict; bad input is a 400, not a 500.
    let (status, _, _) = call(reqwest::Method::POST, "/identity-providers", Some(spec)).await;
    assert_eq!(status, 409);
    for bad in [
        serde_json::json!({"display_name": "x", "issuer": "http://evil.example", "client_id": "c", "domains": ["a.example"]}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "c", "domains": []}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "", "domains": ["a.example"]}),
        serde_json::json!({"display_name": "x", "issuer": "https://ok.example", "client_id": "c", "domains": ["a.example"], "scopes": ["openid"]}),
    ] {
        let (status, body, content_type) =
            call(reqwest::Method::POST, "/identity-providers", Some(bad)).await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{body}"
        );
    }

    let (status, list, _) = call(reqwest::Method::GET, "/identity-providers", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["identity_providers"].as_array().unwrap().len(), 1);
    assert_eq!(list["redemption_order"].as_array().unwrap().len(), 3);
    assert!(!list.to_string().contains("top-secret-value"));

    // Editing: name, domains and secret change; the issuer cannot.
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/identity-providers/{id}");
    let patch = |body: serde_json::Value| {
        crate::admin_api::call(
            &b.app,
            reqwest::Method::PATCH,
            &path,
            Some(&token),
            Some(body),
        )
    };
    let (status, updated, _) = patch(serde_json::json!({
        "display_name": "Northwind (new)",
        "domains": ["northwind.example", "nw.example"],
        "client_secret": "rotated-secret-value",
    }))
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["display_name"], "Northwind (new)");
    assert_eq!(
        updated["domains"],
        serde_json::json!(["northwind.example", "nw.example"])
    );
    assert_eq!(updated["issuer"], "https://login.northwind.example/");
    let tenant = b.contoso();
    let stored = b
        .app
        .db
        .read_blocking(|c| store::idps::find(c, &tenant.id, &id))
        .unwrap()
        .unwrap();
    let sealed = stored.client_secret_sealed.unwrap();
    assert_eq!(
        b.app.sealer.open(&id, &sealed).unwrap(),
        "rotated-secret-value"
    );
    let (status, _, _) = patch(serde_json::json!({"issuer": "https://other.example"})).await;
    assert_eq!(status, 400);
    let (status, _, _) = patch(serde_json::json!({"domains": []})).await;
    assert_eq!(status, 400);
    let (status, cleared, _) = patch(serde_json::json!({"client_secret": null})).await;
    assert_eq!(
        (status, cleared["has_client_secret"].as_bool()),
        (200, Some(false))
    );
    let (status, _, _) = crate::admin_api::call(
        &b.app,
        reqwest::Method::PATCH,
        "/identity-providers/no-such-id",
        Some(&token),
        Some(serde_json::json!({"display_name": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    // A second provider may not take a domain the first serves.
    let (status, _, _) = call(
        reqwest::Method::POST,
        "/identity-providers",
        Some(serde_json::json!({
            "display_name": "Other", "issuer": "https://other.example",
            "client_id": "c", "domains": ["other.example"],
        })),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = patch(serde_json::json!({"domains": ["other.example"]})).await;
    assert_eq!(status, 409);

    // The audit log records the changes without the secrets.
    let (_, audit, _) = call(reqwest::Method::GET, "/audit", None).await;
    assert!(audit.to_string().contains("idp.added"), "{audit}");
    assert!(audit.to_string().contains("idp.updated"), "{audit}");
    assert!(!audit.to_string().contains("top-secret-value"));
    assert!(!audit.to_string().contains("rotated-secret-value"));

    // A member without the admin role cannot manage providers.
    let portal = b.app.app(
        "contoso",
        false,
        true,
        vec![GrantType::AuthorizationCode],
        vec![],
    );
    let member = crate::helpers::tokens_for_member(
        &b.app,
        "contoso",
        &portal,
        "megan@contoso.example",
        "openid",
    )
    .await;
    let (status, _, _) = crate::admin_api::call(
        &b.app,
        reqwest::Method::GET,
        "/identity-providers",
        member["access_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_external_providers_id_token_is_exchanged_for_its_guest() {
    let b = b2b().await;
    let ext = external_idp(&b).await;
    let link = b.invite(ANN, Target::Tenant);
    let bases = [b.app.base.as_str(), ext.server.base.as_str()];
    let landing = drive_across(
        &bases,
        &b.app.browser(),
        &link,
        ANN,
        crate::helpers::PASSWORD,
    )
    .await;
    assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");

    // An ID token from Northwind for Contoso's client there.
    let client = crate::helpers::TestClient {
        client_id: ext.client_id.clone(),
        secret: Some(ext.secret.clone()),
        redirect_uri: format!("{}/callback/home", b.app.issuer("contoso")),
    };
    let (url, verifier) =
        crate::helpers::authorize_url(&ext.server, "northwind", &client, "openid email", &[]);
    let Landing::Away(back) = drive_across(
        &[ext.server.base.as_str()],
        &ext.server.browser(),
        &url,
        ANN,
        crate::helpers::PASSWORD,
    )
    .await
    else {
        panic!("expected a redirect to Contoso's callback")
    };
    let code = crate::helpers::query_param(&back, "code").unwrap();
    let tokens: serde_json::Value =
        crate::helpers::redeem(&ext.server, "northwind", &client, &code, &verifier)
            .await
            .json()
            .await
            .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();

    let cli_app = crate::token_exchange::exchanging_app(&b);
    let id_type = "urn:ietf:params:oauth:token-type:id_token";
    let (status, body) =
        crate::token_exchange::exchange_typed(&b, &cli_app, id_token, id_type).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        jwt_payload(body["access_token"].as_str().unwrap())["sub"],
        b.guest(ANN).id
    );

    // Once Contoso no longer trusts Northwind, its tokens are refused.
    let tenant = b.contoso();
    b.app
        .db
        .write_blocking(|c| providers::remove_guest_provider(c, &tenant.id, &ext.idp_id, "test"))
        .unwrap();
    let (status, body) =
        crate::token_exchange::exchange_typed(&b, &cli_app, id_token, id_type).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
