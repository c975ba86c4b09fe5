//! `portico compare` (DESIGN.md §5 "Federated tenant"): builds a B2B set-up
//! (Contoso with guests from two partner organizations, each signing in at its
//! own identity provider) and a federated set-up (Contoso sending all sign-in
//! to one upstream) on servers started in this process, signs everyone in
//! through both with the `openidconnect` crate as the app, takes the upstream
//! and one partner's provider down, signs in again, brings them back, onboards
//! one more partner in each design, and reports what it measured.

mod app;
pub mod gate;
pub mod journey;
mod measure;
mod report;
mod server;
mod setup;

use self::app::App;
use self::measure::Apps;
use self::setup::World;

pub use report::{Accounts, Latency, Onboarding, Report, SignIns};
pub use setup::Ledger;

/// How many people of each population take part.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub members: usize,
    pub partner_users: usize,
}

pub const MODE_B2B: &str = "B2B guests";
pub const MODE_FEDERATED: &str = "Federated";
pub const MEMBERS: &str = "Contoso members";
pub const PARTNER_DOWN: &str = "Proseware users (their IdP goes down)";
pub const PARTNER_UP: &str = "Northwind users (their IdP stays up)";
pub const PHASES: [&str; 3] = ["all up", "IdP down", "back up"];

const REDIRECT: &str = "http://127.0.0.1:9/compare/callback";

/// Builds both set-ups, runs the three phases and the onboarding, and
/// returns every figure it measured.
pub async fn run(options: Options) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.members >= 1 && options.partner_users >= 1,
        "at least one member and one partner user are needed"
    );
    let dir = tempfile::tempdir()?;
    let world = World::start(&dir, options).await?;
    let b2b_setup = world.set_up_b2b().await?;
    let fed_setup = world.set_up_federated()?;
    let apps = Apps {
        b2b: App::register(&world.host, "contoso").await?,
        federated: App::register(&world.host, "contoso-fed").await?,
    };
    let (sign_ins, mut samples) = measure::sign_in_phases(&world, &apps).await;
    let latency = measure::latency(&mut samples);
    let accounts = measure::accounts(&world)?;
    let set_up = [b2b_setup, fed_setup];
    let onboarding = measure::onboarding(
        &dir,
        &world,
        &apps,
        &sign_ins,
        set_up,
        options.partner_users,
    )
    .await?;
    Ok(Report {
        members: options.members,
        partner_users: options.partner_users,
        sign_ins,
        latency,
        accounts,
        onboarding,
    })
}
