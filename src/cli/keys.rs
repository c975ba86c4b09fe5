//! `portico keys`: listing signing keys and rotating them without a window
//! of failure (the next key published first, the switch scheduled).

use chrono::{DateTime, TimeDelta, Utc};
use clap::{Args, Subcommand};

use crate::admin::provision;
use crate::config::{self, Settings};
use crate::store::{Db, now};
use crate::tokens::rotation::{Plan, Switch};

/// The key-rotation timing that `serve` and `keys rotate` share.
#[derive(Args)]
pub(super) struct KeyTiming {
    /// Seconds a new signing key is published in the JWKS before it signs.
    /// At least the JWKS max-age plus the 2 s tenant cache, so that no
    /// relying party or replica holds a JWKS without it when it starts.
    #[arg(long, env = "PORTICO_KEY_PREPUBLISH", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 3600))]
    key_prepublish: u64,
    /// Seconds relying parties may cache the JWKS (its Cache-Control max-age).
    #[arg(long, env = "PORTICO_JWKS_MAX_AGE", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=24 * 3600))]
    jwks_max_age: u64,
}

impl KeyTiming {
    /// Sets the timing in `settings`, refusing a pre-publication too short
    /// for the JWKS max-age.
    pub(super) fn apply(&self, settings: &mut Settings) -> anyhow::Result<()> {
        settings.key_rotation.prepublish = TimeDelta::seconds(self.key_prepublish as i64);
        settings.jwks_max_age = std::time::Duration::from_secs(self.jwks_max_age);
        settings.check_key_rotation()
    }
}

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// List the tenant's published keys: next, current, retired, with dates.
    List {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Rotate the signing key: publish a new key now and switch to it after
    /// the pre-publication period (or --at); the replaced key stays in the
    /// JWKS until every token it signed has expired, then is removed. A
    /// running server makes the switch and the removal on time.
    Rotate {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        timing: KeyTiming,
        /// When the new key starts signing (RFC 3339), at least the
        /// pre-publication period from now.
        #[arg(long, conflicts_with = "now")]
        at: Option<DateTime<Utc>>,
        /// Sign with the new key at once, skipping pre-publication (a
        /// compromised key). Relying parties that cached the JWKS meet an
        /// unknown kid until they fetch it again, so this is refused unless
        /// --force is given too.
        #[arg(long)]
        now: bool,
        /// Allow --now (and replace a next key still waiting).
        #[arg(long, requires = "now")]
        force: bool,
    },
}

pub(super) fn run(db_url: &str, command: KeysCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    match command {
        KeysCommand::List { tenant } => list(&db, &tenant),
        KeysCommand::Rotate {
            tenant,
            timing,
            at,
            now: at_once,
            force,
        } => {
            anyhow::ensure!(
                !at_once || force,
                "--now skips pre-publication: relying parties that cached the JWKS would meet an unknown kid. Add --force if that is what you want (e.g. the key is compromised)"
            );
            let mut settings = Settings::new("127.0.0.1:0", "http://127.0.0.1", db_url)?;
            timing.apply(&mut settings)?;
            let prepublish = settings.key_rotation.prepublish;
            let plan = Plan {
                switch: match (at, at_once) {
                    (_, true) => Switch::Now,
                    (Some(at), false) => Switch::At(at.naive_utc()),
                    (None, false) => Switch::AfterPrepublication,
                },
                prepublish,
                forced: force,
                retention: config::key_retention(&settings.lifetimes, settings.cache_ttl),
            };
            rotate(&db, &tenant, &plan)
        }
    }
}

fn rotate(db: &Db, tenant: &str, plan: &Plan) -> anyhow::Result<()> {
    let key = provision::rotate_key(db, tenant, plan, "cli")?;
    let until = key.activates_at + plan.retention;
    if key.activates_at <= now() {
        println!(
            "New current key {} for {tenant}, signing now; the previous key stays published until {until} UTC",
            key.kid
        );
    } else {
        println!(
            "Published next key {} for {tenant}; it signs from {} UTC, and the current key stays published until {until} UTC",
            key.kid, key.activates_at
        );
    }
    Ok(())
}

fn list(db: &Db, tenant: &str) -> anyhow::Result<()> {
    let dash = |t: Option<chrono::NaiveDateTime>| t.map_or("-".to_owned(), |t| t.to_string());
    println!(
        "{:<44} {:<6} {:<8} {:<20} {:<20} published until",
        "kid", "alg", "state", "signs from", "signs until"
    );
    for key in provision::key_statuses(db, tenant)? {
        println!(
            "{:<44} {:<6} {:<8} {:<20} {:<20} {}",
            key.kid,
            key.alg,
            format!("{:?}", key.state).to_lowercase(),
            key.signs_from.format("%Y-%m-%d %H:%M:%S").to_string(),
            dash(key.signs_until),
            dash(key.published_until)
        );
    }
    Ok(())
}
