//! The two set-ups `portico compare` measures (DESIGN.md §5): B2B guests,
//! each partner trusted at its own identity provider, and a federated
//! tenant whose every user is an account at one upstream. Each step an
//! organization has to take is counted in a [`Ledger`].

use super::app::browser;
use super::journey::{Landing, drive_across};
use super::server::Server;
use crate::admin::guests;
use crate::admin::provision::{self, AppSpec};
use crate::b2b::invitation::{InviteRequest, Target};
use crate::b2b::providers::{self, ProviderSpec};
use crate::domain::IdpRole;
use crate::tokens::keys::SigningAlg;

/// Operations performed, by who has to perform them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ledger {
    pub(super) host_config: usize,
    pub(super) host_per_user: usize,
    pub(super) partner: usize,
    pub(super) credentials_issued: usize,
}

pub(super) fn people(prefix: &str, domain: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}@{domain}")).collect()
}

/// Everyone taking part: the host server (`contoso`, B2B, and `contoso-fed`,
/// federated) with its members, two partners with their own identity
/// providers, and the upstream of the federated set-up (tenant `corp`).
pub(super) struct World {
    pub(super) host: Server,
    pub(super) proseware: Partner,
    pub(super) northwind: Partner,
    pub(super) upstream: Server,
    pub(super) members: Vec<String>,
    pub(super) password: String,
    /// Every server's public URL, for the browser to follow.
    bases: Vec<String>,
}

impl World {
    pub(super) async fn start(
        dir: &tempfile::TempDir,
        options: super::Options,
    ) -> anyhow::Result<World> {
        let password = format!("compare-{}", crate::crypto::random_token());
        let members = people("member", "contoso.example", options.members);
        let a_users = people("user", "proseware.example", options.partner_users);
        let b_users = people("user", "northwind.example", options.partner_users);

        let host = Server::start(dir, "host", false).await?;
        let domains = ["contoso.example".to_owned()];
        provision::create_tenant(&host.db, "contoso", "Contoso", &domains, SigningAlg::Rs256)?;
        provision::create_tenant(
            &host.db,
            "contoso-fed",
            "Contoso (federated)",
            &[],
            SigningAlg::Rs256,
        )?;
        for m in &members {
            provision::create_member(&host.db, "contoso", m, m, &password, false)?;
        }

        // The partners' own identity providers, and the upstream of the federated set-up.
        let proseware = Partner::start(dir, "proseware", "Proseware", a_users, &password).await?;
        let northwind = Partner::start(dir, "northwind", "Northwind", b_users, &password).await?;
        let upstream = Server::start(dir, "upstream", true).await?;
        provision::create_tenant(
            &upstream.db,
            "corp",
            "Contoso corporate IdP",
            &[],
            SigningAlg::Rs256,
        )?;
        let bases = vec![
            host.base.clone(),
            proseware.server.public.clone(),
            northwind.server.public.clone(),
            upstream.public.clone(),
        ];
        Ok(World {
            host,
            proseware,
            northwind,
            upstream,
            members,
            password,
            bases,
        })
    }

    pub(super) fn bases(&self) -> Vec<&str> {
        self.bases.iter().map(String::as_str).collect()
    }

    /// B2B set-up: trust each partner's provider, invite and redeem its users.
    pub(super) async fn set_up_b2b(&self) -> anyhow::Result<Ledger> {
        let mut ledger = Ledger::default();
        for partner in [&self.proseware, &self.northwind] {
            partner.trust(&self.host, "contoso", &mut ledger)?;
            self.invite_and_redeem(partner, &self.bases(), &mut ledger)
                .await?;
        }
        Ok(ledger)
    }

    /// Federated set-up: every member and partner user is an upstream account.
    pub(super) fn set_up_federated(&self) -> anyhow::Result<Ledger> {
        let (host, upstream) = (&self.host, &self.upstream);
        let mut ledger = Ledger::default();
        let spec = register_host_at(
            upstream,
            "corp",
            host,
            "contoso-fed",
            Vec::new(),
            IdpRole::Upstream,
        )?;
        ledger.host_config += 1;
        let fed_tenant = provision::tenant(&host.db, "contoso-fed")?;
        host.db.write_blocking(|c| {
            providers::federate(c, &host.sealer, &fed_tenant.id, spec, "compare")
        })?;
        ledger.host_config += 1;
        for m in &self.members {
            provision::create_member(&upstream.db, "corp", m, m, &self.password, false)?;
        }
        self.upstream_accounts(&self.proseware.users, &mut ledger)?;
        self.upstream_accounts(&self.northwind.users, &mut ledger)?;
        Ok(ledger)
    }

    /// B2B onboarding of partner users: one invitation each (from the first
    /// member), redeemed by the person at their own provider.
    pub(super) async fn invite_and_redeem(
        &self,
        partner: &Partner,
        bases: &[&str],
        ledger: &mut Ledger,
    ) -> anyhow::Result<()> {
        let host = &self.host;
        let tenant = provision::tenant(&host.db, "contoso")?;
        for user in &partner.users {
            let invited = guests::invite_as(
                &host.db,
                &tenant,
                &host.issuer("contoso"),
                &self.members[0],
                &InviteRequest {
                    email: user.clone(),
                    target: Target::Tenant,
                    redirect_url: None,
                    message: None,
                },
                chrono::TimeDelta::days(7),
            )?;
            ledger.host_per_user += 1;
            let landing = drive_across(
                bases,
                &browser()?,
                &invited.redeem_url,
                user,
                &self.password,
            )
            .await;
            anyhow::ensure!(
                matches!(landing, Landing::Page(200, _)),
                "{user} could not redeem: {landing:?}"
            );
        }
        Ok(())
    }

    /// Federated onboarding of partner users: an account with a password at
    /// the upstream for each, made and handed out by the host's administrators.
    pub(super) fn upstream_accounts(
        &self,
        users: &[String],
        ledger: &mut Ledger,
    ) -> anyhow::Result<()> {
        for user in users {
            provision::create_member(&self.upstream.db, "corp", user, user, &self.password, false)?;
            ledger.host_per_user += 1;
            ledger.credentials_issued += 1;
        }
        Ok(())
    }
}

/// Registers `host_slug` of the host as a confidential client of `slug` at
/// `idp` (its callback as redirect URI) and returns the provider settings
/// the host needs for it.
fn register_host_at(
    idp: &Server,
    slug: &str,
    host: &Server,
    host_slug: &str,
    domains: Vec<String>,
    role: IdpRole,
) -> anyhow::Result<ProviderSpec> {
    let (client, secret) = provision::create_app(
        &idp.db,
        slug,
        &AppSpec::sign_in_client(
            &format!("Sign-in for {host_slug}"),
            format!("{}/callback/home", host.issuer(host_slug)),
        ),
    )?;
    ProviderSpec {
        display_name: format!("{slug} sign-in"),
        issuer: idp.issuer(slug),
        client_id: client.client_id,
        client_secret: secret,
        scopes: vec!["email".into(), "profile".into()],
        domains,
        email_claim: "email".into(),
        name_claim: "name".into(),
        email_verified_trusted: false,
        trust_mfa: false,
    }
    .validated(role)
    .map_err(anyhow::Error::msg)
}

/// A partner organization with its own identity provider server.
pub(super) struct Partner {
    pub(super) server: Server,
    slug: &'static str,
    domain: String,
    pub(super) users: Vec<String>,
}

impl Partner {
    pub(super) async fn start(
        dir: &tempfile::TempDir,
        slug: &'static str,
        name: &str,
        users: Vec<String>,
        password: &str,
    ) -> anyhow::Result<Partner> {
        let server = Server::start(dir, slug, true).await?;
        let domain = users[0]
            .split_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        provision::create_tenant(
            &server.db,
            slug,
            name,
            std::slice::from_ref(&domain),
            SigningAlg::Rs256,
        )?;
        for user in &users {
            provision::create_member(&server.db, slug, user, user, password, false)?;
        }
        Ok(Partner {
            server,
            slug,
            domain,
            users,
        })
    }

    /// B2B onboarding: the partner registers the host as a client of its
    /// provider; the host adds that provider for the partner's domain.
    pub(super) fn trust(
        &self,
        host: &Server,
        host_slug: &str,
        ledger: &mut Ledger,
    ) -> anyhow::Result<()> {
        let spec = register_host_at(
            &self.server,
            self.slug,
            host,
            host_slug,
            vec![self.domain.clone()],
            IdpRole::Guests,
        )?;
        ledger.partner += 1;
        let tenant = provision::tenant(&host.db, host_slug)?;
        host.db.write_blocking(|c| {
            providers::add_guest_provider(c, &host.sealer, &tenant.id, spec, "compare")
        })?;
        ledger.host_config += 1;
        Ok(())
    }
}
