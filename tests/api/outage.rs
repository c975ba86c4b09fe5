//! A PostgreSQL outage under a running server (issue 10): what is already in
//! memory keeps answering (discovery, JWKS, client_credentials tokens for a
//! cached client), everything else fails fast with 503 and Retry-After in
//! the endpoint's own error format, `/readyz` says 503, and everything
//! recovers without a restart once the database is back.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portico::domain::{GrantType, Permission};

use crate::helpers::{TestApp, spawn_app_with};

/// A private PostgreSQL cluster in a temp dir that the test can stop and
/// start; stopped for good when dropped.
struct Cluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()?;
        let dir = tempfile::tempdir().ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let cluster = Cluster { bin, dir, port };
        if as_root() {
            Command::new("chown")
                .args(["-R", "postgres"])
                .arg(cluster.dir.path())
                .status()
                .ok()?;
        }
        let data = cluster.data();
        cluster
            .pg(&cluster.bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .status()
            .ok()
            .filter(|s| s.success())?;
        cluster.up().then_some(cluster)
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// A command run as the `postgres` user when the test runs as root.
    fn pg(&self, program: &std::path::Path) -> Command {
        let mut command = if as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.stdout(Stdio::null()).stderr(Stdio::null());
        command
    }

    fn up(&self) -> bool {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-w", "start", "-o", &options])
            .status()
            .is_ok_and(|s| s.success())
    }

    fn down(&self) {
        self.pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"])
            .status()
            .expect("pg_ctl stop");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .status();
    }
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Status, Retry-After and body of a request, and how long it took.
async fn timed(request: reqwest::RequestBuilder) -> (u16, Option<String>, String, Duration) {
    let started = Instant::now();
    let response = request.send().await.expect("an answer, not a hang");
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        retry,
        response.text().await.unwrap(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_database_outage_answers_fast_serves_what_is_cached_and_recovers() {
    let Some(cluster) = Cluster::start() else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL server binaries are needed under CI"
        );
        eprintln!("skipped: no PostgreSQL server binaries");
        return;
    };
    let url = cluster.url();
    let app: TestApp = spawn_app_with(move |s| s.database_url = url).await;
    app.tenant("contoso");
    let service = app.app(
        "contoso",
        false,
        false,
        vec![GrantType::ClientCredentials],
        vec![Permission::UsersReadWrite],
    );
    let web = app.web_app("contoso");
    let iss = app.issuer("contoso");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = || {
        http.post(format!("{iss}/token"))
            .basic_auth(&service.client_id, service.secret.as_deref())
            .form(&[("grant_type", "client_credentials")])
    };
    // Warm the caches, and hold an access token.
    let (status, _, body, _) = timed(token()).await;
    assert_eq!(status, 200, "{body}");
    let access: serde_json::Value = serde_json::from_str(&body).unwrap();
    let access = access["access_token"].as_str().unwrap().to_owned();
    let users = || http.get(format!("{iss}/api/v1/users")).bearer_auth(&access);
    assert_eq!(timed(users()).await.0, 200);

    cluster.down();
    // Past the cache's freshness, so answers really come from the fallback.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let bound = Duration::from_secs(5);

    for path in ["/.well-known/openid-configuration", "/jwks"] {
        let (status, _, body, took) = timed(http.get(format!("{iss}{path}"))).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(took < bound, "{path} took {took:?}");
    }
    let (status, _, body, _) = timed(token()).await;
    assert_eq!(status, 200, "a cached client still gets tokens: {body}");

    let (status, retry, body, took) = timed(
        http.post(format!("{iss}/introspect"))
            .basic_auth(&service.client_id, service.secret.as_deref())
            .form(&[("token", access.as_str())]),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry.as_deref(), Some("2"));
    assert!(body.contains("temporarily_unavailable"), "{body}");
    assert!(took < bound, "introspection took {took:?}");

    let (status, retry, body, took) = timed(users()).await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some() && body.contains("Temporarily unavailable"));
    assert!(took < bound, "admin API took {took:?}");

    let (authorize, _) = crate::helpers::authorize_url(&app, "contoso", &web, "openid", &[]);
    let (status, retry, body, took) = timed(http.get(&authorize)).await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some() && body.contains("Try again in a few seconds"));
    assert!(took < bound, "the sign-in page took {took:?}");

    let (status, _, _, took) = timed(http.get(format!("{}/readyz", app.base))).await;
    assert_eq!(status, 503);
    assert!(took < bound, "readyz took {took:?}");
    let metrics = http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("portico_stale_cache_served_total{cache=\"tenant\"}"),
        "the stale answers are counted"
    );

    // Back: everything works again without a restart.
    assert!(cluster.up(), "PostgreSQL restarts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while timed(http.get(format!("{}/readyz", app.base))).await.0 != 200 {
        assert!(Instant::now() < deadline, "readyz never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(timed(users()).await.0, 200);
    let (status, _, body, _) = timed(
        http.post(format!("{iss}/introspect"))
            .basic_auth(&service.client_id, service.secret.as_deref())
            .form(&[("token", access.as_str())]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"active\":true"), "{body}");
}
