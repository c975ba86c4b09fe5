//! Registering an app (an OpenID Connect client): one connection-level
//! function taking the actor, called alike by the CLI, the demo, the admin
//! API and the console, so that the rules and the audit hold on every path.
//! Later changes: `app_changes.rs`.

use crate::admin::client_auth::{self, ClientAuthError, ClientAuthSpec};
use crate::crypto::{Sealer, random_token, token_hash};
use crate::domain::TenantId;
use crate::domain::egress::EgressPolicy;
use crate::domain::{AuditAction, ClientType, GrantType, HomeUrl, Permission, RedirectUri};
use crate::state::AppState;
use crate::store::apps::{AppSwitch, BackchannelLogout, Client, NewApp};
use crate::store::{self, Db, DbConn};

use super::app_changes::{SettingsChange, change_settings, set_assignment_required};
use super::{ProvisionError, ProvisionResult, tenant};

/// Bounds on what one registration may list.
const MAX_NAME_LEN: usize = 200;
const MAX_URIS: usize = 20;

pub struct AppSpec {
    pub client_id: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub first_party: bool,
    pub grants: Vec<GrantType>,
    pub permissions: Vec<Permission>,
}

/// What an app may be registered with besides its protocol basics: the
/// settings `PATCH /api/v1/apps/{client_id}` changes later.
#[derive(Clone, Debug, Default)]
pub struct AppSettings {
    pub assignment_required: bool,
    pub require_mfa: bool,
    pub dpop_bound_access_tokens: bool,
    pub require_par: bool,
    pub home_url: Option<HomeUrl>,
    pub auth: Option<ClientAuthSpec>,
    pub backchannel: Option<BackchannelLogout>,
}

/// A registration whose lists are parsed and whose rules hold, with the
/// secret it will be stored with (random for a confidential app).
pub struct CheckedApp {
    client_id: Option<String>,
    name: String,
    client_type: ClientType,
    redirect_uris: Vec<RedirectUri>,
    post_logout_redirect_uris: Vec<RedirectUri>,
    grants: Vec<GrantType>,
    permissions: Vec<Permission>,
    first_party: bool,
    secret: Option<String>,
}

/// A registered app, with its secret (shown this once; only its hash is kept,
/// and for `client_secret_jwt` its sealed form).
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

/// The server key (for `client_secret_jwt`) and the egress rules (for a
/// `jwks_uri` or a back-channel logout URI) a registration is checked with.
pub type Keys<'a> = (Option<&'a Sealer>, &'a EgressPolicy);

impl AppSpec {
    /// A confidential, first-party code-flow client with one redirect URI:
    /// what one tenant registers at another provider to sign people in.
    pub fn sign_in_client(name: &str, redirect_uri: String) -> AppSpec {
        AppSpec {
            client_id: None,
            name: name.to_owned(),
            redirect_uris: vec![redirect_uri],
            post_logout_redirect_uris: vec![],
            public: false,
            first_party: true,
            grants: vec![GrantType::AuthorizationCode],
            permissions: vec![],
        }
    }

    /// Checks the registration: exact redirect URIs (`domain::redirect`),
    /// default grants (code and refresh), no client credentials for a public
    /// app, a redirect URI for the code grant, a name.
    pub fn checked(&self) -> Result<CheckedApp, String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(format!("name must be 1-{MAX_NAME_LEN} characters"));
        }
        let redirect_uris = parse_redirect_uris(&self.redirect_uris)?;
        let post_logout_redirect_uris = parse_redirect_uris(&self.post_logout_redirect_uris)?;
        let mut grants = unique(&self.grants);
        if grants.is_empty() {
            grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
        }
        if self.public && grants.contains(&GrantType::ClientCredentials) {
            return Err("public clients cannot use client_credentials".into());
        }
        if grants.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
            return Err("the authorization_code grant needs at least one redirect URI".into());
        }
        Ok(CheckedApp {
            client_id: self.client_id.clone(),
            name: name.to_owned(),
            client_type: match self.public {
                true => ClientType::Public,
                false => ClientType::Confidential,
            },
            redirect_uris,
            post_logout_redirect_uris,
            grants,
            permissions: unique(&self.permissions),
            first_party: self.first_party,
            secret: (!self.public).then(random_token),
        })
    }
}

impl CheckedApp {
    /// The same registration with a secret the caller chose (the demo's
    /// fixed one).
    pub fn with_secret(mut self, secret: &str) -> CheckedApp {
        self.secret = Some(secret.to_owned());
        self
    }
}

/// The list without repeats, in its order.
fn unique<T: PartialEq + Copy>(list: &[T]) -> Vec<T> {
    let mut seen = Vec::with_capacity(list.len());
    for item in list {
        if !seen.contains(item) {
            seen.push(*item);
        }
    }
    seen
}

/// Redirect URIs as typed (at most 20), each checked by
/// [`RedirectUri::parse`].
pub fn parse_redirect_uris(list: &[String]) -> Result<Vec<RedirectUri>, String> {
    if list.len() > MAX_URIS {
        return Err(format!("at most {MAX_URIS} redirect URIs of each kind"));
    }
    list.iter().map(|u| RedirectUri::parse(u.trim())).collect()
}

/// Registers the app with its settings in the caller's transaction, each
/// step audited as `actor`: `app.created`, then one event per setting.
pub fn register(
    conn: &mut DbConn,
    keys: Keys<'_>,
    tenant_id: &TenantId,
    app: CheckedApp,
    settings: AppSettings,
    actor: &str,
) -> Result<Registered, ClientAuthError> {
    let client = store::apps::create(
        conn,
        tenant_id,
        NewApp {
            client_id: app.client_id.as_deref(),
            name: &app.name,
            client_type: app.client_type,
            secret_hash: app.secret.as_deref().map(token_hash),
            redirect_uris: &app.redirect_uris,
            post_logout_redirect_uris: &app.post_logout_redirect_uris,
            grant_types: &app.grants,
            permissions: &app.permissions,
            first_party: app.first_party,
        },
    )?;
    let id = client.client_id.clone();
    let detail = serde_json::json!({
        "name": client.name,
        "client_type": client.client_type.as_str(),
        "grant_types": client.grant_types,
    });
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppCreated,
        Some(&id),
        Some(&detail.to_string()),
    )?;
    let issued = apply_settings(conn, keys, tenant_id, &id, settings, actor)?;
    let client = store::apps::find(conn, tenant_id, &id)?.ok_or(ClientAuthError::NoApp)?;
    Ok(Registered {
        client,
        secret: issued.or(app.secret),
    })
}

/// The settings of a new app, each through the function that changes it
/// later; a new secret if the authentication method issued one.
fn apply_settings(
    conn: &mut DbConn,
    (sealer, policy): Keys<'_>,
    tenant_id: &TenantId,
    client_id: &str,
    settings: AppSettings,
    actor: &str,
) -> Result<Option<String>, ClientAuthError> {
    let on = |wanted: bool| wanted.then_some(true);
    let change = SettingsChange {
        require_mfa: on(settings.require_mfa),
        dpop_bound_access_tokens: on(settings.dpop_bound_access_tokens),
        require_par: None,
        assignment_required: on(settings.assignment_required),
        home_url: settings.home_url.map(Some),
        backchannel_logout: settings.backchannel.map(Some),
        ..SettingsChange::default()
    };
    change_settings(conn, tenant_id, client_id, &change, actor)?;
    let secret = match settings.auth {
        Some(spec) => {
            client_auth::register(conn, sealer, policy, tenant_id, client_id, spec, actor)?
        }
        None => None,
    };
    if settings.require_par {
        client_auth::set_require_par(conn, tenant_id, client_id, true, actor)?;
    }
    Ok(secret)
}

/// [`register`] in a transaction of the server's database, with its key
/// and egress rules (the admin API and the console).
pub async fn register_on(
    state: &AppState,
    tenant_id: &TenantId,
    (app, settings): (CheckedApp, AppSettings),
    actor: String,
) -> Result<Registered, ClientAuthError> {
    let (sealer, policy) = (state.settings.sealer.clone(), state.settings.egress.clone());
    let tenant_id = tenant_id.clone();
    state
        .db
        .write_as(move |c| {
            let keys = (sealer.as_ref(), &policy);
            register(c, keys, &tenant_id, app, settings, &actor)
        })
        .await
}

impl From<ClientAuthError> for ProvisionError {
    fn from(e: ClientAuthError) -> ProvisionError {
        match e {
            ClientAuthError::Invalid(why) => ProvisionError::Invalid(why),
            ClientAuthError::NoApp => ProvisionError::Invalid("no such app".into()),
            ClientAuthError::Store(e) => ProvisionError::Store(e),
        }
    }
}

/// Registers an app in tenant `slug` with its settings, in one transaction
/// (the CLI as `cli`, the demo as `demo`).
pub fn register_app(
    db: &Db,
    slug: &str,
    keys: Keys<'_>,
    (app, settings): (CheckedApp, AppSettings),
    actor: &str,
) -> ProvisionResult<Registered> {
    let tenant = tenant(db, slug)?;
    db.write_blocking(|c| -> ProvisionResult<Registered> {
        Ok(register(c, keys, &tenant.id, app, settings, actor)?)
    })
}

/// Registers an app with no other settings; returns it and, for
/// confidential clients, the secret (shown once, stored only as a SHA-256
/// hash). Audited as the CLI.
pub fn create_app(
    db: &Db,
    slug: &str,
    spec: &AppSpec,
) -> ProvisionResult<(Client, Option<String>)> {
    let app = spec.checked().map_err(ProvisionError::Invalid)?;
    let keys = (None, &EgressPolicy::default());
    let registered = register_app(db, slug, keys, (app, AppSettings::default()), "cli")?;
    Ok((registered.client, registered.secret))
}

/// Makes the app send DPoP proofs at the token endpoint (RFC 9449 §5.2).
pub fn require_dpop(db: &Db, slug: &str, client_id: &str) -> ProvisionResult<()> {
    let tenant = tenant(db, slug)?;
    db.write_blocking(|c| -> ProvisionResult<()> {
        let switch = AppSwitch::DpopBoundAccessTokens;
        if !crate::admin::app_switch::set(c, &tenant.id, client_id, switch, true, "cli")? {
            return Err(ProvisionError::Invalid(format!("no app {client_id}")));
        }
        Ok(())
    })
}

/// Only assigned users may sign in to the app (audited as the CLI).
pub fn require_assignment(db: &Db, slug: &str, client_id: &str) -> ProvisionResult<()> {
    let tenant = tenant(db, slug)?;
    db.write_blocking(|c| -> ProvisionResult<()> {
        if !set_assignment_required(c, &tenant.id, client_id, true, "cli")? {
            return Err(ProvisionError::Invalid(format!("no app {client_id}")));
        }
        Ok(())
    })
}
