//! `portico serve` binds before it seeds: a taken port fails with a clear
//! message, and nothing is created or printed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::cli::BIN;

#[test]
fn serve_on_a_taken_port_fails_before_seeding_anything() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portico.db");
    let key = dir.path().join("portico.key");
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--bind", &address])
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .arg("--secret-key-file")
        .arg(&key)
        .env_remove("PORTICO_SECRET_KEY")
        .env_remove("PORTICO_DATABASE_URL")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve kept running on a taken port");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(stderr.contains("--bind"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("Demo seeded"), "{stdout}");
    assert!(!stdout.contains("Demo-2026"), "{stdout}");
    assert!(!db.exists(), "no database was created");
    assert!(!key.exists(), "no key file was created");
    drop(taken);
}
