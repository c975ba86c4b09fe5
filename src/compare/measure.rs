//! What `portico compare` measures (DESIGN.md §5): sign-ins through each
//! design while the identity providers go down and come back, their
//! latency, the accounts each design holds, and onboarding one more partner.

use std::time::Duration;

use super::app::App;
use super::gate::Mode;
use super::setup::{Ledger, Partner, World, people};
use super::{Accounts, Latency, Onboarding, SignIns};
use super::{MEMBERS, MODE_B2B, MODE_FEDERATED, PARTNER_DOWN, PARTNER_UP, PHASES};
use crate::admin::provision;
use crate::store::{self, Db};

/// The host's app in each design.
pub(super) struct Apps {
    pub(super) b2b: App,
    pub(super) federated: App,
}

impl Apps {
    fn by_mode(&self) -> [(&'static str, &App); 2] {
        [(MODE_B2B, &self.b2b), (MODE_FEDERATED, &self.federated)]
    }
}

/// Everyone signs in through both designs in each phase; "the identity
/// provider" of each design (the upstream, and one partner's own provider)
/// is down in the middle one. Returns the rows and, per design, the
/// latencies of the sign-ins with everything up.
pub(super) async fn sign_in_phases(
    world: &World,
    apps: &Apps,
) -> (Vec<SignIns>, [Vec<Duration>; 2]) {
    let bases = world.bases();
    let populations: [(&str, &Vec<String>); 3] = [
        (MEMBERS, &world.members),
        (PARTNER_DOWN, &world.proseware.users),
        (PARTNER_UP, &world.northwind.users),
    ];
    let mut sign_ins = Vec::new();
    let mut samples: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for phase in PHASES {
        let mode = if phase == "IdP down" {
            Mode::Down
        } else {
            Mode::Up
        };
        world.upstream.set(mode);
        world.proseware.server.set(mode);
        for (m, (mode_name, app)) in apps.by_mode().into_iter().enumerate() {
            for (population, users) in populations {
                let mut row = SignIns {
                    mode: mode_name.into(),
                    phase: phase.into(),
                    population: population.into(),
                    attempted: 0,
                    succeeded: 0,
                };
                for user in users.iter() {
                    row.attempted += 1;
                    if let Ok(took) = app.sign_in(&bases, user, &world.password).await {
                        row.succeeded += 1;
                        if phase == "all up" {
                            samples[m].push(took);
                        }
                    }
                }
                sign_ins.push(row);
            }
        }
    }
    (sign_ins, samples)
}

pub(super) fn latency(samples: &mut [Vec<Duration>; 2]) -> Vec<Latency> {
    [MODE_B2B, MODE_FEDERATED]
        .into_iter()
        .zip(samples.iter_mut())
        .map(|(mode, s)| {
            let (median_ms, p95_ms) = percentiles(s);
            Latency {
                mode: mode.into(),
                samples: s.len(),
                median_ms,
                p95_ms,
            }
        })
        .collect()
}

/// Median and 95th percentile (nearest rank) of the samples, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort();
    let rank = |p: f64| {
        let i = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (rank(0.50), rank(0.95))
}

/// The partner users each design holds an object for, and how many of
/// those carry a credential the host issued.
pub(super) fn accounts(world: &World) -> anyhow::Result<Vec<Accounts>> {
    let partner_domains = ["proseware.example", "northwind.example"];
    let (host, upstream) = (&world.host.db, &world.upstream.db);
    let (b2b_objects, b2b_creds) = count_users(host, "contoso", &partner_domains)?;
    let (fed_accounts, fed_creds) = count_users(upstream, "corp", &partner_domains)?;
    let (fed_objects, _) = count_users(host, "contoso-fed", &partner_domains)?;
    Ok(vec![
        Accounts {
            mode: MODE_B2B.into(),
            partner_user_objects: b2b_objects,
            partner_credentials: b2b_creds,
        },
        Accounts {
            mode: MODE_FEDERATED.into(),
            partner_user_objects: fed_accounts + fed_objects,
            partner_credentials: fed_creds,
        },
    ])
}

fn count_users(db: &Db, slug: &str, domains: &[&str]) -> anyhow::Result<(usize, usize)> {
    let tenant = provision::tenant(db, slug)?;
    let users = db.read_blocking(|c| store::users::list(c, &tenant.id, None))?;
    let partner: Vec<_> = users
        .iter()
        .filter(|u| domains.iter().any(|d| u.email.ends_with(&format!("@{d}"))))
        .collect();
    let with_credentials = partner.iter().filter(|u| u.password_hash.is_some()).count();
    Ok((partner.len(), with_credentials))
}

/// One more partner, Fabrikam, onboarded in each design and signed in; the
/// onboarding rows of the first two partners (from their set-up ledgers and
/// the sign-ins with everything up) come first.
pub(super) async fn onboarding(
    dir: &tempfile::TempDir,
    world: &World,
    apps: &Apps,
    sign_ins: &[SignIns],
    set_up: [Ledger; 2],
    partner_users: usize,
) -> anyhow::Result<Vec<Onboarding>> {
    let c_users = people("user", "fabrikam.example", partner_users);
    let fabrikam = Partner::start(
        dir,
        "fabrikam",
        "Fabrikam",
        c_users.clone(),
        &world.password,
    )
    .await?;
    let mut bases = world.bases();
    bases.push(&fabrikam.server.public);
    let added = add_partner(world, &fabrikam, &bases, &c_users).await?;

    let first_two = world.proseware.users.len() + world.northwind.users.len();
    let mut rows = Vec::new();
    for ((mode, _), ledger) in apps.by_mode().into_iter().zip(set_up) {
        let signed_in = signed_in_up(sign_ins, mode);
        let what = "set up two partners";
        rows.push(Onboarding::from_ledger(
            mode, what, ledger, first_two, signed_in,
        ));
    }
    for ((mode, app), ledger) in apps.by_mode().into_iter().zip(added) {
        let signed_in = count_sign_ins(app, &bases, &c_users, &world.password).await;
        let what = "add one more partner";
        rows.push(Onboarding::from_ledger(
            mode,
            what,
            ledger,
            c_users.len(),
            signed_in,
        ));
    }
    Ok(rows)
}

/// What adding the partner takes in each design, as ledgers in mode order:
/// trust and invitations in B2B, upstream accounts when federated.
async fn add_partner(
    world: &World,
    partner: &Partner,
    bases: &[&str],
    users: &[String],
) -> anyhow::Result<[Ledger; 2]> {
    let mut b2b_add = Ledger::default();
    partner.trust(&world.host, "contoso", &mut b2b_add)?;
    world
        .invite_and_redeem(partner, bases, &mut b2b_add)
        .await?;
    let mut fed_add = Ledger::default();
    world.upstream_accounts(users, &mut fed_add)?;
    Ok([b2b_add, fed_add])
}

/// How many of `users` sign in through `app`.
async fn count_sign_ins(app: &App, bases: &[&str], users: &[String], password: &str) -> usize {
    let mut signed_in = 0;
    for user in users {
        if app.sign_in(bases, user, password).await.is_ok() {
            signed_in += 1;
        }
    }
    signed_in
}

/// Partner users of `mode` who signed in with everything up.
fn signed_in_up(sign_ins: &[SignIns], mode: &str) -> usize {
    sign_ins
        .iter()
        .filter(|r| r.mode == mode && r.phase == PHASES[0] && r.population != MEMBERS)
        .map(|r| r.succeeded)
        .sum()
}
