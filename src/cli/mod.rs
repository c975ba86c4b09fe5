//! The command line (DESIGN.md §6). Every command takes `--database-url`.

mod app;
mod app_backchannel;
mod guest;
mod idp;
mod invite;
mod keys;
mod mfa;
mod serve;
mod settings;
mod tenant;
mod user;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::LogFormat;

/// The help heading of the options every command takes.
const GLOBAL_HEADING: &str = "Global options";

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Multi-tenant OpenID Connect provider for B2B guest collaboration"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// The options every command takes, listed under their own heading in
/// each command's help.
#[derive(Args)]
#[command(next_help_heading = GLOBAL_HEADING)]
struct Global {
    /// `sqlite://path` (default, embedded) or `postgres://…`
    #[arg(
        long,
        global = true,
        env = "PORTICO_DATABASE_URL",
        default_value = "sqlite://portico.db"
    )]
    database_url: String,
    /// How the log is written: `pretty` for people, `json` for collectors.
    #[arg(
        long,
        global = true,
        env = "PORTICO_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    log_format: LogFormat,
    /// Key that seals stored upstream client secrets (32 bytes, base64url).
    /// Every replica must use the same key.
    #[arg(
        long,
        global = true,
        env = "PORTICO_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    /// Where the secret key is kept when PORTICO_SECRET_KEY is not set;
    /// created (owner-only) on first use.
    #[arg(
        long,
        global = true,
        env = "PORTICO_SECRET_KEY_FILE",
        default_value = "portico.key"
    )]
    secret_key_file: std::path::PathBuf,
}

impl Global {
    fn sealer(&self) -> anyhow::Result<crate::crypto::Sealer> {
        match &self.secret_key {
            Some(key) => crate::crypto::Sealer::from_base64(key),
            None => crate::crypto::Sealer::load_or_create(&self.secret_key_file),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage app registrations.
    #[command(subcommand)]
    App(app::AppCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Invite a guest (to the tenant, a group or an app); prints the redemption link.
    Invite(invite::InviteArgs),
    /// List, block, unblock or remove guests.
    #[command(subcommand)]
    Guest(guest::GuestCommand),
    /// Manage groups.
    #[command(subcommand)]
    Group(user::GroupCommand),
    /// Show or change the tenant's collaboration policy.
    #[command(subcommand)]
    Policy(settings::PolicyCommand),
    /// Show or change cross-tenant access (partners by issuer URL or tenant slug).
    #[command(subcommand)]
    CrossTenant(settings::CrossTenantCommand),
    /// Show or change who must use a second factor (the authentication policy).
    #[command(subcommand)]
    AuthPolicy(mfa::AuthPolicyCommand),
    /// Apps that require a second factor; resetting a user's factors.
    #[command(subcommand)]
    Mfa(mfa::MfaCommand),
    /// External OpenID providers that are homes for guests of given domains.
    #[command(subcommand)]
    Idp(idp::IdpCommand),
    /// Send all of a tenant's member sign-in to one upstream OpenID provider.
    #[command(subcommand)]
    Federation(idp::FederationCommand),
    /// Compare B2B guests with a federated tenant: builds both on servers in
    /// this process (temporary databases), signs people in, takes the
    /// identity providers down and back up, and prints measured figures.
    Compare(serve::CompareArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The comparison runs several servers in this process: only warnings.
    let quiet = matches!(cli.command, Command::Compare(_));
    crate::telemetry::init(cli.global.log_format, if quiet { "warn" } else { "info" });
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    let db_url = global.database_url.clone();
    match cli.command {
        Command::Serve(args) => serve::run(&global, args),
        Command::Tenant(command) => tenant::run(&db_url, command),
        Command::User(command) => user::run(&db_url, command),
        Command::App(command) => app::run(&global, command),
        Command::Keys(command) => keys::run(&db_url, command),
        Command::Invite(args) => invite::run(&db_url, args),
        Command::Guest(command) => guest::run(&db_url, command),
        Command::Group(command) => user::run_group(&db_url, command),
        Command::Policy(command) => settings::run_policy(&db_url, command),
        Command::CrossTenant(command) => settings::run_cross_tenant(&db_url, command),
        Command::AuthPolicy(command) => mfa::run_auth_policy(&db_url, command),
        Command::Mfa(command) => mfa::run(&db_url, command),
        Command::Idp(command) => idp::run(&global, command),
        Command::Federation(command) => idp::run_federation(&global, command),
        Command::Compare(args) => serve::compare(args),
    }
}

#[cfg(test)]
mod tests;
