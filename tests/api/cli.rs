//! The CLI configures external identity providers and federation: secrets
//! come from the environment, are sealed with the server key, and are never
//! printed; bad input fails with a message.

use std::process::{Command, Stdio};

use portico::store;

use crate::helpers::cli::{BIN, SECRET_KEY, cli};
use crate::helpers::fresh_database;

#[test]
fn identity_providers_and_federation_are_configured_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir);
    cli(
        &db,
        &[
            "tenant",
            "create",
            "contoso",
            "--name",
            "Contoso",
            "--domain",
            "contoso.example",
        ],
    );

    let output = Command::new(BIN)
        .args([
            "idp",
            "add",
            "--tenant",
            "contoso",
            "--name",
            "Northwind sign-in",
            "--issuer",
            "https://login.northwind.example/",
            "--client-id",
            "contoso",
            "--domain",
            "Northwind.example",
        ])
        .args(["--database-url", &db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .env("PORTICO_IDP_CLIENT_SECRET", "cli-secret-value")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(!printed.contains("cli-secret-value"), "{printed}");
    let added: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(added["has_client_secret"], true);
    assert_eq!(added["domains"], serde_json::json!(["northwind.example"]));

    // Sealed with the server key, so a server with the same key can open it.
    let conn = portico::store::Db::connect(&db).unwrap();
    let tenant = portico::admin::provision::tenant(&conn, "contoso").unwrap();
    let stored = conn
        .read_blocking(|c| store::idps::list(c, &tenant.id))
        .unwrap()
        .remove(0);
    let sealer = portico::crypto::Sealer::from_base64(SECRET_KEY).unwrap();
    let sealed = stored.client_secret_sealed.as_deref().unwrap();
    assert_eq!(sealer.open(&stored.id, sealed).unwrap(), "cli-secret-value");

    let listed: serde_json::Value =
        serde_json::from_str(&cli(&db, &["idp", "list", "--tenant", "contoso"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Bad input fails with a message and writes nothing.
    let bad = Command::new(BIN)
        .args([
            "idp",
            "add",
            "--tenant",
            "contoso",
            "--name",
            "Evil",
            "--issuer",
            "http://evil.example",
            "--client-id",
            "x",
            "--domain",
            "evil.example",
        ])
        .args(["--database-url", &db])
        .env("PORTICO_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("https"));

    cli(
        &db,
        &[
            "federation",
            "set",
            "--tenant",
            "contoso",
            "--name",
            "Corporate sign-in",
            "--issuer",
            "https://idp.contoso.example",
            "--client-id",
            "portico",
        ],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&cli(&db, &["federation", "show", "--tenant", "contoso"])).unwrap();
    assert_eq!(shown["auth_mode"], "federated");
    assert_eq!(shown["upstream"]["issuer"], "https://idp.contoso.example");
    assert_eq!(shown["upstream"]["has_client_secret"], false);
    cli(&db, &["federation", "off", "--tenant", "contoso"]);
    let shown: serde_json::Value =
        serde_json::from_str(&cli(&db, &["federation", "show", "--tenant", "contoso"])).unwrap();
    assert_eq!(shown["auth_mode"], "local");
    assert!(shown["upstream"].is_null());

    let id = added["id"].as_str().unwrap();
    let updated: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "idp",
            "update",
            "--tenant",
            "contoso",
            "--id",
            id,
            "--name",
            "Northwind",
            "--domain",
            "nw.example",
            "--clear-secret",
        ],
    ))
    .unwrap();
    assert_eq!(updated["display_name"], "Northwind");
    assert_eq!(updated["domains"], serde_json::json!(["nw.example"]));
    assert_eq!(updated["has_client_secret"], false);
    cli(&db, &["idp", "remove", "--tenant", "contoso", "--id", id]);
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&db, &["idp", "list", "--tenant", "contoso"])).unwrap();
    assert!(listed.as_array().unwrap().is_empty());
}
