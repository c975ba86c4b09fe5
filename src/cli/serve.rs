//! `portico serve` runs the server; `portico compare` runs the B2B/federation comparison.

use clap::Args;

use super::Global;
use super::idp::PrivateNetworks;
use crate::admin::demo;
use crate::config::Settings;
use crate::startup::Application;
use crate::store::Db;

#[derive(Args)]
pub(super) struct ServeArgs {
    /// Address and port to listen on.
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
    /// List every tenant on the server's start page (`/`). Off: the page
    /// asks for the organization's name instead of publishing a directory.
    #[arg(long, env = "PORTICO_LIST_TENANTS")]
    list_tenants: bool,
    /// Seconds a stopping server (SIGTERM) waits for requests in flight.
    #[arg(long, env = "PORTICO_SHUTDOWN_GRACE", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    shutdown_grace: u64,
    /// DPoP (RFC 9449 §8): demand a server nonce in proofs at the token
    /// endpoint (clients retry once with the `DPoP-Nonce` they are given).
    #[arg(long, env = "PORTICO_DPOP_NONCE", default_value_t = true, action = clap::ArgAction::Set)]
    dpop_nonce: bool,
    /// Seconds a DPoP proof stays acceptable after its `iat`.
    #[arg(long, env = "PORTICO_DPOP_PROOF_MAX_AGE", default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=300))]
    dpop_proof_max_age: u64,
    #[command(flatten)]
    key_timing: super::keys::KeyTiming,
}

pub(super) fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let db_url = &global.database_url;
    let bind = args.bind;
    // Bind before anything else: a taken port fails before a key file or a
    // database is created, the demo seeded, or credentials printed for a
    // server that never ran.
    let listener = crate::startup::bind(&bind)?;
    let public_url = args.public_url.unwrap_or_else(|| format!("http://{bind}"));
    let mut settings = Settings::new(&bind, &public_url, db_url)?;
    settings.smtp_url = args.smtp_url;
    settings.egress = crate::b2b::egress::EgressPolicy {
        endpoint_hosts: args.idp_endpoint_hosts,
        ..args.private.policy()
    };
    settings.sealer = Some(global.sealer()?);
    settings.invitation_lifetime = chrono::TimeDelta::days(args.invitation_days.into());
    settings.request_body_timeout = std::time::Duration::from_secs(args.request_body_timeout);
    settings.shutdown_grace = std::time::Duration::from_secs(args.shutdown_grace);
    settings.list_tenants = args.list_tenants || args.demo;
    settings.dpop = crate::config::DpopSettings {
        nonce_at_token_endpoint: args.dpop_nonce,
        proof_max_age: std::time::Duration::from_secs(args.dpop_proof_max_age),
    };
    args.key_timing.apply(&mut settings)?;
    let db = Db::connect(db_url)?;
    if args.demo {
        println!("{}", demo::seed(&db, &settings.public_url)?);
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build_on(settings, db, listener)?;
        tracing::info!(port = app.port(), "portico listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

#[derive(Args)]
pub(super) struct CompareArgs {
    /// Contoso members signing in.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=200))]
    members: u16,
    /// Users of each partner organization.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=200))]
    partner_users: u16,
    /// Print the figures as JSON instead of tables.
    #[arg(long)]
    json: bool,
}

pub(super) fn compare(args: CompareArgs) -> anyhow::Result<()> {
    let options = crate::compare::Options {
        members: args.members.into(),
        partner_users: args.partner_users.into(),
    };
    let report = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(crate::compare::run(options))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}
