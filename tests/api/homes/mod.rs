//! More homes, in redemption order: (2) an external OIDC provider the
//! resource tenant configured for a domain (here a second Portico server),
//! and (3) a one-time passcode mailed to the invited address, read from the
//! real SMTP listener; and the identity-provider API.

mod external;
mod passcode;
mod providers_api;

use diesel::RunQueryDsl;
use portico::admin::provision::{self, AppSpec};
use portico::b2b::providers::{self, ProviderSpec};
use portico::domain::IdpRole;

use crate::helpers::b2b::B2b;
use crate::helpers::{TestApp, spawn_app};

/// Runs one SQL statement on the app's database.
pub fn exec(app: &TestApp, sql: &str) -> Result<usize, diesel::result::Error> {
    let mut conn = app.db.conn_for_tests();
    diesel::sql_query(sql).execute(&mut *conn)
}

pub const ANN: &str = "ann@northwind.example";

/// A second Portico server whose `northwind` tenant is Contoso's configured
/// identity provider for northwind.example, with a confidential client.
pub struct External {
    server: TestApp,
    idp_id: String,
    client_id: String,
    secret: String,
}

pub async fn external_idp(b: &B2b) -> External {
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
        trust_mfa: false,
    }
    .validated(IdpRole::Guests)
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
