//! B2B throughput, measured against a server started in this process on
//! 127.0.0.1 (release profile): invitations created per second through the
//! admin API, and full guest sign-ins per second (resource → home → resource,
//! including the home's argon2id password check and the code exchange).
//!
//! `cargo bench --bench b2b` (SQLite); with `PORTICO_BENCH_PG_URL=postgres://…`
//! a fresh database on that server is used instead. `BENCH_SECONDS` (default
//! 10) and `BENCH_CONCURRENCY` (default 8) tune the runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use portico::admin::provision::{self, AppSpec};
use portico::b2b::invitation::{InviteRequest, Target};
use portico::compare::journey::{Landing, drive};
use portico::config::Settings;
use portico::domain::{GrantType, Permission};
use portico::startup::Application;
use portico::tokens::keys::SigningAlg;

const PASSWORD: &str = "bench password 2026";

fn database(dir: &tempfile::TempDir) -> String {
    match std::env::var("PORTICO_BENCH_PG_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("portico_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&server).expect("PostgreSQL reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create database");
            let (prefix, _) = server.rsplit_once('/').expect("database path");
            format!("{prefix}/{name}")
        }
        _ => format!("sqlite://{}", dir.path().join("bench.db").display()),
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `job(worker, iteration)` on `workers` tasks for `seconds`; returns
/// (completed, failed, elapsed).
async fn run<F, Fut>(workers: usize, seconds: u64, job: F) -> (usize, usize, Duration)
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let job = Arc::new(job);
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (job, ok, failed) = (job.clone(), ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while Instant::now() < deadline {
                if job(worker, i).await {
                    ok.fetch_add(1, Ordering::Relaxed)
                } else {
                    failed.fetch_add(1, Ordering::Relaxed)
                };
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    (
        ok.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        started.elapsed(),
    )
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this once
    // without it, as a smoke test: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let seconds = if quick {
        1
    } else {
        env_number("BENCH_SECONDS", 10) as u64
    };
    let workers = env_number("BENCH_CONCURRENCY", 8);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database(&dir);
    let mut settings = Settings::new("127.0.0.1:0", "http://127.0.0.1", &url).expect("settings");
    settings.public_url = String::new();
    settings.throttling.per_account_per_minute = 1_000_000;
    settings.throttling.per_ip_per_minute = 1_000_000;
    let app = Application::build(settings).expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    tokio::spawn(app.run_until_stopped());
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    provision::create_tenant(
        &db,
        "contoso",
        "Contoso",
        &["contoso.example".into()],
        SigningAlg::Rs256,
    )
    .unwrap();
    provision::create_tenant(
        &db,
        "proseware",
        "Proseware",
        &["proseware.example".into()],
        SigningAlg::Rs256,
    )
    .unwrap();
    provision::create_member(
        &db,
        "contoso",
        "megan@contoso.example",
        "Megan",
        PASSWORD,
        true,
    )
    .unwrap();
    let spec = |name: &str, grants: Vec<GrantType>, permissions: Vec<Permission>| AppSpec {
        client_id: None,
        name: name.into(),
        redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
        post_logout_redirect_uris: vec![],
        public: false,
        first_party: true,
        grants,
        permissions,
    };
    let (web, web_secret) = provision::create_app(
        &db,
        "contoso",
        &spec("web", vec![GrantType::AuthorizationCode], vec![]),
    )
    .unwrap();
    let (api, api_secret) = provision::create_app(
        &db,
        "contoso",
        &spec(
            "api",
            vec![GrantType::ClientCredentials],
            vec![Permission::InvitationsInvite],
        ),
    )
    .unwrap();

    // Guests: one per worker, invited and redeemed once through the real pages.
    let contoso = provision::tenant(&db, "contoso").unwrap();
    let issuer = format!("{base}/t/contoso");
    for w in 0..workers {
        let email = format!("guest{w}@proseware.example");
        provision::create_member(&db, "proseware", &email, "Guest", PASSWORD, false).unwrap();
        let request = InviteRequest {
            email: email.clone(),
            target: Target::Tenant,
            redirect_url: None,
            message: None,
        };
        let link = portico::admin::guests::invite_as(
            &db,
            &contoso,
            &issuer,
            "megan@contoso.example",
            &request,
            chrono::TimeDelta::days(1),
        )
        .unwrap()
        .redeem_url;
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        match drive(&base, &browser, &link, &email, PASSWORD).await {
            Landing::Page(200, _) => {}
            Landing::Page(status, body) => panic!("redemption failed with {status}: {body}"),
            Landing::Away(url) => panic!("redemption left the server for {url}"),
            Landing::Stuck(why) => panic!("redemption got stuck: {why}"),
        }
    }

    // 1. Invitations per second through the admin API.
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{issuer}/token"))
        .basic_auth(&api.client_id, api_secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = Arc::new(token["access_token"].as_str().unwrap().to_owned());
    let invite_url = Arc::new(format!("{issuer}/api/v1/invitations"));
    let (ok, failed, elapsed) = run(workers, seconds, move |w, i| {
        let (http, token, url) = (http.clone(), token.clone(), invite_url.clone());
        async move {
            let body = serde_json::json!({ "email": format!("invitee-{w}-{i}@fabrikam.example") });
            http.post(url.as_str())
                .bearer_auth(token.as_str())
                .json(&body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 201)
        }
    })
    .await;
    println!(
        "{backend}: invitations created: {ok} in {:.1} s = {:.0}/s with {workers} in flight ({failed} failed)",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64()
    );

    // 2. Full guest sign-ins per second: authorize at Contoso → email → home
    //    (Proseware) sign-in with password → back to Contoso → code → tokens.
    let (web_id, web_secret) = (
        Arc::new(web.client_id.clone()),
        Arc::new(web_secret.unwrap()),
    );
    let base = Arc::new(base);
    let (ok, failed, elapsed) = run(workers, seconds, move |w, _| {
        let (base, web_id, web_secret) = (base.clone(), web_id.clone(), web_secret.clone());
        async move {
            let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let email = format!("guest{w}@proseware.example");
            let start = format!(
                "{base}/t/contoso/authorize?client_id={web_id}&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=s&nonce=n"
            );
            let Landing::Away(back) = drive(&base, &browser, &start, &email, PASSWORD).await else {
                return false;
            };
            let Some(code) = url::Url::parse(&back).ok().and_then(|u| u.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned())) else {
                return false;
            };
            browser
                .post(format!("{base}/t/contoso/token"))
                .basic_auth(web_id.as_str(), Some(web_secret.as_str()))
                .form(&[("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", "http://127.0.0.1:9/cb")])
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    println!(
        "{backend}: full guest sign-ins: {ok} in {:.1} s = {:.1}/s with {workers} in flight ({failed} failed)",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64()
    );
}
