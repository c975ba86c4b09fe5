//! Portico under database and client faults, with real `portico` processes:
//! the CLI writing while the server writes (SQLite), replicas migrating one
//! empty PostgreSQL database at once, concurrent invitations of one address,
//! stalled request bodies, SIGTERM with requests in flight, and commits that
//! are on disk before they are acknowledged.

use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel_migrations::MigrationHarness;
use portico::domain::InvitationStatus;
use portico::store::{Db, DbConn, MIGRATIONS, invitations};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::cli::cli;
use crate::helpers::net::free_port;
use crate::helpers::{PASSWORD, fresh_database};
use crate::scale_out::{Replicas, serve_with, wait_healthy};

const ADMIN: &str = "admin@contoso.example";

fn postgres_configured() -> bool {
    matches!(std::env::var("PORTICO_TEST_PG_URL"), Ok(v) if !v.is_empty())
}

fn sqlite_in(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("portico.db").display())
}

fn spawn_serve(db: &str, port: u16, extra: &[&str]) -> Child {
    serve_with(db, port, &format!("http://127.0.0.1:{port}"), extra)
}

/// A running `portico serve` with a tenant, an admin who may invite through
/// the CLI, and an app that may invite through the API.
struct Served {
    base: String,
    db: String,
    client_id: String,
    client_secret: String,
    process: Replicas,
}

async fn serve(db: &str, extra: &[&str]) -> Served {
    // Provisioned through the CLI, as an operator would.
    let run = |line: &str, more: &[&str]| {
        let args: Vec<&str> = line.split(' ').chain(more.iter().copied()).collect();
        cli(db, &args)
    };
    run(
        "tenant create contoso --name Contoso --domain contoso.example",
        &[],
    );
    let admin = ["--email", ADMIN, "--password", PASSWORD];
    run("user create --tenant contoso --name Ada --admin", &admin);
    let app = run(
        "app create --tenant contoso --name Inviter --grant client_credentials \
         --permission Invitations.Invite --json",
        &[],
    );
    let app: serde_json::Value = serde_json::from_str(app.trim()).expect("app JSON");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut process = Replicas(vec![spawn_serve(db, port, extra)]);
    wait_healthy(&reqwest::Client::new(), &base, &mut process.0[0]).await;
    Served {
        base,
        db: db.to_owned(),
        client_id: app["client_id"].as_str().unwrap().to_owned(),
        client_secret: app["client_secret"].as_str().unwrap().to_owned(),
        process,
    }
}

impl Served {
    fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    /// The form body of a client_credentials token request.
    fn token_form(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret)
            .finish()
    }

    async fn token(&self) -> String {
        let request = reqwest::Client::new()
            .post(format!("{}/t/contoso/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(self.token_form());
        let response: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
        response["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {response}"))
            .to_owned()
    }

    /// POST /api/v1/invitations; (status, body).
    async fn invite(
        &self,
        http: &reqwest::Client,
        token: &str,
        email: &str,
    ) -> (u16, serde_json::Value) {
        let response = http
            .post(format!("{}/t/contoso/api/v1/invitations", self.base))
            .bearer_auth(token)
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// `portico invite` through the CLI; returns the redemption link.
    fn cli_invite(&self, email: &str) -> String {
        let printed = cli(
            &self.db,
            &[
                "invite",
                "--tenant",
                "contoso",
                "--email",
                email,
                "--by",
                ADMIN,
                "--public-url",
                &self.base,
                "--json",
            ],
        );
        let printed: serde_json::Value = serde_json::from_str(printed.trim()).unwrap();
        printed["redeem_url"].as_str().unwrap().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cli_writer_racing_the_server_on_sqlite_never_fails() {
    let dir = tempfile::tempdir().unwrap();
    // SQLite in either pass: its single writer lock is what is raced for.
    let server = Arc::new(serve(&sqlite_in(&dir), &[]).await);
    let token = Arc::new(server.token().await);
    let racing = Arc::new(AtomicBool::new(true));
    let written = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for worker in 0..32 {
        let (server, token, racing) = (server.clone(), token.clone(), racing.clone());
        let (written, failures) = (written.clone(), failures.clone());
        writers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0;
            while racing.load(Ordering::Relaxed) {
                n += 1;
                let email = format!("api-{worker}-{n}@fabrikam.example");
                match server.invite(&http, &token, &email).await {
                    (201, _) => written.fetch_add(1, Ordering::Relaxed),
                    (status, body) => {
                        failures.lock().push(format!("{status} {body}"));
                        0
                    }
                };
            }
        }));
    }
    while written.load(Ordering::Relaxed) < 32 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let before = written.load(Ordering::Relaxed);
    let cli_server = server.clone();
    let cli_run = tokio::task::spawn_blocking(move || {
        for n in 0..20 {
            cli_server.cli_invite(&format!("cli-{n}@fabrikam.example"));
        }
    })
    .await;
    let during = written.load(Ordering::Relaxed) - before;
    racing.store(false, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    assert!(
        cli_run.is_ok(),
        "a CLI invitation failed while the server wrote (see its error above)"
    );
    let failures = failures.lock();
    assert!(
        failures.is_empty(),
        "{} server writes failed while the CLI wrote: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(during > 0, "the server wrote while the CLI ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_started_together_on_an_empty_postgresql_database_all_start() {
    if !postgres_configured() {
        eprintln!("note: PORTICO_TEST_PG_URL is not set; skipping the simultaneous-start test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let mut replicas = Replicas(ports.iter().map(|p| spawn_serve(&db, *p, &[])).collect());
    let http = reqwest::Client::new();
    for (child, port) in replicas.0.iter_mut().zip(&ports) {
        wait_healthy(&http, &format!("http://127.0.0.1:{port}"), child).await;
    }
}

/// Pending invitations of `email` in the database.
fn pending_for(db: &Db, email: &str) -> usize {
    let tenant = portico::admin::provision::tenant(db, "contoso").unwrap();
    db.read_blocking(|c| invitations::list(c, &tenant.id))
        .unwrap()
        .iter()
        .filter(|i| i.email == email && i.status == InvitationStatus::Pending)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invitations_of_one_address_leave_exactly_one_live_link() {
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(serve(&fresh_database(&dir), &[]).await);
    let token = Arc::new(server.token().await);
    let store = Db::connect(&server.db).unwrap();
    let http = reqwest::Client::new();
    for round in 0..6 {
        // Even rounds create the guest; odd rounds invite the same one again.
        let email = format!("guest{}@fabrikam.example", round / 2);
        let mut api = Vec::new();
        for _ in 0..24 {
            let (server, token, email) = (server.clone(), token.clone(), email.clone());
            api.push(tokio::spawn(async move {
                server.invite(&reqwest::Client::new(), &token, &email).await
            }));
        }
        let cli_server = server.clone();
        let cli_email = email.clone();
        let cli_run = tokio::task::spawn_blocking(move || {
            (0..2)
                .map(|_| cli_server.cli_invite(&cli_email))
                .collect::<Vec<_>>()
        });
        let mut links = cli_run.await.expect("CLI invitations succeed");
        for call in api {
            let (status, body) = call.await.unwrap();
            assert_eq!(status, 201, "round {round}: {body}");
            links.push(body["redeem_url"].as_str().unwrap().to_owned());
        }

        assert_eq!(
            pending_for(&store, &email),
            1,
            "round {round}: one pending invitation for {email}"
        );
        let mut live = 0;
        for link in &links {
            let status = http.get(link).send().await.unwrap().status().as_u16();
            match status {
                410 | 404 => {}
                s if s < 500 => live += 1,
                s => panic!("round {round}: {link} answered {s}"),
            }
        }
        assert_eq!(live, 1, "round {round}: one of {} links opens", links.len());
    }
}

#[test]
fn the_migration_keeps_only_the_newest_pending_invitation_of_a_guest() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let db = Db::connect(&url).unwrap();
    let tenant = portico::admin::provision::create_tenant(
        &db,
        "contoso",
        "Contoso",
        &[],
        portico::tokens::keys::SigningAlg::Rs256,
    )
    .unwrap();
    let inviter = portico::b2b::invitation::Inviter::App {
        client_id: "cli".into(),
        name: "CLI".into(),
        grants_access: false,
    };
    let request = portico::b2b::invitation::InviteRequest {
        email: "guest@fabrikam.example".into(),
        target: portico::b2b::invitation::Target::Tenant,
        redirect_url: None,
        message: None,
    };
    let invited = db
        .write_blocking(|c| {
            portico::b2b::invitation::invite(
                c,
                &tenant,
                "http://127.0.0.1/t/contoso",
                &inviter,
                &request,
                chrono::TimeDelta::days(1),
            )
        })
        .unwrap()
        .invitation;

    // The schema before the rule (later migrations reverted too), holding
    // three pending links for one guest.
    let mut conn = db.conn_for_tests();
    // (Later migrations go first, then the rule's own.)
    loop {
        let reverted = conn.revert_last_migration(MIGRATIONS).unwrap().to_string();
        if reverted.replace('-', "").starts_with("20261201000000") {
            break;
        }
    }
    let copy = |id: &str, hours: i64| invitations::Invitation {
        id: id.into(),
        token_hash: format!("hash-{id}"),
        created_at: invited.created_at + chrono::TimeDelta::hours(hours),
        ..invited.clone()
    };
    let (older, newest) = (copy("older", -1), copy("newest", 1));
    invitations::insert(&mut conn, &older).unwrap();
    invitations::insert(&mut conn, &newest).unwrap();
    drop(conn);
    drop(db);

    let db = Db::connect(&url).unwrap();
    let all = db
        .read_blocking(|c| invitations::list(c, &tenant.id))
        .unwrap();
    let status = |id: &str| {
        let row = all.iter().find(|i| i.id == id).unwrap();
        (row.status, row.revoked_at)
    };
    assert_eq!(status("newest"), (InvitationStatus::Pending, None));
    for id in [older.id.as_str(), invited.id.as_str()] {
        assert_eq!(
            status(id),
            (InvitationStatus::Revoked, Some(newest.created_at)),
            "{id} is withdrawn as of the newest invitation"
        );
    }
}

/// Sends `head` then `body` on a new connection, and keeps it open.
async fn send_partial(address: &str, head: &str, body: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

fn token_request_head(address: &str, length: usize) -> String {
    format!(
        "POST /t/contoso/token HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stalled_and_trickled_request_bodies_are_cut_off_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(&sqlite_in(&dir), &["--request-body-timeout", "1"]).await;
    // Generous: three times the configured body timeout.
    let bound = Duration::from_secs(3);
    let mut clients = Vec::new();
    for n in 0..40 {
        let address = server.address();
        clients.push(tokio::spawn(async move {
            let head = token_request_head(&address, 1000);
            let stream = send_partial(&address, &head, b"grant_type=").await;
            let sent = Instant::now();
            let (mut read, mut write) = stream.into_split();
            // Every fourth client trickles a byte every 200 ms; the rest stall.
            let trickle = (n % 4 == 0).then(|| {
                tokio::spawn(async move {
                    while write.write_all(b"x").await.is_ok() {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                })
            });
            let mut response = Vec::new();
            // A reset counts as closed: the server drops the unread body.
            let closed = tokio::time::timeout(bound, read.read_to_end(&mut response))
                .await
                .is_ok();
            if let Some(t) = trickle {
                t.abort();
            }
            let response = String::from_utf8_lossy(&response).into_owned();
            (closed, sent.elapsed(), response)
        }));
    }
    for client in clients {
        let (closed, after, response) = client.await.unwrap();
        assert!(closed, "connection still open after {after:?}");
        assert!(!response.starts_with("HTTP/1.1 5"), "{response}");
    }
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the server still serves");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_completes_requests_in_flight_and_exits_within_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_secs(3);
    let mut server = serve(
        &sqlite_in(&dir),
        &["--request-body-timeout", "2", "--shutdown-grace", "3"],
    )
    .await;
    let address = server.address();
    let form = server.token_form();
    let (first, rest) = form.split_at(form.len() / 2);
    let mut in_flight = send_partial(
        &address,
        &token_request_head(&address, form.len()),
        first.as_bytes(),
    )
    .await;
    let _stalled = send_partial(&address, &token_request_head(&address, 100), b"").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = server.process.0[0].id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(grace, in_flight.read_to_end(&mut response))
        .await
        .expect("the in-flight request is answered")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 200") && response.contains("access_token"),
        "the request in flight at SIGTERM completes: {response}"
    );

    // Generous: three times the grace period, for a loaded machine.
    let child = &mut server.process.0[0];
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < 3 * grace,
            "still running {:?} after SIGTERM",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit after SIGTERM: {status}");
}

#[derive(diesel::QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    synchronous: i32,
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

#[test]
fn sqlite_commits_are_on_disk_before_they_are_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&sqlite_in(&dir)).unwrap();
    let mut pooled = db.conn_for_tests();
    let DbConn::Sqlite(conn) = &mut *pooled else {
        unreachable!("a SQLite URL opens SQLite")
    };
    let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(conn)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    // 2 = FULL: with WAL, the log is synced at every commit, not only at
    // checkpoints, so an acknowledged write survives power loss.
    let sync: Synchronous = diesel::sql_query("PRAGMA synchronous")
        .get_result(conn)
        .unwrap();
    assert_eq!(sync.synchronous, 2, "PRAGMA synchronous = FULL");
}
