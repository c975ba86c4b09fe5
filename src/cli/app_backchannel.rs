//! `portico app create --backchannel-logout-uri …` and `portico app
//! backchannel`: where an app hears of a session's end (OpenID Connect
//! Back-Channel Logout 1.0 §2.2–§2.3), checked against the egress rules.

use clap::Args;

use super::idp::PrivateNetworks;
use crate::admin::{logout, provision};
use crate::store::Db;
use crate::store::apps::BackchannelLogout;

#[derive(Args)]
pub(super) struct BackchannelArgs {
    /// Where the app receives Logout Tokens: https, or http on a loopback
    /// address; no fragment. Omitted with `app backchannel`: removed.
    #[arg(long = "backchannel-logout-uri")]
    uri: Option<String>,
    /// The app needs `sid` in its Logout Tokens (one token per session).
    #[arg(long = "backchannel-logout-session-required", requires = "uri")]
    session_required: bool,
}

impl BackchannelArgs {
    /// The registration asked for, checked (before anything is stored).
    pub(super) fn registration(
        &self,
        private: &PrivateNetworks,
    ) -> anyhow::Result<Option<BackchannelLogout>> {
        logout::registration(
            self.uri.as_deref(),
            self.session_required,
            &private.policy(),
        )
        .map_err(anyhow::Error::msg)
    }
}

/// Stores app `client_id`'s registration (audited as the CLI).
pub(super) fn save(
    db: &Db,
    slug: &str,
    client_id: &str,
    registration: Option<&BackchannelLogout>,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, slug)?;
    let found = db.write_blocking(|c| {
        logout::set_app_backchannel(c, &tenant.id, client_id, registration, "cli")
    })?;
    anyhow::ensure!(found, "no app {client_id} in {slug}");
    Ok(())
}

/// `portico app backchannel`: sets or removes the registration.
pub(super) fn run(
    db_url: &str,
    tenant: &str,
    client_id: &str,
    (args, private): (&BackchannelArgs, &PrivateNetworks),
) -> anyhow::Result<()> {
    let registration = args.registration(private)?;
    let db = Db::connect(db_url)?;
    save(&db, tenant, client_id, registration.as_ref())?;
    println!("{}", logout::registration_json(registration.as_ref()));
    Ok(())
}
