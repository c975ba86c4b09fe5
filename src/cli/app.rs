//! `portico app`: app registrations.

use clap::Subcommand;

use crate::admin::provision;
use crate::domain::{GrantType, Permission};
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum AppCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (no secret; PKCE required).
        #[arg(long)]
        public: bool,
        /// Trusted by the tenant: no consent page.
        #[arg(long)]
        first_party: bool,
        /// Only users assigned to the app (directly or by group) may sign in.
        #[arg(long)]
        assignment_required: bool,
        /// Every token request must carry a DPoP proof (RFC 9449 §5.2).
        #[arg(long)]
        dpop_bound_access_tokens: bool,
        #[arg(long = "grant", value_enum)]
        grants: Vec<GrantType>,
        #[arg(long = "permission", value_enum)]
        permissions: Vec<Permission>,
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(db_url: &str, command: AppCommand) -> anyhow::Result<()> {
    let AppCommand::Create {
        tenant,
        name,
        redirect_uris,
        post_logout_redirect_uris,
        public,
        first_party,
        assignment_required,
        dpop_bound_access_tokens,
        grants,
        permissions,
        json,
    } = command;
    let db = Db::connect(db_url)?;
    let spec = provision::AppSpec {
        client_id: None,
        name,
        redirect_uris,
        post_logout_redirect_uris,
        public,
        first_party,
        grants,
        permissions,
    };
    let (client, secret) = provision::create_app(&db, &tenant, &spec)?;
    if assignment_required {
        provision::require_assignment(&db, &tenant, &client.client_id)?;
    }
    if dpop_bound_access_tokens {
        provision::require_dpop(&db, &tenant, &client.client_id)?;
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"client_id": client.client_id, "client_secret": secret})
        );
    } else {
        println!("Created app {} in {tenant}", client.name);
        println!("client_id:     {}", client.client_id);
        match secret {
            Some(s) => println!("client_secret: {s}\n(shown once; only its hash is stored)"),
            None => println!("public client: no secret; use PKCE"),
        }
    }
    Ok(())
}
