//! `portico app`: app registrations, and how an app authenticates.

use clap::{Args, Subcommand};

use super::Global;
use super::idp::PrivateNetworks;
use crate::admin::client_auth::{self, ClientAuthSpec};
use crate::admin::provision;
use crate::domain::{GrantType, Permission, TokenAuthMethod};
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum AppCommand {
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
        #[command(flatten)]
        auth: AuthArgs,
        /// Authorization requests must be pushed first (RFC 9126).
        #[arg(long)]
        require_par: bool,
        #[arg(long)]
        json: bool,
    },
    /// Whether an app must push its authorization requests to /par first
    /// (RFC 9126 §6); plain /authorize requests from it then fail.
    Par {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
        /// Lift the requirement.
        #[arg(long)]
        off: bool,
    },
    /// Set how an app authenticates at the token, introspection and
    /// revocation endpoints.
    Auth {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        auth: AuthArgs,
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
    #[command(flatten)]
    private_networks: PrivateNetworks,
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
        global: &Global,
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
        let policy = self.private_networks.policy();
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
        AppCommand::Create {
            tenant,
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            first_party,
            assignment_required,
            grants,
            permissions,
            auth,
            require_par,
            json,
        } => {
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
            auth.spec()?;
            let (client, secret) = provision::create_app(&db, &tenant, &spec)?;
            if assignment_required {
                provision::require_assignment(&db, &tenant, &client.client_id)?;
            }
            let secret = auth
                .apply(global, &db, &tenant, &client.client_id)?
                .or(secret);
            if require_par {
                set_require_par(&db, &tenant, &client.client_id, true)?;
            }
            let sealed = auth.token_endpoint_auth_method == Some(TokenAuthMethod::ClientSecretJwt);
            print_created(&tenant, &client, secret, json, sealed);
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
            json,
        } => set_auth(global, &db, &tenant, &client_id, &auth, json)?,
    }
    Ok(())
}

/// `portico app auth`: a new method; prints a new secret if one was issued.
fn set_auth(
    global: &Global,
    db: &Db,
    tenant: &str,
    client_id: &str,
    auth: &AuthArgs,
    json: bool,
) -> anyhow::Result<()> {
    if auth.token_endpoint_auth_method.is_none() {
        anyhow::bail!("--token-endpoint-auth-method is required");
    }
    let secret = auth.apply(global, db, tenant, client_id)?;
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
    } else {
        println!("Created app {} in {tenant}", client.name);
        println!("client_id:     {}", client.client_id);
        match secret {
            Some(s) if sealed => println!(
                "client_secret: {s}\n(shown once; stored hashed, and sealed with the server key for client_secret_jwt)"
            ),
            Some(s) => println!("client_secret: {s}\n(shown once; only its hash is stored)"),
            None => println!("public client: no secret; use PKCE"),
        }
    }
}
