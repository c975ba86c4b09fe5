//! Running the real `portico` binary: CLI commands against a database.

use std::process::{Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_portico");
/// The key every replica (and the CLI) shares; never a file in the source tree.
pub const SECRET_KEY: &str = "c2NhbGUtb3V0LXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc";

fn run(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(["--database-url", db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .stdin(Stdio::null())
        .output()
        .expect("portico CLI runs")
}

/// Runs a `portico` CLI command expected to fail; returns its stderr.
pub fn cli_refuses(db: &str, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(!output.status.success(), "portico {args:?} succeeded");
    String::from_utf8(output.stderr).expect("UTF-8 errors")
}

/// Runs a `portico` CLI command against `db`; returns its stdout.
pub fn cli(db: &str, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(
        output.status.success(),
        "portico {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs a `portico` CLI command against `db` that must fail; returns its
/// stderr. The environment carries no operator switches.
pub fn cli_failure(db: &str, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(args)
        .args(["--database-url", db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .env_remove("PORTICO_IDP_ALLOW_PRIVATE_NETWORKS")
        .stdin(Stdio::null())
        .output()
        .expect("portico CLI runs");
    assert!(!output.status.success(), "portico {args:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// App `client_id` of tenant `slug` as stored in the database at `db`.
pub fn stored_app(db: &str, slug: &str, client_id: &str) -> portico::store::apps::Client {
    let db = portico::store::Db::connect(db).unwrap();
    let tenant = portico::admin::provision::tenant(&db, slug).unwrap();
    db.read_blocking(|c| portico::store::apps::find(c, &tenant.id, client_id))
        .unwrap()
        .expect("the app")
}

/// Runs a command given as one line (arguments without spaces) that
/// prints JSON, and parses what it printed.
pub fn cli_json(db: &str, line: &str) -> serde_json::Value {
    let args: Vec<&str> = line.split_whitespace().collect();
    serde_json::from_str(&cli(db, &args)).expect("JSON output")
}
