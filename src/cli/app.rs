//! `portico app`: app registrations.

use clap::{Args, Subcommand};

use super::app_backchannel::{self, BackchannelArgs};
use crate::admin::provision;
use crate::domain::{GrantType, HomeUrl, Permission};
use crate::store::Db;

#[derive(Args)]
pub(super) struct CreateArgs {
    /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
    #[arg(long)]
    tenant: String,
    /// The app's name, shown on consent and My apps.
    #[arg(long)]
    name: String,
    /// Where the app receives codes; matched exactly (repeatable).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Where the app may send people after sign-out (repeatable).
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
    /// A grant the app may use (repeatable; default: authorization_code and refresh_token).
    #[arg(long = "grant", value_enum)]
    grants: Vec<GrantType>,
    /// An admin API permission of the app's own tokens (repeatable).
    #[arg(long = "permission", value_enum)]
    permissions: Vec<Permission>,
    /// The app's home page, linked from My apps: an https URL (http
    /// only on a loopback address).
    #[arg(long, value_parser = HomeUrl::parse)]
    home_url: Option<HomeUrl>,
    #[command(flatten)]
    backchannel: BackchannelArgs,
    /// Print client_id and client_secret as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub(super) enum AppCommand {
    /// Register an app (an OpenID Connect client); prints its secret once.
    Create(CreateArgs),
    /// Change a registered app: only what is given.
    Update {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        /// A new home page, linked from My apps: an https URL (http only on
        /// a loopback address).
        #[arg(
            long,
            value_parser = HomeUrl::parse,
            required_unless_present = "clear_home_url"
        )]
        home_url: Option<HomeUrl>,
        /// Remove the app's home page (My apps shows its name unlinked).
        #[arg(long, conflicts_with = "home_url")]
        clear_home_url: bool,
    },
    /// Set (or, without a URI, remove) where the app hears of a session's
    /// end (OpenID Connect Back-Channel Logout).
    Backchannel {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        backchannel: BackchannelArgs,
    },
}

pub(super) fn run(db_url: &str, command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Update {
            tenant,
            client_id,
            home_url,
            clear_home_url: _,
        } => update(db_url, &tenant, &client_id, home_url.as_ref()),
        AppCommand::Backchannel {
            tenant,
            client_id,
            backchannel,
        } => app_backchannel::run(db_url, &tenant, &client_id, &backchannel),
        AppCommand::Create(args) => create(db_url, args),
    }
}

/// Sets or clears the app's home page, audited as the CLI.
fn set_home_url(
    db: &Db,
    tenant: &str,
    client_id: &str,
    home_url: Option<&HomeUrl>,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let found = db.write_blocking(|c| {
        crate::admin::apps::set_home_url(c, &tenant.id, client_id, home_url, "cli")
    })?;
    anyhow::ensure!(found, "no app {client_id} in {}", tenant.slug);
    Ok(())
}

fn update(
    db_url: &str,
    tenant: &str,
    client_id: &str,
    home_url: Option<&HomeUrl>,
) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    set_home_url(&db, tenant, client_id, home_url)?;
    match home_url {
        Some(url) => println!("App {client_id} in {tenant}: home page {url}"),
        None => println!("App {client_id} in {tenant}: no home page"),
    }
    Ok(())
}

fn create(db_url: &str, args: CreateArgs) -> anyhow::Result<()> {
    let CreateArgs {
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
        home_url,
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
    if let Some(url) = &home_url {
        set_home_url(&db, &tenant, &client.client_id, Some(url))?;
    }
    if backchannel.is_some() {
        app_backchannel::save(&db, &tenant, &client.client_id, backchannel.as_ref())?;
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
            None if client.allows(GrantType::AuthorizationCode) => {
                println!("public client: no secret; use PKCE")
            }
            None => println!("public client: no secret"),
        }
    }
    Ok(())
}
