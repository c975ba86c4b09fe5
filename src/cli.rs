//! The command line (DESIGN.md §6). Every command takes `--database-url`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::admin::guests::{self, GuestAction};
use crate::admin::{demo, provision};
use crate::b2b::invitation::{InviteRequest, Target};
use crate::b2b::policy::{DomainMode, GuestVisibility, WhoCanInvite};
use crate::config::{LogFormat, Settings};
use crate::domain::{GrantType, Permission};
use crate::startup::Application;
use crate::store::Db;
use crate::tokens::keys::SigningAlg;

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Multi-tenant OpenID Connect provider for B2B guest collaboration"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// `sqlite://path` (default, embedded) or `postgres://…`
    #[arg(
        long,
        global = true,
        env = "PORTICO_DATABASE_URL",
        default_value = "sqlite://portico.db"
    )]
    database_url: String,
    #[arg(
        long,
        global = true,
        env = "PORTICO_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    log_format: LogFormat,
    /// Key that seals stored upstream client secrets (32 bytes, base64url).
    /// Every replica must use the same key.
    #[arg(
        long,
        global = true,
        env = "PORTICO_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    /// Where the secret key is kept when PORTICO_SECRET_KEY is not set;
    /// created (owner-only) on first use.
    #[arg(
        long,
        global = true,
        env = "PORTICO_SECRET_KEY_FILE",
        default_value = "portico.key"
    )]
    secret_key_file: std::path::PathBuf,
}

impl Global {
    fn sealer(&self) -> anyhow::Result<crate::crypto::Sealer> {
        match &self.secret_key {
            Some(key) => crate::crypto::Sealer::from_base64(key),
            None => crate::crypto::Sealer::load_or_create(&self.secret_key_file),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[arg(long, env = "PORTICO_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Base URL that issuers are built from; defaults to http://{bind}.
        #[arg(long, env = "PORTICO_PUBLIC_URL")]
        public_url: Option<String>,
        /// Seed the Contoso/Proseware demo and print how to try it.
        #[arg(long)]
        demo: bool,
        /// Outgoing mail server, e.g. smtp://127.0.0.1:2525; unset = mail is logged.
        #[arg(long, env = "PORTICO_SMTP_URL")]
        smtp_url: Option<String>,
        /// How long invitation links stay valid, in days.
        #[arg(long, env = "PORTICO_INVITATION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
        invitation_days: u32,
        #[command(flatten)]
        private: PrivateNetworks,
        /// Another host that an issuer's endpoints (keys, token) may be on,
        /// as ISSUER=HOST[:PORT] (repeatable; comma-separated in the
        /// environment). Otherwise every endpoint must be on the issuer's own
        /// scheme, host and port, so its client secret goes nowhere else.
        #[arg(
            long = "idp-endpoint-host",
            env = "PORTICO_IDP_ENDPOINT_HOSTS",
            value_delimiter = ',',
            value_name = "ISSUER=HOST[:PORT]"
        )]
        idp_endpoint_hosts: Vec<crate::b2b::egress::EndpointHost>,
        /// Seconds a client may take to send a request body after its headers.
        #[arg(long, env = "PORTICO_REQUEST_BODY_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        request_body_timeout: u64,
        /// Seconds a stopping server (SIGTERM) waits for requests in flight.
        #[arg(long, env = "PORTICO_SHUTDOWN_GRACE", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        shutdown_grace: u64,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage app registrations.
    #[command(subcommand)]
    App(AppCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Invite a guest (to the tenant, a group or an app); prints the redemption link.
    Invite {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// Email of the inviting user of the tenant (the same rules as the portal apply).
        #[arg(long)]
        by: String,
        #[arg(long, conflicts_with = "app")]
        group: Option<String>,
        /// Client id of the application.
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        redirect_url: Option<String>,
        #[arg(long)]
        message: Option<String>,
        /// Base URL the redemption link is built from.
        #[arg(
            long,
            env = "PORTICO_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        /// How long the link stays valid, in days.
        #[arg(long, env = "PORTICO_INVITATION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
        invitation_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// List, block, unblock or remove guests.
    #[command(subcommand)]
    Guest(GuestCommand),
    /// Manage groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Show or change the tenant's collaboration policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show or change cross-tenant access (partners by issuer URL or tenant slug).
    #[command(subcommand)]
    CrossTenant(CrossTenantCommand),
    /// External OpenID providers that are homes for guests of given domains.
    #[command(subcommand)]
    Idp(IdpCommand),
    /// Send all of a tenant's member sign-in to one upstream OpenID provider.
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Compare B2B guests with a federated tenant: builds both on servers in
    /// this process (temporary databases), signs people in, takes the
    /// identity providers down and back up, and prints measured figures.
    Compare {
        /// Contoso members signing in.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=200))]
        members: u16,
        /// Users of each partner organization.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=200))]
        partner_users: u16,
        /// Print the figures as JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
}

/// The egress setting that `serve` and provider configuration share.
#[derive(Args)]
struct PrivateNetworks {
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
    fn policy(&self) -> crate::b2b::egress::EgressPolicy {
        crate::b2b::egress::EgressPolicy {
            allow_private_networks: self.allow,
            ..Default::default()
        }
    }
}

#[derive(Args)]
struct ProviderArgs {
    /// Shown to people on the sign-in pages.
    #[arg(long)]
    name: String,
    /// The provider's issuer URL (discovered through OIDC Discovery).
    #[arg(long)]
    issuer: String,
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
        }
    }
}

#[derive(Subcommand)]
enum IdpCommand {
    /// Adds a guest home for one or more email domains (redemption order 2).
    Add {
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        provider: ProviderArgs,
        /// Email domain whose guests sign in there (repeatable, at least one).
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
    },
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Changes a guest home: only what is given (the issuer cannot change).
    Update {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        client_id: Option<String>,
        /// Replaces the domains (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Replaces the scopes (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[arg(long)]
        email_claim: Option<String>,
        #[arg(long)]
        name_claim: Option<String>,
        /// Whether every email this provider sends counts as verified.
        #[arg(long, value_name = "true|false")]
        email_verified_trusted: Option<bool>,
        #[command(flatten)]
        private: PrivateNetworks,
        /// Replaces the client secret with PORTICO_IDP_CLIENT_SECRET.
        #[arg(long, env = "PORTICO_IDP_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<String>,
        /// Removes the client secret (a public client).
        #[arg(long, conflicts_with = "client_secret")]
        clear_secret: bool,
    },
    Remove {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
enum FederationCommand {
    /// Switches the tenant to federated mode with this upstream.
    Set {
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        provider: ProviderArgs,
    },
    /// Back to local sign-in (passwords kept here).
    Off {
        #[arg(long)]
        tenant: String,
    },
    Show {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum CrossTenantCommand {
    Show {
        #[arg(long)]
        tenant: String,
    },
    /// Changes only what is given.
    Set {
        #[arg(long)]
        tenant: String,
        #[arg(long, value_parser = ["allow", "block"])]
        inbound_default: Option<String>,
        #[arg(long, value_parser = ["allow", "block"])]
        outbound_default: Option<String>,
        /// Partners: issuer URLs, or slugs of tenants on this server (repeatable).
        #[arg(long = "inbound-allow")]
        inbound_allow: Vec<String>,
        #[arg(long = "inbound-block")]
        inbound_block: Vec<String>,
        #[arg(long = "outbound-allow")]
        outbound_allow: Vec<String>,
        #[arg(long = "outbound-block")]
        outbound_block: Vec<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    Show {
        #[arg(long)]
        tenant: String,
    },
    /// Changes only what is given.
    Set {
        #[arg(long)]
        tenant: String,
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
enum GuestCommand {
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        json: bool,
    },
    Block {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    Unblock {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    Remove {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Back to pending_acceptance with a new link; id, groups and apps are kept.
    Reset {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// Email of the administrator doing it (named in the new invitation).
        #[arg(long)]
        by: String,
        #[arg(
            long,
            env = "PORTICO_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
    /// Set or clear the end of a guest's access.
    Expire {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// RFC 3339 time, e.g. 2027-01-31T00:00:00Z.
        #[arg(long, conflicts_with = "never", required_unless_present = "never")]
        at: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long)]
        never: bool,
    },
}

#[derive(Subcommand)]
enum GroupCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        /// A verified email domain of this tenant (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Token signing algorithm: RS256 (default) or ES256.
        #[arg(long, default_value = "RS256")]
        alg: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(
            long,
            conflicts_with = "password_stdin",
            required_unless_present = "password_stdin"
        )]
        password: Option<String>,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (no secret; PKCE required).
        #[arg(long)]
        public: bool,
        /// Trusted by the tenant: no consent page.
        #[arg(long)]
        first_party: bool,
        /// Only users assigned to the app (directly or by group) may sign in.
        #[arg(long)]
        assignment_required: bool,
        #[arg(long = "grant", value_enum)]
        grants: Vec<GrantType>,
        #[arg(long = "permission", value_enum)]
        permissions: Vec<Permission>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new key active; the old one stays in the JWKS until its tokens expire.
    Rotate {
        #[arg(long)]
        tenant: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The comparison runs several servers in this process: only warnings.
    let quiet = matches!(cli.command, Command::Compare { .. });
    crate::telemetry::init(cli.global.log_format, if quiet { "warn" } else { "info" });
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    let db_url = global.database_url.clone();
    match cli.command {
        Command::Serve {
            bind,
            public_url,
            demo,
            smtp_url,
            invitation_days,
            private,
            idp_endpoint_hosts,
            request_body_timeout,
            shutdown_grace,
        } => {
            let public_url = public_url.unwrap_or_else(|| format!("http://{bind}"));
            let mut settings = Settings::new(&bind, &public_url, &db_url)?;
            settings.smtp_url = smtp_url;
            settings.egress = crate::b2b::egress::EgressPolicy {
                endpoint_hosts: idp_endpoint_hosts,
                ..private.policy()
            };
            settings.sealer = Some(global.sealer()?);
            settings.invitation_lifetime = chrono::TimeDelta::days(invitation_days.into());
            settings.request_body_timeout = std::time::Duration::from_secs(request_body_timeout);
            settings.shutdown_grace = std::time::Duration::from_secs(shutdown_grace);
            let db = Db::connect(&db_url)?;
            if demo {
                println!("{}", demo::seed(&db, &settings.public_url)?);
            }
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build_with_db(settings, db)?;
                tracing::info!(port = app.port(), "portico listening");
                app.run_until_stopped().await?;
                Ok(())
            })
        }
        Command::Tenant(TenantCommand::Create {
            slug,
            name,
            domains,
            alg,
        }) => {
            let alg = SigningAlg::parse(&alg)
                .ok_or_else(|| anyhow::anyhow!("--alg must be RS256 or ES256"))?;
            let db = Db::connect(&db_url)?;
            let tenant = provision::create_tenant(&db, &slug, &name, &domains, alg)?;
            println!("Created tenant {} ({})", tenant.slug, tenant.display_name);
            Ok(())
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            name,
            password,
            password_stdin,
            admin,
        }) => {
            let password = match (password, password_stdin) {
                (Some(p), _) => p,
                (None, _) => {
                    let mut buf = String::new();
                    std::io::stdin().read_to_string(&mut buf)?;
                    buf.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = Db::connect(&db_url)?;
            let user = provision::create_member(&db, &tenant, &email, &name, &password, admin)?;
            println!("Created user {} ({}) in {tenant}", user.email, user.id);
            Ok(())
        }
        Command::App(AppCommand::Create {
            tenant,
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            first_party,
            assignment_required,
            grants,
            permissions,
            json,
        }) => {
            let db = Db::connect(&db_url)?;
            let spec = provision::AppSpec {
                client_id: None,
                name,
                redirect_uris,
                post_logout_redirect_uris,
                public,
                first_party,
                grants,
                permissions,
            };
            let (client, secret) = provision::create_app(&db, &tenant, &spec)?;
            if assignment_required {
                provision::require_assignment(&db, &tenant, &client.client_id)?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({"client_id": client.client_id, "client_secret": secret})
                );
            } else {
                println!("Created app {} in {tenant}", client.name);
                println!("client_id:     {}", client.client_id);
                match secret {
                    Some(s) => {
                        println!("client_secret: {s}\n(shown once; only its hash is stored)")
                    }
                    None => println!("public client: no secret; use PKCE"),
                }
            }
            Ok(())
        }
        Command::Invite {
            tenant,
            email,
            by,
            group,
            app,
            redirect_url,
            message,
            public_url,
            invitation_days,
            json,
        } => {
            let db = Db::connect(&db_url)?;
            let tenant = provision::tenant(&db, &tenant)?;
            let settings = Settings::new("127.0.0.1:0", &public_url, &db_url)?;
            let issuer = crate::oidc::routes::issuer_url(&settings.public_url, &tenant.slug);
            let target = match (group, app) {
                (Some(g), _) => Target::Group(g),
                (_, Some(a)) => Target::App(a),
                _ => Target::Tenant,
            };
            let request = InviteRequest {
                email,
                target,
                redirect_url,
                message,
            };
            let invited = guests::invite_as(
                &db,
                &tenant,
                &issuer,
                &by,
                &request,
                chrono::TimeDelta::days(invitation_days.into()),
            )?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "invitation_id": invited.invitation.id,
                        "guest_user_id": invited.invitation.guest_user_id,
                        "redeem_url": invited.redeem_url,
                    })
                );
            } else {
                println!(
                    "Invited {} to {} (invitation {})",
                    invited.invitation.email, tenant.display_name, invited.invitation.id
                );
                println!("Redemption link (also emailed): {}", invited.redeem_url);
            }
            Ok(())
        }
        Command::Guest(command) => {
            let db = Db::connect(&db_url)?;
            let (slug, action, email) = match command {
                GuestCommand::List { tenant, json } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let guests = db.read_blocking(|c| {
                        crate::store::users::list(c, &tenant.id, Some("guest"))
                    })?;
                    if json {
                        let list: Vec<_> = guests.iter().map(guest_json).collect();
                        println!("{}", serde_json::json!({ "guests": list }));
                    } else {
                        println!(
                            "{:<36} {:<32} {:<20} {:<8} home",
                            "id", "email", "state", "status"
                        );
                        for g in &guests {
                            println!(
                                "{:<36} {:<32} {:<20} {:<8} {}",
                                g.id,
                                g.email,
                                g.external_state.as_deref().unwrap_or("-"),
                                g.status,
                                g.home_issuer.as_deref().unwrap_or("-")
                            );
                        }
                    }
                    return Ok(());
                }
                GuestCommand::Reset {
                    tenant,
                    email,
                    by,
                    public_url,
                } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let settings = Settings::new("127.0.0.1:0", &public_url, &db_url)?;
                    let issuer =
                        crate::oidc::routes::issuer_url(&settings.public_url, &tenant.slug);
                    let invited = db.write_blocking(|c| {
                        let actor = guests::inviter_by_email(c, &tenant, &by)?;
                        let guest =
                            crate::b2b::removal::find_user(c, &tenant.id, &email).map_err(|e| {
                                crate::b2b::invitation::InviteError::Invalid(e.to_string())
                            })?;
                        crate::b2b::invitation::reset_redemption(
                            c,
                            &tenant,
                            &issuer,
                            &actor,
                            &guest,
                            settings.invitation_lifetime,
                        )
                    })?;
                    println!(
                        "Reset {}; new redemption link (also emailed): {}",
                        email, invited.redeem_url
                    );
                    return Ok(());
                }
                GuestCommand::Expire {
                    tenant,
                    email,
                    at,
                    never: _,
                } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let expires = at.map(|t| t.naive_utc());
                    db.write_blocking(|c| -> anyhow::Result<()> {
                        let user = crate::b2b::removal::find_user(c, &tenant.id, &email)?;
                        crate::store::users::set_access_expiry(c, &tenant.id, &user.id, expires)?;
                        let detail = expires
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "never".into());
                        crate::store::audit::record(
                            c,
                            &tenant.id,
                            "cli",
                            "user.access_expiry_set",
                            Some(&user.email),
                            Some(&detail),
                        )?;
                        Ok(())
                    })?;
                    println!(
                        "Access of {email} now ends: {}",
                        expires
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "never".into())
                    );
                    return Ok(());
                }
                GuestCommand::Block { tenant, email } => (tenant, GuestAction::Block, email),
                GuestCommand::Unblock { tenant, email } => (tenant, GuestAction::Unblock, email),
                GuestCommand::Remove { tenant, email } => (tenant, GuestAction::Remove, email),
            };
            let tenant = provision::tenant(&db, &slug)?;
            let user = guests::act_on_guest(&db, &tenant, "cli", &email, action)?;
            println!("{action:?}: {} in {}", user.email, tenant.slug);
            Ok(())
        }
        Command::Group(GroupCommand::Create { tenant, name }) => {
            let db = Db::connect(&db_url)?;
            let group = provision::create_group(&db, &tenant, &name)?;
            println!("Created group {} ({})", group.name, group.id);
            Ok(())
        }
        Command::Policy(command) => {
            let db = Db::connect(&db_url)?;
            let slug = match &command {
                PolicyCommand::Show { tenant } | PolicyCommand::Set { tenant, .. } => {
                    tenant.clone()
                }
            };
            let tenant = provision::tenant(&db, &slug)?;
            let mut policy = db.read_blocking(|c| crate::store::policies::get(c, &tenant.id))?;
            if let PolicyCommand::Set {
                who_can_invite,
                allow_domains,
                deny_domains,
                clear_domains,
                guest_visibility,
                guest_lifetime_days,
                otp,
                ..
            } = command
            {
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
                policy = policy.validated().map_err(anyhow::Error::msg)?;
                db.write_blocking(|c| crate::b2b::policy::save(c, &tenant.id, &policy, "cli"))?;
            }
            println!("{}", serde_json::to_string_pretty(&policy)?);
            Ok(())
        }
        Command::CrossTenant(command) => {
            use crate::b2b::cross_tenant::Access;
            let db = Db::connect(&db_url)?;
            let slug = match &command {
                CrossTenantCommand::Show { tenant } | CrossTenantCommand::Set { tenant, .. } => {
                    tenant.clone()
                }
            };
            let tenant = provision::tenant(&db, &slug)?;
            let mut settings =
                db.read_blocking(|c| crate::store::cross_tenant::get(c, &tenant.id))?;
            if let CrossTenantCommand::Set {
                inbound_default,
                outbound_default,
                inbound_allow,
                inbound_block,
                outbound_allow,
                outbound_block,
                ..
            } = command
            {
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
                settings = settings.validated().map_err(anyhow::Error::msg)?;
                db.write_blocking(|c| {
                    crate::b2b::cross_tenant::save(c, &tenant.id, &settings, "cli")
                })?;
            }
            println!("{}", serde_json::to_string_pretty(&settings)?);
            Ok(())
        }
        Command::Idp(command) => {
            use crate::b2b::providers::{self, ProviderView};
            let db = Db::connect(&db_url)?;
            match command {
                IdpCommand::Add {
                    tenant,
                    provider,
                    domains,
                } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let policy = provider.private.policy();
                    let spec = provider
                        .spec(domains)
                        .validated_for(crate::store::idps::ROLE_GUESTS, &policy)
                        .map_err(anyhow::Error::msg)?;
                    let sealer = global.sealer()?;
                    let idp = db.write_blocking(|c| {
                        providers::add_guest_provider(c, &sealer, &tenant.id, spec, "cli")
                    })?;
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&ProviderView::from(&idp))?
                    );
                }
                IdpCommand::List { tenant } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let list = db.read_blocking(|c| crate::store::idps::list(c, &tenant.id))?;
                    let views: Vec<ProviderView> = list.iter().map(ProviderView::from).collect();
                    println!("{}", serde_json::to_string_pretty(&views)?);
                }
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
                    private,
                    client_secret,
                    clear_secret,
                } => {
                    let tenant = provision::tenant(&db, &tenant)?;
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
                    };
                    let sealer = global.sealer()?;
                    let policy = private.policy();
                    let updated = db
                        .write_blocking(|c| {
                            providers::update_guest_provider(
                                c, &sealer, &policy, &tenant.id, &id, patch, "cli",
                            )
                        })
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .ok_or_else(|| {
                            anyhow::anyhow!("no guest identity provider {id} in {}", tenant.slug)
                        })?;
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&ProviderView::from(&updated))?
                    );
                }
                IdpCommand::Remove { tenant, id } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let removed = db.write_blocking(|c| {
                        providers::remove_guest_provider(c, &tenant.id, &id, "cli")
                    })?;
                    anyhow::ensure!(
                        removed,
                        "no guest identity provider {id} in {}",
                        tenant.slug
                    );
                    println!("Removed identity provider {id}");
                }
            }
            Ok(())
        }
        Command::Federation(command) => {
            use crate::b2b::providers::{self, ProviderView};
            let db = Db::connect(&db_url)?;
            match command {
                FederationCommand::Set { tenant, provider } => {
                    let tenant = provision::tenant(&db, &tenant)?;
                    let policy = provider.private.policy();
                    let spec = provider
                        .spec(Vec::new())
                        .validated_for(crate::store::idps::ROLE_UPSTREAM, &policy)
                        .map_err(anyhow::Error::msg)?;
                    let sealer = global.sealer()?;
                    let idp = db.write_blocking(|c| {
                        providers::federate(c, &sealer, &tenant.id, spec, "cli")
                    })?;
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
                    let upstream =
                        db.read_blocking(|c| crate::store::idps::upstream(c, &tenant.id))?;
                    let view = serde_json::json!({
                        "auth_mode": tenant.auth_mode,
                        "upstream": upstream.as_ref().map(ProviderView::from),
                    });
                    println!("{}", serde_json::to_string_pretty(&view)?);
                }
            }
            Ok(())
        }
        Command::Compare {
            members,
            partner_users,
            json,
        } => {
            let options = crate::compare::Options {
                members: members.into(),
                partner_users: partner_users.into(),
            };
            let report = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(crate::compare::run(options))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { tenant }) => {
            let db = Db::connect(&db_url)?;
            let lifetimes = crate::config::Lifetimes::default();
            let keep =
                lifetimes.access_token.max(lifetimes.id_token) + chrono::TimeDelta::minutes(5);
            let kid = provision::rotate_key(&db, &tenant, keep)?;
            println!(
                "New active key {kid} for {tenant}; the previous key stays published for {} minutes",
                keep.num_minutes()
            );
            Ok(())
        }
    }
}

fn guest_json(g: &crate::store::users::User) -> serde_json::Value {
    serde_json::json!({
        "id": g.id,
        "email": g.email,
        "display_name": g.display_name,
        "external_state": g.external_state,
        "status": g.status,
        "home_issuer": g.home_issuer,
        "invited_by": g.invited_by,
        "access_expires_at": g.access_expires_at,
    })
}
