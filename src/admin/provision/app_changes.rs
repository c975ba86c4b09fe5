//! What administrators change on a registered app, one connection-level
//! function each taking the actor, shared by the admin API, the console and
//! the CLI, every change audited: its settings (those of `PATCH
//! /api/v1/apps/{client_id}` but its authentication), its secret, and who is
//! assigned to it.

use crate::admin::client_auth::ClientAuthError;
use crate::crypto::{Sealer, random_token, token_hash};
use crate::domain::{AuditAction, ClientType, HomeUrl, RedirectUri, TenantId, TokenAuthMethod};
use crate::state::AppState;
use crate::store::apps::assignments::{self, Principal};
use crate::store::apps::{AppSwitch, BackchannelLogout, secret_context};
use crate::store::{self, DbConn, StoreError, StoreResult};

/// Settings to change; `None` leaves one as it is.
#[derive(Clone, Debug, Default)]
pub struct SettingsChange {
    pub require_mfa: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
    pub require_par: Option<bool>,
    pub assignment_required: Option<bool>,
    /// `Some(None)` removes the home page.
    pub home_url: Option<Option<HomeUrl>>,
    /// The whole new list (see `admin::apps::set_redirect_uris`).
    pub redirect_uris: Option<Vec<RedirectUri>>,
    pub post_logout_redirect_uris: Option<Vec<RedirectUri>>,
    /// `Some(None)` removes the back-channel logout registration (checked
    /// against the egress rules before it gets here).
    pub backchannel_logout: Option<Option<BackchannelLogout>>,
}

impl SettingsChange {
    pub fn is_empty(&self) -> bool {
        self.require_mfa.is_none()
            && self.dpop_bound_access_tokens.is_none()
            && self.require_par.is_none()
            && self.assignment_required.is_none()
            && self.home_url.is_none()
            && self.redirect_uris.is_none()
            && self.post_logout_redirect_uris.is_none()
            && self.backchannel_logout.is_none()
    }
}

/// Applies `change` to app `client_id`, one audited event per setting given
/// (both redirect lists make one); false when there is no such app. In the
/// caller's transaction: a refused change leaves nothing half done.
pub fn change_settings(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    change: &SettingsChange,
    actor: &str,
) -> Result<bool, ClientAuthError> {
    if store::apps::find(conn, tenant_id, client_id)?.is_none() {
        return Ok(false);
    }
    if change.redirect_uris.is_some() || change.post_logout_redirect_uris.is_some() {
        crate::admin::apps::set_redirect_uris(
            conn,
            tenant_id,
            client_id,
            change.redirect_uris.as_deref(),
            change.post_logout_redirect_uris.as_deref(),
            actor,
        )?;
    }
    if let Some(required) = change.require_mfa {
        crate::admin::mfa::set_app_requires_mfa(conn, tenant_id, client_id, required, actor)?;
    }
    if let Some(bound) = change.dpop_bound_access_tokens {
        let switch = AppSwitch::DpopBoundAccessTokens;
        crate::admin::app_switch::set(conn, tenant_id, client_id, switch, bound, actor)?;
    }
    if let Some(required) = change.require_par {
        crate::admin::client_auth::set_require_par(conn, tenant_id, client_id, required, actor)?;
    }
    if let Some(required) = change.assignment_required {
        set_assignment_required(conn, tenant_id, client_id, required, actor)?;
    }
    if let Some(url) = &change.home_url {
        crate::admin::apps::set_home_url(conn, tenant_id, client_id, url.as_ref(), actor)?;
    }
    if let Some(logout) = &change.backchannel_logout {
        crate::admin::logout::set_app_backchannel(
            conn,
            tenant_id,
            client_id,
            logout.as_ref(),
            actor,
        )?;
    }
    Ok(true)
}

/// Gives app `client_id` a new secret (returned this once) in place of the
/// old one, which stops working at once; audited `app.secret_rotated`. A
/// public app has no secret, and a `private_key_jwt` app proves itself with
/// its keys.
pub fn rotate_secret(
    conn: &mut DbConn,
    sealer: Option<&Sealer>,
    tenant_id: &TenantId,
    client_id: &str,
    actor: &str,
) -> Result<String, ClientAuthError> {
    let client = store::apps::find(conn, tenant_id, client_id)?.ok_or(ClientAuthError::NoApp)?;
    if client.client_type == ClientType::Public {
        return Err(ClientAuthError::Invalid(
            "a public app has no secret to rotate".into(),
        ));
    }
    let method = client.auth.method;
    if method == Some(TokenAuthMethod::PrivateKeyJwt) {
        return Err(ClientAuthError::Invalid(
            "this app signs in with its keys (private_key_jwt), not a secret".into(),
        ));
    }
    let secret = random_token();
    let sealed = match (method, sealer) {
        (Some(TokenAuthMethod::ClientSecretJwt), Some(sealer)) => {
            Some(sealer.seal(&secret_context(tenant_id.as_str(), client_id), &secret))
        }
        (Some(TokenAuthMethod::ClientSecretJwt), None) => {
            return Err(ClientAuthError::Invalid(
                "client_secret_jwt needs the server's secret key".into(),
            ));
        }
        _ => None,
    };
    let hash = token_hash(&secret);
    store::apps::replace_secret(conn, tenant_id, client_id, &hash, sealed.as_deref())?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppSecretRotated,
        Some(client_id),
        None,
    )?;
    Ok(secret)
}

/// [`rotate_secret`] in a transaction of the server's database, then this
/// replica forgets its cached copy of the app, so that the old secret is
/// refused at its very next use here (other replicas within their client
/// cache's lifetime, 2 s unless configured).
pub async fn rotate_secret_on(
    state: &AppState,
    tenant_id: &TenantId,
    client_id: &str,
    actor: String,
) -> Result<String, ClientAuthError> {
    let sealer = state.settings.sealer.clone();
    let (tenant, id) = (tenant_id.clone(), client_id.to_owned());
    let secret = state
        .db
        .write_as(move |c| rotate_secret(c, sealer.as_ref(), &tenant, &id, &actor))
        .await?;
    state.tenants.forget_client(tenant_id, client_id);
    Ok(secret)
}

/// Whether only users assigned to app `client_id` (directly or by group)
/// may sign in to it; false when there is no such app.
pub fn set_assignment_required(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    required: bool,
    actor: &str,
) -> StoreResult<bool> {
    if !store::apps::set_assignment_required(conn, tenant_id, client_id, required)? {
        return Ok(false);
    }
    let detail = serde_json::json!({ "assignment_required": required }).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppAssignmentRequired,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}

/// Assigns app `client_id` to a user or a group of this tenant; `NotFound`
/// when the app or the principal does not exist. Audited `app.assigned`.
pub fn assign(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    (kind, principal_id): (Principal, &str),
    actor: &str,
) -> StoreResult<()> {
    let app = store::apps::find(conn, tenant_id, client_id)?.ok_or(StoreError::NotFound)?;
    let exists = match kind {
        Principal::User => store::users::find(conn, tenant_id, principal_id)?.is_some(),
        Principal::Group => store::groups::find(conn, tenant_id, principal_id)?.is_some(),
    };
    if !exists {
        return Err(StoreError::NotFound);
    }
    store::groups::assign_app(conn, tenant_id, &app.id, kind.as_str(), principal_id)?;
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppAssigned,
        Some(principal_id),
        Some(client_id),
    )
}

/// Takes an assignment of app `client_id` away; false when the app or the
/// assignment does not exist. Audited `app.unassigned`.
pub fn unassign(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    (kind, principal_id): (Principal, &str),
    actor: &str,
) -> StoreResult<bool> {
    let Some(app) = store::apps::find(conn, tenant_id, client_id)? else {
        return Ok(false);
    };
    if !assignments::remove(conn, tenant_id, &app.id, kind, principal_id)? {
        return Ok(false);
    }
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppUnassigned,
        Some(principal_id),
        Some(client_id),
    )?;
    Ok(true)
}
