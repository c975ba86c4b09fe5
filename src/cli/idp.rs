//! `portico idp` and `portico federation`: upstream OpenID providers.

use clap::{Args, Subcommand};

use super::Global;
use crate::admin::provision;
use crate::b2b::providers::{self, ProviderView};
use crate::domain::IdpRole;
use crate::store::Db;

/// The egress setting that `serve` and provider configuration share.
#[derive(Args)]
pub(super) struct PrivateNetworks {
    /// Let identity providers (issuers and their endpoints) be on private
    /// networks: RFC 1918, CGNAT, unique-local. Link-local and cloud-metadata
    /// addresses are refused regardless; loopback is always allowed.
    #[arg(
        long = "idp-allow-private-networks",
        env = "PORTICO_IDP_ALLOW_PRIVATE_NETWORKS"
    )]
    allow: bool,
}

impl PrivateNetworks {
    pub(super) fn policy(&self) -> crate::b2b::egress::EgressPolicy {
        crate::b2b::egress::EgressPolicy {
            allow_private_networks: self.allow,
            ..Default::default()
        }
    }
}

#[derive(Args)]
pub(super) struct ProviderArgs {
    /// Shown to people on the sign-in pages.
    #[arg(long)]
    name: String,
    /// The provider's issuer URL (discovered through OIDC Discovery).
    #[arg(long)]
    issuer: String,
    /// The client id this tenant has at the provider.
    #[arg(long)]
    client_id: String,
    /// Read from the environment so it stays out of shell history.
    #[arg(long, env = "PORTICO_IDP_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// Scopes besides `openid` (repeatable; default: email profile).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// The claim that carries the email address.
    #[arg(long, default_value = "email")]
    email_claim: String,
    /// The claim that carries the display name.
    #[arg(long, default_value = "name")]
    name_claim: String,
    /// Every email this provider sends is verified: accept it without
    /// `email_verified: true` in the token.
    #[arg(long)]
    email_verified_trusted: bool,
    /// Multifactor authentication this provider proves (its ID token's
    /// `amr` has `mfa`, or its `acr` is a two-factor class) counts here.
    #[arg(long)]
    trust_mfa: bool,
    #[command(flatten)]
    private: PrivateNetworks,
}

impl ProviderArgs {
    fn spec(self, domains: Vec<String>) -> crate::b2b::providers::ProviderSpec {
        crate::b2b::providers::ProviderSpec {
            display_name: self.name,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: self.client_secret,
            scopes: if self.scopes.is_empty() {
                vec!["email".into(), "profile".into()]
            } else {
                self.scopes
            },
            domains,
            email_claim: self.email_claim,
            name_claim: self.name_claim,
            email_verified_trusted: self.email_verified_trusted,
            trust_mfa: self.trust_mfa,
        }
    }
}

#[derive(Subcommand)]
pub(super) enum IdpCommand {
    /// Adds a guest home for one or more email domains (redemption order 2).
    Add {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        provider: ProviderArgs,
        /// Email domain whose guests sign in there (repeatable, at least one).
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
    },
    /// List the tenant's identity providers (never their secrets).
    List {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Changes a guest home: only what is given (the issuer cannot change).
    Update {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The provider's id (from `portico idp list`).
        #[arg(long)]
        id: String,
        /// A new name, shown on the sign-in pages.
        #[arg(long)]
        name: Option<String>,
        /// The client id this tenant has at the provider.
        #[arg(long)]
        client_id: Option<String>,
        /// Replaces the domains (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Replaces the scopes (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A new claim that carries the email address.
        #[arg(long)]
        email_claim: Option<String>,
        /// A new claim that carries the display name.
        #[arg(long)]
        name_claim: Option<String>,
        /// Whether every email this provider sends counts as verified.
        #[arg(long, value_name = "true|false")]
        email_verified_trusted: Option<bool>,
        /// Whether MFA this provider proves counts here.
        #[arg(long, value_name = "true|false")]
        trust_mfa: Option<bool>,
        #[command(flatten)]
        private: PrivateNetworks,
        /// Replaces the client secret with PORTICO_IDP_CLIENT_SECRET.
        #[arg(long, env = "PORTICO_IDP_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<String>,
        /// Removes the client secret (a public client).
        #[arg(long, conflicts_with = "client_secret")]
        clear_secret: bool,
    },
    /// Remove an identity provider.
    Remove {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The provider's id (from `portico idp list`).
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
pub(super) enum FederationCommand {
    /// Switches the tenant to federated mode with this upstream.
    Set {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        provider: ProviderArgs,
    },
    /// Back to local sign-in (passwords kept here).
    Off {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Print the tenant's sign-in mode and upstream provider.
    Show {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
}

/// What `idp update` gives.
struct UpdateArgs {
    tenant: String,
    id: String,
    patch: providers::ProviderPatch,
    private: PrivateNetworks,
}

pub(super) fn run(global: &Global, command: IdpCommand) -> anyhow::Result<()> {
    let db = Db::connect(&global.database_url)?;
    match command {
        IdpCommand::Add {
            tenant,
            provider,
            domains,
        } => add(global, &db, &tenant, provider, domains)?,
        IdpCommand::List { tenant } => list(&db, &tenant)?,
        IdpCommand::Update {
            tenant,
            id,
            name,
            client_id,
            domains,
            scopes,
            email_claim,
            name_claim,
            email_verified_trusted,
            trust_mfa,
            private,
            client_secret,
            clear_secret,
        } => {
            let patch = providers::ProviderPatch {
                display_name: name,
                client_id,
                client_secret: if clear_secret {
                    Some(None)
                } else {
                    client_secret.map(Some)
                },
                scopes: (!scopes.is_empty()).then_some(scopes),
                domains: (!domains.is_empty()).then_some(domains),
                email_claim,
                name_claim,
                email_verified_trusted,
                trust_mfa,
            };
            let args = UpdateArgs {
                tenant,
                id,
                patch,
                private,
            };
            update(global, &db, args)?
        }
        IdpCommand::Remove { tenant, id } => remove(&db, &tenant, &id)?,
    }
    Ok(())
}

fn add(
    global: &Global,
    db: &Db,
    tenant: &str,
    provider: ProviderArgs,
    domains: Vec<String>,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let policy = provider.private.policy();
    let spec = provider
        .spec(domains)
        .validated_for(IdpRole::Guests, &policy)
        .map_err(anyhow::Error::msg)?;
    let sealer = global.sealer()?;
    let idp =
        db.write_blocking(|c| providers::add_guest_provider(c, &sealer, &tenant.id, spec, "cli"))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&ProviderView::from(&idp))?
    );
    Ok(())
}

fn list(db: &Db, tenant: &str) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let list = db.read_blocking(|c| crate::store::idps::list(c, &tenant.id))?;
    let views: Vec<ProviderView> = list.iter().map(ProviderView::from).collect();
    println!("{}", serde_json::to_string_pretty(&views)?);
    Ok(())
}

fn update(global: &Global, db: &Db, args: UpdateArgs) -> anyhow::Result<()> {
    let UpdateArgs {
        tenant,
        id,
        patch,
        private,
    } = args;
    let tenant = provision::tenant(db, &tenant)?;
    let sealer = global.sealer()?;
    let policy = private.policy();
    let updated = db
        .write_blocking(|c| {
            providers::update_guest_provider(c, &sealer, &policy, &tenant.id, &id, patch, "cli")
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no guest identity provider {id} in {}", tenant.slug))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&ProviderView::from(&updated))?
    );
    Ok(())
}

fn remove(db: &Db, tenant: &str, id: &str) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let removed =
        db.write_blocking(|c| providers::remove_guest_provider(c, &tenant.id, id, "cli"))?;
    anyhow::ensure!(
        removed,
        "no guest identity provider {id} in {}",
        tenant.slug
    );
    println!("Removed identity provider {id}");
    Ok(())
}

pub(super) fn run_federation(global: &Global, command: FederationCommand) -> anyhow::Result<()> {
    let db = Db::connect(&global.database_url)?;
    match command {
        FederationCommand::Set { tenant, provider } => {
            let tenant = provision::tenant(&db, &tenant)?;
            let policy = provider.private.policy();
            let spec = provider
                .spec(Vec::new())
                .validated_for(IdpRole::Upstream, &policy)
                .map_err(anyhow::Error::msg)?;
            let sealer = global.sealer()?;
            let idp =
                db.write_blocking(|c| providers::federate(c, &sealer, &tenant.id, spec, "cli"))?;
            println!(
                "{} is federated: all member sign-in goes to {}",
                tenant.slug, idp.issuer
            );
        }
        FederationCommand::Off { tenant } => {
            let tenant = provision::tenant(&db, &tenant)?;
            db.write_blocking(|c| providers::unfederate(c, &tenant.id, "cli"))?;
            println!("{} signs its members in locally", tenant.slug);
        }
        FederationCommand::Show { tenant } => {
            let tenant = provision::tenant(&db, &tenant)?;
            let upstream = db.read_blocking(|c| crate::store::idps::upstream(c, &tenant.id))?;
            let view = serde_json::json!({
                "auth_mode": tenant.auth_mode,
                "upstream": upstream.as_ref().map(ProviderView::from),
            });
            println!("{}", serde_json::to_string_pretty(&view)?);
        }
    }
    Ok(())
}
