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
