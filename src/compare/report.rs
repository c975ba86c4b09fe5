//! The comparison's figures and their side-by-side rendering.

use std::fmt;

use serde::Serialize;

use super::{Ledger, MEMBERS, MODE_B2B, MODE_FEDERATED, PARTNER_DOWN, PARTNER_UP, PHASES};

/// Sign-ins of one population, in one design, in one phase.
#[derive(Clone, Debug, Serialize)]
pub struct SignIns {
    pub mode: String,
    pub phase: String,
    pub population: String,
    pub attempted: usize,
    pub succeeded: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub mode: String,
    pub samples: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
}

/// What the host holds for partner users, counted in the databases.
#[derive(Clone, Debug, Serialize)]
pub struct Accounts {
    pub mode: String,
    /// User objects for partner users that the host's administrators manage
    /// (guest objects; or upstream accounts plus their provisioned copies).
    pub partner_user_objects: usize,
    /// Of those, how many carry a password the host holds.
    pub partner_credentials: usize,
}

/// Operations performed to bring partners in, counted as they ran.
#[derive(Clone, Debug, Serialize)]
pub struct Onboarding {
    pub mode: String,
    pub what: String,
    pub host_config_steps: usize,
    pub host_per_user_steps: usize,
    pub partner_steps: usize,
    pub credentials_issued: usize,
    pub new_users: usize,
    pub new_users_signed_in: usize,
}

impl Onboarding {
    pub fn from_ledger(
        mode: &str,
        what: &str,
        ledger: Ledger,
        new_users: usize,
        new_users_signed_in: usize,
    ) -> Onboarding {
        Onboarding {
            mode: mode.into(),
            what: what.into(),
            host_config_steps: ledger.host_config,
            host_per_user_steps: ledger.host_per_user,
            partner_steps: ledger.partner,
            credentials_issued: ledger.credentials_issued,
            new_users,
            new_users_signed_in,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub members: usize,
    pub partner_users: usize,
    pub sign_ins: Vec<SignIns>,
    pub latency: Vec<Latency>,
    pub accounts: Vec<Accounts>,
    pub onboarding: Vec<Onboarding>,
}

impl Report {
    /// Sign-ins that succeeded out of those attempted, as "s/a".
    pub fn sign_ins(&self, mode: &str, phase: &str, population: &str) -> Option<&SignIns> {
        self.sign_ins
            .iter()
            .find(|r| r.mode == mode && r.phase == phase && r.population == population)
    }

    fn cell(&self, mode: &str, phase: &str, population: &str) -> String {
        self.sign_ins(mode, phase, population)
            .map(|r| format!("{}/{}", r.succeeded, r.attempted))
            .unwrap_or_else(|| "-".into())
    }

    fn by_mode<'a, T>(rows: &'a [T], mode: &str, get: impl Fn(&T) -> &str) -> Option<&'a T> {
        rows.iter().find(|r| get(r) == mode)
    }
}

const MODES: [&str; 2] = [MODE_B2B, MODE_FEDERATED];

/// One line of a two-column (B2B, federated) table.
fn row(f: &mut fmt::Formatter<'_>, name: &str, cells: [String; 2]) -> fmt::Result {
    writeln!(f, "| {name} | {} | {} |", cells[0], cells[1])
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_sign_ins(f)?;
        writeln!(
            f,
            "\n| measure | {MODE_B2B} | {MODE_FEDERATED} |\n|---|---:|---:|"
        )?;
        self.write_latency_and_accounts(f)?;
        self.write_onboarding(f)
    }
}

impl Report {
    /// Sign-ins by population and phase, one column per design.
    fn write_sign_ins(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Sign-ins succeeded/attempted ({} members, {} users per partner); \"IdP down\" = the federated upstream and Proseware's own IdP are down\n",
            self.members, self.partner_users
        )?;
        write!(f, "| population | phase |")?;
        for m in MODES {
            write!(f, " {m} |")?;
        }
        writeln!(f, "\n|---|---|---:|---:|")?;
        for population in [MEMBERS, PARTNER_DOWN, PARTNER_UP] {
            for phase in PHASES {
                write!(f, "| {population} | {phase} |")?;
                for m in MODES {
                    write!(f, " {} |", self.cell(m, phase, population))?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }

    fn write_latency_and_accounts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lat = |m: &str| Self::by_mode(&self.latency, m, |r| &r.mode);
        row(
            f,
            "sign-in latency, median (all up)",
            MODES.map(|m| {
                lat(m)
                    .map(|l| format!("{:.0} ms", l.median_ms))
                    .unwrap_or_default()
            }),
        )?;
        row(
            f,
            "sign-in latency, p95 (all up)",
            MODES.map(|m| {
                lat(m)
                    .map(|l| format!("{:.0} ms", l.p95_ms))
                    .unwrap_or_default()
            }),
        )?;
        row(
            f,
            "latency samples",
            MODES.map(|m| lat(m).map(|l| l.samples.to_string()).unwrap_or_default()),
        )?;
        let acc = |m: &str| Self::by_mode(&self.accounts, m, |r| &r.mode);
        row(
            f,
            "partner-user accounts the host manages",
            MODES.map(|m| {
                acc(m)
                    .map(|a| a.partner_user_objects.to_string())
                    .unwrap_or_default()
            }),
        )?;
        row(
            f,
            "partner-user credentials the host holds",
            MODES.map(|m| {
                acc(m)
                    .map(|a| a.partner_credentials.to_string())
                    .unwrap_or_default()
            }),
        )
    }

    fn write_onboarding(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        type Figure = fn(&Onboarding) -> String;
        let figures: [(&str, Figure); 5] = [
            ("host configuration steps", |o| {
                o.host_config_steps.to_string()
            }),
            ("host per-user steps", |o| o.host_per_user_steps.to_string()),
            ("partner-side steps", |o| o.partner_steps.to_string()),
            ("passwords issued by the host", |o| {
                o.credentials_issued.to_string()
            }),
            ("new users signed in", |o| {
                format!("{}/{}", o.new_users_signed_in, o.new_users)
            }),
        ];
        for what in ["set up two partners", "add one more partner"] {
            for (label, figure) in figures {
                let cells = MODES.map(|m| {
                    self.onboarding
                        .iter()
                        .find(|o| o.mode == m && o.what == what)
                        .map(figure)
                        .unwrap_or_default()
                });
                row(f, &format!("{what}: {label}"), cells)?;
            }
        }
        Ok(())
    }
}
