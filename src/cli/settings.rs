//! `portico policy` and `portico cross-tenant`: a tenant's collaboration settings.

use clap::Subcommand;

use crate::admin::provision;
use crate::b2b::cross_tenant::{Access, CrossTenantAccess};
use crate::b2b::policy::{DomainMode, GuestVisibility, Policy, WhoCanInvite};
use crate::domain::inbound_trust::TrustSettings;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum PolicyCommand {
    /// Print the current settings as JSON.
    Show {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Changes only what is given.
    Set {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// Who may invite guests.
        #[arg(long, value_enum)]
        who_can_invite: Option<WhoCanInvite>,
        /// Only these domains may be invited (repeatable; replaces the list).
        #[arg(long = "allow-domain", conflicts_with = "deny_domains")]
        allow_domains: Vec<String>,
        /// These domains may not be invited (repeatable; replaces the list).
        #[arg(long = "deny-domain")]
        deny_domains: Vec<String>,
        /// Remove any allowlist or denylist.
        #[arg(long, conflicts_with_all = ["allow_domains", "deny_domains"])]
        clear_domains: bool,
        /// How much of the directory guests see through the API.
        #[arg(long, value_enum)]
        guest_visibility: Option<GuestVisibility>,
        /// Days of guest access after redemption; 0 = no end.
        #[arg(long)]
        guest_lifetime_days: Option<u32>,
        /// Allow emailed one-time passcodes: true or false.
        #[arg(long)]
        otp: Option<bool>,
    },
}

#[derive(Subcommand)]
pub(super) enum CrossTenantCommand {
    /// Print the current settings as JSON.
    Show {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Changes only what is given.
    Set {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// Whether guests from partners without an entry may come in.
        #[arg(long, value_parser = ["allow", "block"])]
        inbound_default: Option<String>,
        /// Whether this tenant's users may be guests at partners without an entry.
        #[arg(long, value_parser = ["allow", "block"])]
        outbound_default: Option<String>,
        /// Partners: issuer URLs, or slugs of tenants on this server (repeatable).
        #[arg(long = "inbound-allow")]
        inbound_allow: Vec<String>,
        /// Refuse guests from this partner (repeatable).
        #[arg(long = "inbound-block")]
        inbound_block: Vec<String>,
        /// Let this tenant's users be guests at this partner (repeatable).
        #[arg(long = "outbound-allow")]
        outbound_allow: Vec<String>,
        /// Keep this tenant's users from being guests at this partner (repeatable).
        #[arg(long = "outbound-block")]
        outbound_block: Vec<String>,
        /// Inbound trust: accept MFA done at partners without an entry (true or false).
        #[arg(long)]
        trust_mfa_default: Option<bool>,
        /// Inbound trust: accept MFA done at this partner (repeatable).
        #[arg(long = "trust-mfa")]
        trust_mfa: Vec<String>,
        /// Inbound trust: never accept MFA done at this partner (repeatable).
        #[arg(long = "distrust-mfa")]
        distrust_mfa: Vec<String>,
    },
}

pub(super) fn run_policy(db_url: &str, command: PolicyCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let slug = match &command {
        PolicyCommand::Show { tenant } | PolicyCommand::Set { tenant, .. } => tenant.clone(),
    };
    let tenant = provision::tenant(&db, &slug)?;
    let mut policy = db.read_blocking(|c| crate::store::policies::get(c, &tenant.id))?;
    if let PolicyCommand::Set { .. } = command {
        policy = apply_policy(policy, command)?;
        db.write_blocking(|c| crate::b2b::policy::save(c, &tenant.id, &policy, "cli"))?;
    }
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(())
}

/// The policy with what `policy set` gives changed, validated.
fn apply_policy(mut policy: Policy, command: PolicyCommand) -> anyhow::Result<Policy> {
    let PolicyCommand::Set {
        who_can_invite,
        allow_domains,
        deny_domains,
        clear_domains,
        guest_visibility,
        guest_lifetime_days,
        otp,
        ..
    } = command
    else {
        return Ok(policy);
    };
    if let Some(w) = who_can_invite {
        policy.who_can_invite = w;
    }
    if !allow_domains.is_empty() {
        policy.domain_mode = DomainMode::Allowlist;
        policy.domains = allow_domains;
    } else if !deny_domains.is_empty() {
        policy.domain_mode = DomainMode::Denylist;
        policy.domains = deny_domains;
    } else if clear_domains {
        policy.domain_mode = DomainMode::None;
        policy.domains.clear();
    }
    if let Some(v) = guest_visibility {
        policy.guest_visibility = v;
    }
    if let Some(days) = guest_lifetime_days {
        policy.guest_lifetime_days = (days > 0).then_some(days);
    }
    if let Some(o) = otp {
        policy.otp_enabled = o;
    }
    policy.validated().map_err(anyhow::Error::msg)
}

pub(super) fn run_cross_tenant(db_url: &str, command: CrossTenantCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let slug = match &command {
        CrossTenantCommand::Show { tenant } | CrossTenantCommand::Set { tenant, .. } => {
            tenant.clone()
        }
    };
    let tenant = provision::tenant(&db, &slug)?;
    let mut settings = db.read_blocking(|c| crate::store::cross_tenant::get(c, &tenant.id))?;
    if let CrossTenantCommand::Set { .. } = command {
        settings = apply_cross_tenant(settings, command)?;
        db.write_blocking(|c| crate::b2b::cross_tenant::save(c, &tenant.id, &settings, "cli"))?;
    }
    println!("{}", serde_json::to_string_pretty(&settings)?);
    Ok(())
}

/// The settings with what `cross-tenant set` gives changed, validated.
fn apply_cross_tenant(
    mut settings: CrossTenantAccess,
    command: CrossTenantCommand,
) -> anyhow::Result<CrossTenantAccess> {
    let CrossTenantCommand::Set {
        inbound_default,
        outbound_default,
        inbound_allow,
        inbound_block,
        outbound_allow,
        outbound_block,
        trust_mfa_default,
        trust_mfa,
        distrust_mfa,
        ..
    } = command
    else {
        return Ok(settings);
    };
    let access = |s: &str| {
        if s == "allow" {
            Access::Allow
        } else {
            Access::Block
        }
    };
    if let Some(d) = inbound_default {
        settings.inbound.default = access(&d);
    }
    if let Some(d) = outbound_default {
        settings.outbound.default = access(&d);
    }
    for (list, value) in [
        (inbound_allow, Access::Allow),
        (inbound_block, Access::Block),
    ] {
        for issuer in list {
            settings.inbound.partners.insert(issuer, value);
        }
    }
    for (list, value) in [
        (outbound_allow, Access::Allow),
        (outbound_block, Access::Block),
    ] {
        for issuer in list {
            settings.outbound.partners.insert(issuer, value);
        }
    }
    if let Some(mfa) = trust_mfa_default {
        settings.inbound_trust.default = TrustSettings { mfa };
    }
    for (list, mfa) in [(trust_mfa, true), (distrust_mfa, false)] {
        for issuer in list {
            settings
                .inbound_trust
                .partners
                .insert(issuer, TrustSettings { mfa });
        }
    }
    settings.validated().map_err(anyhow::Error::msg)
}
