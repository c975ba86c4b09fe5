//! `portico tenant`: creating tenants.

use clap::Subcommand;

use crate::admin::provision;
use crate::store::Db;
use crate::tokens::keys::SigningAlg;

#[derive(Subcommand)]
pub(super) enum TenantCommand {
    /// Create a tenant: its own issuer, users, apps and keys.
    Create {
        /// Short name used in URLs: lowercase letters, digits and hyphens.
        slug: String,
        /// The organization's name, shown to people.
        #[arg(long)]
        name: String,
        /// A verified email domain of this tenant (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Token signing algorithm: RS256 (default) or ES256.
        #[arg(long, default_value = "RS256")]
        alg: String,
    },
}

pub(super) fn run(db_url: &str, command: TenantCommand) -> anyhow::Result<()> {
    let TenantCommand::Create {
        slug,
        name,
        domains,
        alg,
    } = command;
    let alg =
        SigningAlg::parse(&alg).ok_or_else(|| anyhow::anyhow!("--alg must be RS256 or ES256"))?;
    let db = Db::connect(db_url)?;
    let tenant = provision::create_tenant(&db, &slug, &name, &domains, alg)?;
    println!("Created tenant {} ({})", tenant.slug, tenant.display_name);
    Ok(())
}
