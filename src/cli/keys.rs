//! `portico keys`: signing key rotation.

use clap::Subcommand;

use crate::admin::provision;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// Make a new key active; the old one stays in the JWKS until its tokens expire.
    Rotate {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
}

pub(super) fn run(db_url: &str, command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate { tenant } = command;
    let db = Db::connect(db_url)?;
    let lifetimes = crate::config::Lifetimes::default();
    let keep = lifetimes.access_token.max(lifetimes.id_token) + chrono::TimeDelta::minutes(5);
    let kid = provision::rotate_key(&db, &tenant, keep)?;
    println!(
        "New active key {kid} for {tenant}; the previous key stays published for {} minutes",
        keep.num_minutes()
    );
    Ok(())
}
