//! A real browser: Debian's headless chromium, driven through chromedriver
//! with fantoccini, signs in (email, password, consent) and lands on the
//! app's redirect URI with a code that redeems.

use portico::domain::ExternalState;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::net::free_port;
use crate::helpers::{PASSWORD, authorize_url, jwt_payload, query_param, redeem, spawn_app};

/// Kills chromedriver and the chromium it started (its own process group),
/// even when the test panics, so nothing is left holding the test's pipes.
pub(crate) struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    pub(crate) fn start(binary: &PathBuf) -> ChromeDriver {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        ChromeDriver { child, port }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0) above).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A WebDriver session, retried until chromedriver listens (bounded).
pub(crate) async fn connect(driver: &ChromeDriver, profile: &tempfile::TempDir) -> Client {
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let webdriver = format!("http://127.0.0.1:{}", driver.port);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&webdriver)
            .await;
        match attempt {
            Ok(client) => return client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("no WebDriver session from chromedriver at {webdriver}: {e}"),
        }
    }
}

/// Polls for an element (at most 10 s), tolerating transient WebDriver errors
/// while a page loads; on timeout, panics with where the browser is and what
/// it shows.
pub(crate) async fn wait_for(browser: &Client, css: &str, what: &str) -> Element {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match browser.find(Locator::Css(css)).await {
            Ok(element) => return element,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => {
                let url = browser.current_url().await.map(|u| u.to_string());
                let page = browser.source().await.unwrap_or_default();
                panic!("{what}: no {css} within 10 s ({e}); browser at {url:?} showing:\n{page}");
            }
        }
    }
}

/// Waits (at most 10 s) until the browser has left for a page whose path
/// starts with `path`, then for `css` on it. Use it when the page being left
/// has the same element, which would otherwise be found and then go stale.
pub(crate) async fn wait_at(browser: &Client, path: &str, css: &str, what: &str) -> Element {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match browser.current_url().await {
            Ok(url) if url.path().starts_with(path) => break,
            Ok(url) if Instant::now() >= deadline => {
                panic!("{what}: still at {url} after 10 s, expected a page under {path}")
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    wait_for(browser, css, what).await
}

/// Waits (at most 10 s) for a page whose `h1` reads `heading`.
pub(crate) async fn wait_for_heading(browser: &Client, heading: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = match browser.find(Locator::Css("h1")).await {
            Ok(h1) => h1.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown == heading {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no page headed {heading:?} within 10 s; last heading {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// chromedriver's path; `None` (skip) only outside CI.
pub(crate) fn chromedriver() -> Option<PathBuf> {
    let found = on_path("chromedriver");
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromedriver is not on PATH, but CI must install chromium and chromium-driver");
        }
        eprintln!("note: chromedriver is not on PATH; skipping the real-browser test");
    }
    found
}

#[tokio::test]
async fn a_person_signs_in_with_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };

    let app = spawn_app().await;
    app.tenant("contoso");
    app.member("contoso", "megan@contoso.example");
    // Not first-party: the consent page is part of the journey.
    let client = app.web_app("contoso");
    let (url, verifier) = authorize_url(&app, "contoso", &client, "openid profile email", &[]);

    // Declared before the driver so chromium is gone before its profile is removed.
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;
    let wait = Duration::from_secs(10);

    // Step 1: the email page, branded with the tenant's display name.
    browser.goto(&url).await.expect("open the authorize URL");
    let email = wait_for(&browser, "#email", "email field on the login page").await;
    let login_url = browser.current_url().await.unwrap();
    assert!(
        login_url.path() == "/t/contoso/login" && login_url.query_pairs().any(|(k, _)| k == "req"),
        "authorize should redirect to the login page, got {login_url}"
    );
    let brand = browser
        .find(Locator::Css("header.brand .org"))
        .await
        .expect("tenant brand on the login page")
        .text()
        .await
        .unwrap();
    assert_eq!(brand, "Contoso Ltd");
    assert!(browser.source().await.unwrap().contains("Contoso Ltd"));
    email.send_keys("megan@contoso.example").await.unwrap();
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Step 2: the password page.
    let password = wait_for(
        &browser,
        "#password",
        "password field after submitting the email",
    )
    .await;
    password.send_keys(PASSWORD).await.unwrap();
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Step 3: consent for a third-party app.
    let allow = wait_for(
        &browser,
        "button[value=allow]",
        "consent page after a correct password",
    )
    .await;
    let consent_url = browser.current_url().await.unwrap();
    assert_eq!(consent_url.path(), "/t/contoso/consent", "{consent_url}");
    let consent_page = browser.source().await.unwrap();
    assert!(
        consent_page.contains("Signed in as megan@contoso.example"),
        "{consent_page}"
    );
    allow.click().await.unwrap();

    // Back to the app. Nothing listens on port 9, so chromium shows an error
    // page, but its URL is the redirect the server sent.
    let deadline = Instant::now() + wait;
    let back = loop {
        let current = browser.current_url().await.map(|u| u.to_string());
        if let Ok(current) = &current
            && current.starts_with(&format!("{}?", client.redirect_uri))
        {
            break current.clone();
        }
        assert!(
            Instant::now() < deadline,
            "browser never reached {}; it is at {current:?}",
            client.redirect_uri
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some("st-1"),
        "{back}"
    );
    assert_eq!(
        query_param(&back, "iss"),
        Some(app.issuer("contoso")),
        "{back}"
    );
    assert!(query_param(&back, "error").is_none(), "{back}");
    let code = query_param(&back, "code").expect("code in the redirect");

    let response = redeem(&app, "contoso", &client, &code, &verifier).await;
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    let id_token = tokens["id_token"]
        .as_str()
        .expect("id_token in the token response");
    let claims = jwt_payload(id_token);
    assert_eq!(claims["email"], "megan@contoso.example");
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["aud"], client.client_id.as_str());

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}

#[tokio::test]
async fn a_guest_redeems_with_a_mailed_passcode_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let b = crate::helpers::b2b::b2b().await;
    let kim = "kim@freemail.example";
    let link = b.invite(kim, portico::b2b::invitation::Target::Tenant);

    let profile = tempfile::tempdir().expect("profile dir");
    let driver = ChromeDriver::start(&chromedriver);
    let browser = connect(&driver, &profile).await;

    // The invitation page offers a passcode: no organization owns the domain.
    browser.goto(&link).await.expect("open the invitation");
    let send = wait_for(&browser, "button[type=submit]", "the invitation page").await;
    let page = browser.source().await.unwrap();
    assert!(page.contains("Email me a passcode"), "{page}");
    send.click().await.unwrap();

    // The code arrives over SMTP; typing it redeems the invitation.
    let field = wait_for(&browser, "#code", "the passcode page").await;
    let mail = b.mail.wait_for(kim, 1).await;
    let code: String = mail
        .data
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 8)
        .expect("an 8-digit passcode in the mail")
        .to_owned();
    field.send_keys(&code).await.unwrap();
    browser
        .find(Locator::Css("form:not(.inline) button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Redeemed: the guest lands on My apps (the page reloads, so poll).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let title = wait_for(&browser, "h1", "a heading").await.text().await;
        if title.as_deref().is_ok_and(|t| t == "My apps") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never reached My apps: {title:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let guest = b.guest(kim);
    assert_eq!(guest.external_state, Some(ExternalState::Accepted));
    assert_eq!(guest.home_issuer.as_deref(), Some("mail"));

    browser.close().await.expect("close the WebDriver session");
    drop(driver);
}
