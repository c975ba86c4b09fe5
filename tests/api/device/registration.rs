//! Apps are registered for the device grant from the CLI, by its short
//! name or its URN (RFC 8628 §3.4); a device-only app needs no redirect URI.

use portico::admin::provision;
use portico::domain::GrantType;
use portico::store::{self, Db};
use portico::tokens::keys::SigningAlg;

use super::DEVICE_GRANT;
use crate::helpers::cli::cli;
use crate::helpers::fresh_database;

#[test]
fn the_cli_registers_device_apps_by_short_name_or_urn() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir);
    let db = Db::connect(&url).unwrap();
    provision::create_tenant(&db, "contoso", "Contoso", &[], SigningAlg::Rs256).unwrap();
    let tenant = provision::tenant(&db, "contoso").unwrap();
    for grant in ["device_code", DEVICE_GRANT] {
        let created = cli(
            &url,
            &[
                "app", "create", "--tenant", "contoso", "--name", "Lobby TV", "--public",
                "--grant", grant, "--json",
            ],
        );
        let created: serde_json::Value = serde_json::from_str(created.trim()).unwrap();
        let client_id = created["client_id"].as_str().unwrap().to_owned();
        let app = db
            .read_blocking(|c| store::apps::find(c, &tenant.id, &client_id))
            .unwrap()
            .expect("registered");
        assert_eq!(app.grant_types, vec![GrantType::DeviceCode], "{grant}");
        assert!(app.redirect_uris.is_empty());
    }
}
