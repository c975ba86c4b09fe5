//! `portico app`: app registrations.

use clap::{ArgGroup, Args, Subcommand};

use super::Global;
use super::app_backchannel::{self, BackchannelArgs};
use super::idp::PrivateNetworks;
use crate::admin::client_auth::{self, ClientAuthError, ClientAuthSpec};
use crate::admin::provision::{self, SettingsChange};
use crate::domain::{GrantType, HomeUrl, Permission, TokenAuthMethod};
use crate::store::{self, Db};

#[derive(Args)]
pub(super) struct CreateArgs {
    /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
    #[arg(long)]
    tenant: String,
    /// The app's name, shown on consent and My apps.
    #[arg(long)]
    name: String,
    /// Where the app receives codes; matched exactly (repeatable).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Where the app may send people after sign-out (repeatable).
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
    /// Every token request must carry a DPoP proof (RFC 9449 §5.2).
    #[arg(long)]
    dpop_bound_access_tokens: bool,
    /// Authorization requests must be pushed first (RFC 9126).
    #[arg(long)]
    require_par: bool,
    /// A grant the app may use (repeatable; default: authorization_code and refresh_token).
    #[arg(long = "grant", value_enum)]
    grants: Vec<GrantType>,
    /// An admin API permission of the app's own tokens (repeatable).
    #[arg(long = "permission", value_enum)]
    permissions: Vec<Permission>,
    /// The app's home page, linked from My apps: an https URL (http
    /// only on a loopback address).
    #[arg(long, value_parser = HomeUrl::parse)]
    home_url: Option<HomeUrl>,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    backchannel: BackchannelArgs,
    #[command(flatten)]
    private_networks: PrivateNetworks,
    /// Print client_id and client_secret as JSON.
    #[arg(long)]
    json: bool,
}

/// `portico app update`: at least one change.
#[derive(Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)))]
pub(super) struct UpdateArgs {
    /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
    #[arg(long)]
    tenant: String,
    /// The app's client id.
    #[arg(long)]
    client_id: String,
    /// A new home page, linked from My apps: an https URL (http only on a
    /// loopback address).
    #[arg(long, value_parser = HomeUrl::parse, group = "change")]
    home_url: Option<HomeUrl>,
    /// Remove the app's home page (My apps shows its name unlinked).
    #[arg(long, conflicts_with = "home_url", group = "change")]
    clear_home_url: bool,
    /// The app's redirect URIs from now on, replacing the list; matched
    /// exactly (repeatable).
    #[arg(long = "redirect-uri", group = "change")]
    redirect_uris: Vec<String>,
    /// The app's post-logout redirect URIs from now on, replacing the list
    /// (repeatable).
    #[arg(long = "post-logout-redirect-uri", group = "change")]
    post_logout_redirect_uris: Vec<String>,
    /// Remove every post-logout redirect URI.
    #[arg(long, conflicts_with = "post_logout_redirect_uris", group = "change")]
    clear_post_logout_redirect_uris: bool,
}

#[derive(Subcommand)]
pub(super) enum AppCommand {
    /// Register an app (an OpenID Connect client); prints its secret once.
    Create(CreateArgs),
    /// Change a registered app: only what is given.
    Update(UpdateArgs),
    /// Set (or, without a URI, remove) where the app hears of a session's
    /// end (OpenID Connect Back-Channel Logout).
    Backchannel {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        backchannel: BackchannelArgs,
        #[command(flatten)]
        private_networks: PrivateNetworks,
    },
    /// Whether an app must push its authorization requests to /par first
    /// (RFC 9126 §6); plain /authorize requests from it then fail.
    Par {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        /// Lift the requirement.
        #[arg(long)]
        off: bool,
    },
    /// Set how an app authenticates at the token, introspection and
    /// revocation endpoints.
    Auth {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        private_networks: PrivateNetworks,
        /// Print client_id and any new client_secret as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// How the app authenticates (RFC 7591 names).
#[derive(Args)]
pub(super) struct AuthArgs {
    /// client_secret_basic, client_secret_post, client_secret_jwt
    /// (issues a new secret), private_key_jwt (with --jwks-file or
    /// --jwks-uri) or none (public apps).
    #[arg(long)]
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    /// A file holding the app's JSON Web Key Set (private_key_jwt).
    #[arg(long)]
    jwks_file: Option<std::path::PathBuf>,
    /// Where the app publishes its JSON Web Key Set (private_key_jwt).
    #[arg(long)]
    jwks_uri: Option<String>,
}

impl AuthArgs {
    fn spec(&self) -> anyhow::Result<Option<ClientAuthSpec>> {
        let Some(method) = self.token_endpoint_auth_method else {
            if self.jwks_file.is_some() || self.jwks_uri.is_some() {
                anyhow::bail!("--jwks-file and --jwks-uri go with --token-endpoint-auth-method");
            }
            return Ok(None);
        };
        let jwks = self
            .jwks_file
            .as_ref()
            .map(|path| {
                std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
            })
            .transpose()?;
        Ok(Some(ClientAuthSpec {
            method,
            jwks,
            jwks_uri: self.jwks_uri.clone(),
        }))
    }

    /// Records the method; answers a new secret if one was issued.
    fn apply(
        &self,
        (global, private): (&Global, &PrivateNetworks),
        db: &Db,
        tenant: &str,
        client_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let Some(spec) = self.spec()? else {
            return Ok(None);
        };
        let sealer = match spec.method {
            TokenAuthMethod::ClientSecretJwt => Some(global.sealer()?),
            _ => None,
        };
        let tenant = provision::tenant(db, tenant)?;
        let policy = private.policy();
        Ok(db.write_blocking(|c| {
            client_auth::register(
                c,
                sealer.as_ref(),
                &policy,
                &tenant.id,
                client_id,
                spec,
                "cli",
            )
        })?)
    }
}

pub(super) fn run(global: &Global, command: AppCommand) -> anyhow::Result<()> {
    let db = Db::connect(&global.database_url)?;
    match command {
        AppCommand::Create(args) => create(global, &db, args)?,
        AppCommand::Update(args) => update(&db, args)?,
        AppCommand::Backchannel {
            tenant,
            client_id,
            backchannel,
            private_networks,
        } => {
            let args = (&backchannel, &private_networks);
            app_backchannel::run(&global.database_url, &tenant, &client_id, args)?
        }
        AppCommand::Par {
            tenant,
            client_id,
            off,
        } => {
            set_require_par(&db, &tenant, &client_id, !off)?;
            let now = if off { "need not" } else { "must" };
            println!("{client_id} {now} push its authorization requests");
        }
        AppCommand::Auth {
            tenant,
            client_id,
            auth,
            private_networks,
            json,
        } => {
            let how = (global, &private_networks);
            set_auth(how, &db, (&tenant, &client_id), &auth, json)?
        }
    }
    Ok(())
}

/// Applies what was given through the function the API and the console
/// use, audited as the CLI, in one transaction; says what the app now has.
fn update(db: &Db, args: UpdateArgs) -> anyhow::Result<()> {
    let uris = |list: &[String]| {
        (!list.is_empty())
            .then(|| provision::parse_redirect_uris(list).map_err(anyhow::Error::msg))
            .transpose()
    };
    let post_logout = match args.clear_post_logout_redirect_uris {
        true => Some(Vec::new()),
        false => uris(&args.post_logout_redirect_uris)?,
    };
    let change = SettingsChange {
        home_url: match (args.home_url, args.clear_home_url) {
            (Some(url), _) => Some(Some(url)),
            (None, true) => Some(None),
            (None, false) => None,
        },
        redirect_uris: uris(&args.redirect_uris)?,
        post_logout_redirect_uris: post_logout,
        ..SettingsChange::default()
    };
    let tenant = provision::tenant(db, &args.tenant)?;
    let client_id = args.client_id.as_str();
    let found: Result<bool, ClientAuthError> =
        db.write_blocking(|c| provision::change_settings(c, &tenant.id, client_id, &change, "cli"));
    anyhow::ensure!(found?, "no app {client_id} in {}", tenant.slug);
    let home = db.read_blocking(|c| store::apps::home_url_of(c, &tenant.id, client_id))?;
    let app = db
        .read_blocking(|c| store::apps::find(c, &tenant.id, client_id))?
        .ok_or_else(|| anyhow::anyhow!("no app {client_id} in {}", tenant.slug))?;
    let listed = |list: &[crate::domain::RedirectUri]| match list.len() {
        0 => "none".to_owned(),
        _ => list
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    };
    println!("App {client_id} in {}:", tenant.slug);
    match home {
        Some(url) => println!("  home page: {url}"),
        None => println!("  home page: none"),
    }
    println!("  redirect URIs: {}", listed(&app.redirect_uris));
    println!(
        "  post-logout redirect URIs: {}",
        listed(&app.post_logout_redirect_uris)
    );
    Ok(())
}

fn create(global: &Global, db: &Db, args: CreateArgs) -> anyhow::Result<()> {
    let CreateArgs {
        tenant,
        name,
        redirect_uris,
        post_logout_redirect_uris,
        public,
        first_party,
        assignment_required,
        dpop_bound_access_tokens,
        require_par,
        grants,
        permissions,
        home_url,
        auth,
        backchannel,
        private_networks,
        json,
    } = args;
    // Everything is checked before anything is stored, then stored at once.
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
    let app = spec.checked().map_err(anyhow::Error::msg)?;
    let settings = provision::AppSettings {
        assignment_required,
        require_mfa: false,
        dpop_bound_access_tokens,
        require_par,
        home_url,
        auth: auth.spec()?,
        backchannel: backchannel.registration(&private_networks)?,
    };
    let sealed = auth.token_endpoint_auth_method == Some(TokenAuthMethod::ClientSecretJwt);
    let sealer = if sealed { Some(global.sealer()?) } else { None };
    let keys = (sealer.as_ref(), &private_networks.policy());
    let registered = provision::register_app(db, &tenant, keys, (app, settings), "cli")?;
    print_created(&tenant, &registered.client, registered.secret, json, sealed);
    Ok(())
}

/// `portico app auth`: a new method; prints a new secret if one was issued.
fn set_auth(
    how: (&Global, &PrivateNetworks),
    db: &Db,
    (tenant, client_id): (&str, &str),
    auth: &AuthArgs,
    json: bool,
) -> anyhow::Result<()> {
    if auth.token_endpoint_auth_method.is_none() {
        anyhow::bail!("--token-endpoint-auth-method is required");
    }
    let secret = auth.apply(how, db, tenant, client_id)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"client_id": client_id, "client_secret": secret})
        );
    } else {
        println!("Updated how {client_id} authenticates in {tenant}");
        if let Some(s) = secret {
            println!("client_secret: {s}\n(shown once; a new secret, the old one no longer works)");
        }
    }
    Ok(())
}

fn set_require_par(db: &Db, tenant: &str, client_id: &str, required: bool) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let found = db.write_blocking(|c| {
        client_auth::set_require_par(c, &tenant.id, client_id, required, "cli")
    })?;
    anyhow::ensure!(found, "no app {client_id}");
    Ok(())
}

fn print_created(
    tenant: &str,
    client: &crate::store::apps::Client,
    secret: Option<String>,
    json: bool,
    sealed: bool,
) {
    if json {
        println!(
            "{}",
            serde_json::json!({"client_id": client.client_id, "client_secret": secret})
        );
        return;
    }
    println!("Created app {} in {tenant}", client.name);
    println!("client_id:     {}", client.client_id);
    match secret {
        Some(s) if sealed => println!(
            "client_secret: {s}\n(shown once; stored hashed, and sealed with the server key for client_secret_jwt)"
        ),
        Some(s) => println!("client_secret: {s}\n(shown once; only its hash is stored)"),
        None if client.allows(GrantType::AuthorizationCode) => {
            println!("public client: no secret; use PKCE")
        }
        None => println!("public client: no secret"),
    }
}
