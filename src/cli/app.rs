//! `portico app`: app registrations.

use clap::{Args, Subcommand};

use super::app_backchannel::{self, BackchannelArgs};
use crate::admin::provision;
use crate::domain::{GrantType, Permission};
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum AppCommand {
    Create(CreateArgs),
    /// Set (or, without a URI, remove) where the app hears of a session's
    /// end (OpenID Connect Back-Channel Logout).
    Backchannel {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        backchannel: BackchannelArgs,
    },
}

#[derive(Args)]
pub(super) struct CreateArgs {
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
    #[arg(long = "grant", value_enum)]
    grants: Vec<GrantType>,
    #[arg(long = "permission", value_enum)]
    permissions: Vec<Permission>,
    #[command(flatten)]
    backchannel: BackchannelArgs,
    #[arg(long)]
    json: bool,
}

pub(super) fn run(db_url: &str, command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Backchannel {
            tenant,
            client_id,
            backchannel,
        } => app_backchannel::run(db_url, &tenant, &client_id, &backchannel),
        AppCommand::Create(args) => run_create(db_url, args),
    }
}

fn run_create(db_url: &str, args: CreateArgs) -> anyhow::Result<()> {
    let CreateArgs {
        tenant,
        name,
        redirect_uris,
        post_logout_redirect_uris,
        public,
        first_party,
        assignment_required,
        grants,
        permissions,
        backchannel,
        json,
    } = args;
    let backchannel = backchannel.registration()?;
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
    if backchannel.is_some() {
        app_backchannel::save(&db, &tenant, &client.client_id, backchannel.as_ref())?;
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
