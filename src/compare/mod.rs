//! `portico compare` (DESIGN.md §5 "Federated tenant"): builds a B2B set-up
//! (Contoso with guests from two partner organizations, each signing in at its
//! own identity provider) and a federated set-up (Contoso sending all sign-in
//! to one upstream) on servers started in this process, signs everyone in
//! through both with the `openidconnect` crate as the app, takes the upstream
//! and one partner's provider down, signs in again, brings them back, onboards
//! one more partner in each design, and reports what it measured.

pub mod gate;
pub mod journey;
mod report;

use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

use self::gate::{Gate, Mode};
use self::journey::{Landing, drive_across};
use crate::admin::guests;
use crate::admin::provision::{self, AppSpec};
use crate::b2b::invitation::{InviteRequest, Target};
use crate::b2b::providers::{self, ProviderSpec};
use crate::config::Settings;
use crate::crypto::Sealer;
use crate::startup::Application;
use crate::store::{self, Db};
use crate::tokens::keys::SigningAlg;

pub use report::{Accounts, Latency, Onboarding, Report, SignIns};

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

/// One Portico server in this process, optionally behind a gate.
struct Server {
    /// Where it listens.
    base: String,
    /// Its public URL (the gate's, when gated).
    public: String,
    db: Db,
    sealer: Sealer,
    gate: Option<Gate>,
}

impl Server {
    async fn start(dir: &tempfile::TempDir, name: &str, gated: bool) -> anyhow::Result<Server> {
        let db_url = format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        );
        let mut settings = Settings::new("127.0.0.1:0", "http://127.0.0.1", &db_url)?;
        let mut gate = if gated {
            Some(Gate::bind().await?)
        } else {
            None
        };
        settings.public_url = gate
            .as_ref()
            .map(|g| g.url().to_owned())
            .unwrap_or_default();
        settings.upstream_connect_timeout = Duration::from_secs(1);
        settings.upstream_timeout = Duration::from_secs(3);
        // Everyone here signs in from 127.0.0.1: the per-IP guessing limit
        // would otherwise stand in for a crowd of different people.
        settings.throttling.per_ip_per_minute = 1_000_000;
        let sealer = Sealer::generate().0;
        settings.sealer = Some(sealer.clone());
        let app = Application::build(settings)?;
        let port = app.port();
        let db = app.state().db.clone();
        tokio::spawn(app.run_until_stopped());
        let base = format!("http://127.0.0.1:{port}");
        if let Some(gate) = gate.as_mut() {
            gate.forward_to(([127, 0, 0, 1], port).into());
        }
        Ok(Server {
            public: gate
                .as_ref()
                .map(|g| g.url().to_owned())
                .unwrap_or_else(|| base.clone()),
            base,
            db,
            sealer,
            gate,
        })
    }

    fn issuer(&self, slug: &str) -> String {
        format!("{}/t/{slug}", self.public)
    }

    fn set(&self, mode: Mode) {
        if let Some(gate) = &self.gate {
            gate.set(mode);
        }
    }
}

/// Operations performed, by who has to perform them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ledger {
    host_config: usize,
    host_per_user: usize,
    partner: usize,
    credentials_issued: usize,
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// An app of the host tenant, as a relying party.
struct App {
    rp: Rp,
    http: openidconnect::reqwest::Client,
}

impl App {
    async fn register(host: &Server, slug: &str) -> anyhow::Result<App> {
        let (client, secret) = provision::create_app(
            &host.db,
            slug,
            &AppSpec::sign_in_client("Project workspace", REDIRECT.into()),
        )?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()?;
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(host.issuer(slug))?, &http)
                .await
                .map_err(|e| anyhow::anyhow!("discovery of {slug}: {e}"))?;
        let rp = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(client.client_id),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into())?);
        Ok(App { rp, http })
    }

    /// One full sign-in in a fresh browser; the time to a verified ID token.
    async fn sign_in(
        &self,
        bases: &[&str],
        email: &str,
        password: &str,
    ) -> Result<Duration, String> {
        let started = Instant::now();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _, nonce) = self
            .rp
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        let browser = browser().map_err(|e| e.to_string())?;
        let back = match drive_across(bases, &browser, url.as_str(), email, password).await {
            Landing::Away(back) => back,
            Landing::Page(status, _) => return Err(format!("stopped on a {status} page")),
            Landing::Stuck(why) => return Err(why),
        };
        let code = url::Url::parse(&back)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or_else(|| format!("no code in {back}"))?;
        let tokens = self
            .rp
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| e.to_string())?;
        tokens
            .id_token()
            .ok_or("no ID token")?
            .claims(&self.rp.id_token_verifier(), &nonce)
            .map_err(|e| e.to_string())?;
        Ok(started.elapsed())
    }
}

fn browser() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
}

fn people(prefix: &str, domain: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}@{domain}")).collect()
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
    role: &str,
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
    }
    .validated(role)
    .map_err(anyhow::Error::msg)
}

/// A partner organization with its own identity provider server.
struct Partner {
    server: Server,
    slug: &'static str,
    domain: String,
    users: Vec<String>,
}

impl Partner {
    async fn start(
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
    fn trust(&self, host: &Server, host_slug: &str, ledger: &mut Ledger) -> anyhow::Result<()> {
        let spec = register_host_at(
            &self.server,
            self.slug,
            host,
            host_slug,
            vec![self.domain.clone()],
            store::idps::ROLE_GUESTS,
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

/// B2B onboarding of partner users: one invitation each, redeemed by the
/// person at their own provider.
async fn invite_and_redeem(
    host: &Server,
    partner: &Partner,
    inviter: &str,
    bases: &[&str],
    password: &str,
    ledger: &mut Ledger,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(&host.db, "contoso")?;
    for user in &partner.users {
        let invited = guests::invite_as(
            &host.db,
            &tenant,
            &host.issuer("contoso"),
            inviter,
            &InviteRequest {
                email: user.clone(),
                target: Target::Tenant,
                redirect_url: None,
                message: None,
            },
            chrono::TimeDelta::days(7),
        )?;
        ledger.host_per_user += 1;
        let landing = drive_across(bases, &browser()?, &invited.redeem_url, user, password).await;
        anyhow::ensure!(
            matches!(landing, Landing::Page(200, _)),
            "{user} could not redeem: {landing:?}"
        );
    }
    Ok(())
}

/// Federated onboarding of partner users: an account with a password at the
/// upstream for each, made and handed out by the host's administrators.
fn upstream_accounts(
    upstream: &Server,
    users: &[String],
    password: &str,
    ledger: &mut Ledger,
) -> anyhow::Result<()> {
    for user in users {
        provision::create_member(&upstream.db, "corp", user, user, password, false)?;
        ledger.host_per_user += 1;
        ledger.credentials_issued += 1;
    }
    Ok(())
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

/// Builds both set-ups, runs the three phases and the onboarding, and
/// returns every figure it measured.
pub async fn run(options: Options) -> anyhow::Result<Report> {
    anyhow::ensure!(
        options.members >= 1 && options.partner_users >= 1,
        "at least one member and one partner user are needed"
    );
    let dir = tempfile::tempdir()?;
    let password = format!("compare-{}", crate::crypto::random_token());
    let members = people("member", "contoso.example", options.members);
    let a_users = people("user", "proseware.example", options.partner_users);
    let b_users = people("user", "northwind.example", options.partner_users);
    let c_users = people("user", "fabrikam.example", options.partner_users);

    // The host server: `contoso` (B2B) and `contoso-fed` (federated).
    let host = Server::start(&dir, "host", false).await?;
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
    let proseware =
        Partner::start(&dir, "proseware", "Proseware", a_users.clone(), &password).await?;
    let northwind =
        Partner::start(&dir, "northwind", "Northwind", b_users.clone(), &password).await?;
    let upstream = Server::start(&dir, "upstream", true).await?;
    provision::create_tenant(
        &upstream.db,
        "corp",
        "Contoso corporate IdP",
        &[],
        SigningAlg::Rs256,
    )?;
    let bases_owned = [
        host.base.clone(),
        proseware.server.public.clone(),
        northwind.server.public.clone(),
        upstream.public.clone(),
    ];
    let bases: Vec<&str> = bases_owned.iter().map(String::as_str).collect();

    // B2B set-up: trust each partner's provider, invite and redeem its users.
    let mut b2b_setup = Ledger::default();
    for partner in [&proseware, &northwind] {
        partner.trust(&host, "contoso", &mut b2b_setup)?;
        invite_and_redeem(
            &host,
            partner,
            &members[0],
            &bases,
            &password,
            &mut b2b_setup,
        )
        .await?;
    }

    // Federated set-up: every member and partner user is an upstream account.
    let mut fed_setup = Ledger::default();
    let spec = register_host_at(
        &upstream,
        "corp",
        &host,
        "contoso-fed",
        Vec::new(),
        store::idps::ROLE_UPSTREAM,
    )?;
    fed_setup.host_config += 1;
    let fed_tenant = provision::tenant(&host.db, "contoso-fed")?;
    host.db.write_blocking(|c| {
        providers::federate(c, &host.sealer, &fed_tenant.id, spec, "compare")
    })?;
    fed_setup.host_config += 1;
    for m in &members {
        provision::create_member(&upstream.db, "corp", m, m, &password, false)?;
    }
    upstream_accounts(&upstream, &a_users, &password, &mut fed_setup)?;
    upstream_accounts(&upstream, &b_users, &password, &mut fed_setup)?;

    let b2b_app = App::register(&host, "contoso").await?;
    let fed_app = App::register(&host, "contoso-fed").await?;
    let populations: [(&str, &Vec<String>); 3] = [
        (MEMBERS, &members),
        (PARTNER_DOWN, &a_users),
        (PARTNER_UP, &b_users),
    ];

    let mut sign_ins = Vec::new();
    let mut samples: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for phase in PHASES {
        let mode = if phase == "IdP down" {
            Mode::Down
        } else {
            Mode::Up
        };
        // "The identity provider" of each design: the upstream, and one
        // partner's own provider.
        upstream.set(mode);
        proseware.server.set(mode);
        for (m, (mode_name, app)) in [(MODE_B2B, &b2b_app), (MODE_FEDERATED, &fed_app)]
            .into_iter()
            .enumerate()
        {
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
                    if let Ok(took) = app.sign_in(&bases, user, &password).await {
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

    let latency = [MODE_B2B, MODE_FEDERATED]
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
        .collect();

    let partner_domains = ["proseware.example", "northwind.example"];
    let (b2b_objects, b2b_creds) = count_users(&host.db, "contoso", &partner_domains)?;
    let (fed_accounts, fed_creds) = count_users(&upstream.db, "corp", &partner_domains)?;
    let (fed_objects, _) = count_users(&host.db, "contoso-fed", &partner_domains)?;
    let accounts = vec![
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
    ];

    // One more partner, Fabrikam, onboarded in each design and signed in.
    let fabrikam = Partner::start(&dir, "fabrikam", "Fabrikam", c_users.clone(), &password).await?;
    let mut bases_c = bases.clone();
    bases_c.push(&fabrikam.server.public);
    let mut b2b_add = Ledger::default();
    fabrikam.trust(&host, "contoso", &mut b2b_add)?;
    invite_and_redeem(
        &host,
        &fabrikam,
        &members[0],
        &bases_c,
        &password,
        &mut b2b_add,
    )
    .await?;
    let mut fed_add = Ledger::default();
    upstream_accounts(&upstream, &c_users, &password, &mut fed_add)?;
    let signed_in_up = |mode: &str| {
        sign_ins
            .iter()
            .filter(|r| r.mode == mode && r.phase == PHASES[0] && r.population != MEMBERS)
            .map(|r| r.succeeded)
            .sum::<usize>()
    };
    let mut onboarding = vec![
        Onboarding::from_ledger(
            MODE_B2B,
            "set up two partners",
            b2b_setup,
            a_users.len() + b_users.len(),
            signed_in_up(MODE_B2B),
        ),
        Onboarding::from_ledger(
            MODE_FEDERATED,
            "set up two partners",
            fed_setup,
            a_users.len() + b_users.len(),
            signed_in_up(MODE_FEDERATED),
        ),
    ];
    for (mode, app, ledger) in [
        (MODE_B2B, &b2b_app, b2b_add),
        (MODE_FEDERATED, &fed_app, fed_add),
    ] {
        let mut signed_in = 0;
        for user in &c_users {
            if app.sign_in(&bases_c, user, &password).await.is_ok() {
                signed_in += 1;
            }
        }
        onboarding.push(Onboarding::from_ledger(
            mode,
            "add one more partner",
            ledger,
            c_users.len(),
            signed_in,
        ));
    }

    Ok(Report {
        members: options.members,
        partner_users: options.partner_users,
        sign_ins,
        latency,
        accounts,
        onboarding,
    })
}
