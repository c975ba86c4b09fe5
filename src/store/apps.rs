//! App registrations (OIDC clients) of one tenant.

use diesel::prelude::*;

use super::schema::applications;
use super::{DbConn, StoreError, StoreResult, new_id, now};
use jsonwebtoken::jwk::JwkSet;

use crate::domain::{
    BackchannelUri, ClientType, GrantType, Permission, RedirectUri, TenantId, TokenAuthMethod,
};

pub mod assignments;
mod home;
mod redirects;

pub use home::{home_url_of, home_urls, set_home_url};
pub use redirects::set_redirect_uris;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
pub struct AppRow {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub name: String,
    pub client_type: String,
    pub secret_hash: Option<String>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: String,
    pub permissions: String,
    pub first_party: bool,
    pub assignment_required: bool,
    pub created_at: chrono::NaiveDateTime,
    pub require_mfa: bool,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub dpop_bound_access_tokens: bool,
    pub token_endpoint_auth_method: Option<String>,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub secret_sealed: Option<String>,
    pub require_pushed_authorization_requests: bool,
}

/// How a client authenticates (issue 13): the method it registered and,
/// for the JWT methods, its keys or its sealed secret.
#[derive(Clone, Debug, Default)]
pub struct ClientAuth {
    /// `None` for apps registered before methods were recorded: a secret
    /// by either method when confidential, none when public.
    pub method: Option<TokenAuthMethod>,
    /// The client's keys, registered inline.
    pub jwks: Option<std::sync::Arc<JwkSet>>,
    /// Where the client publishes its keys.
    pub jwks_uri: Option<url::Url>,
    /// The client secret sealed with the server key ([`secret_context`]),
    /// kept only for `client_secret_jwt`.
    pub secret_sealed: Option<String>,
}

/// The associated data a client secret is sealed under: the secret opens
/// only for this client of this tenant.
pub fn secret_context(tenant_id: &str, client_id: &str) -> String {
    format!("client-secret:{tenant_id}:{client_id}")
}

/// A client as the protocol code sees it: lists parsed, types checked.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub name: String,
    pub client_type: ClientType,
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub permissions: Vec<Permission>,
    pub first_party: bool,
    pub assignment_required: bool,
    /// Signing in to this app takes a second factor (issue 12).
    pub require_mfa: bool,
    /// Where the app hears of a session's end (Back-Channel Logout 1.0).
    pub backchannel_logout: Option<BackchannelLogout>,
    /// RFC 9449 §5.2: every token request must carry a DPoP proof.
    pub dpop_bound_access_tokens: bool,
    /// How it authenticates at the token, introspection and revocation endpoints.
    pub auth: ClientAuth,
    /// Authorization requests must come through the PAR endpoint (RFC 9126 §6).
    pub require_pushed_authorization_requests: bool,
}

/// An app's Back-Channel Logout registration (§2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackchannelLogout {
    pub uri: BackchannelUri,
    /// `backchannel_logout_session_required`: its logout tokens carry `sid`.
    pub session_required: bool,
}

impl Client {
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Exact string comparison (RFC 6749 §3.1.2.3, Security BCP §4.1.3).
    pub fn registered_redirect(&self, uri: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|r| r.as_str() == uri)
    }
}

fn parse_uris(json: &str) -> Result<Vec<RedirectUri>, StoreError> {
    let raw: Vec<String> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    raw.iter()
        .map(|u| RedirectUri::parse(u).map_err(StoreError::Corrupt))
        .collect()
}

impl TryFrom<AppRow> for Client {
    type Error = StoreError;

    fn try_from(row: AppRow) -> Result<Client, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
        Ok(Client {
            client_type: ClientType::parse(&row.client_type)
                .ok_or_else(|| StoreError::Corrupt(format!("client type {}", row.client_type)))?,
            redirect_uris: parse_uris(&row.redirect_uris)?,
            post_logout_redirect_uris: parse_uris(&row.post_logout_redirect_uris)?,
            grant_types: serde_json::from_str(&row.grant_types).map_err(corrupt)?,
            permissions: serde_json::from_str(&row.permissions).map_err(corrupt)?,
            id: row.id,
            tenant_id: row.tenant_id,
            client_id: row.client_id,
            name: row.name,
            secret_hash: row.secret_hash,
            first_party: row.first_party,
            assignment_required: row.assignment_required,
            require_mfa: row.require_mfa,
            backchannel_logout: row
                .backchannel_logout_uri
                .as_deref()
                .map(|uri| {
                    BackchannelUri::parse(uri).map(|uri| BackchannelLogout {
                        uri,
                        session_required: row.backchannel_logout_session_required,
                    })
                })
                .transpose()
                .map_err(StoreError::Corrupt)?,
            dpop_bound_access_tokens: row.dpop_bound_access_tokens,
            auth: ClientAuth {
                method: row
                    .token_endpoint_auth_method
                    .map(TokenAuthMethod::try_from)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                jwks: row
                    .jwks
                    .map(|j| serde_json::from_str(&j).map(std::sync::Arc::new))
                    .transpose()
                    .map_err(corrupt)?,
                jwks_uri: row
                    .jwks_uri
                    .map(|u| url::Url::parse(&u))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                secret_sealed: row.secret_sealed,
            },
            require_pushed_authorization_requests: row.require_pushed_authorization_requests,
        })
    }
}

pub struct NewApp<'a> {
    /// A chosen client id (demo seeding); a random UUID when `None`.
    pub client_id: Option<&'a str>,
    pub name: &'a str,
    pub client_type: ClientType,
    pub secret_hash: Option<String>,
    pub redirect_uris: &'a [RedirectUri],
    pub post_logout_redirect_uris: &'a [RedirectUri],
    pub grant_types: &'a [GrantType],
    pub permissions: &'a [Permission],
    pub first_party: bool,
}

/// A list of URIs as the column stores it (a JSON array).
fn uris(list: &[RedirectUri]) -> String {
    serde_json::to_string(&list.iter().map(|u| u.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

pub fn create(conn: &mut DbConn, tenant_id: &TenantId, new: NewApp<'_>) -> StoreResult<Client> {
    let row = AppRow {
        id: new_id(),
        tenant_id: tenant_id.as_str().to_owned(),
        client_id: new
            .client_id
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: new.name.to_owned(),
        client_type: new.client_type.as_str().to_owned(),
        secret_hash: new.secret_hash,
        redirect_uris: uris(new.redirect_uris),
        post_logout_redirect_uris: uris(new.post_logout_redirect_uris),
        grant_types: serde_json::to_string(new.grant_types).unwrap_or_else(|_| "[]".into()),
        permissions: serde_json::to_string(new.permissions).unwrap_or_else(|_| "[]".into()),
        first_party: new.first_party,
        assignment_required: false,
        created_at: now(),
        require_mfa: false,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        dpop_bound_access_tokens: false,
        token_endpoint_auth_method: None,
        jwks: None,
        jwks_uri: None,
        secret_sealed: None,
        require_pushed_authorization_requests: false,
    };
    diesel::insert_into(applications::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| StoreError::unique_as(e, "client id already taken"))?;
    Client::try_from(row)
}

pub fn find(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
) -> StoreResult<Option<Client>> {
    applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::client_id.eq(client_id))
        .select(AppRow::as_select())
        .first(conn)
        .optional()?
        .map(Client::try_from)
        .transpose()
}

pub fn list(conn: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Vec<Client>> {
    applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .order(applications::name)
        .select(AppRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

/// Whether only assigned users may sign in to app `client_id`; false when
/// there is no such app.
pub fn set_assignment_required(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    required: bool,
) -> StoreResult<bool> {
    let changed = diesel::update(one_app(tenant_id, client_id))
        .set(applications::assignment_required.eq(required))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Replaces app `client_id`'s secret: its new hash and, for
/// `client_secret_jwt`, its sealed form (any other method keeps none); the
/// old secret stops matching at once. False when there is no such app.
pub fn replace_secret(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    hash: &str,
    sealed: Option<&str>,
) -> StoreResult<bool> {
    let changed = diesel::update(one_app(tenant_id, client_id))
        .set((
            applications::secret_hash.eq(Some(hash)),
            applications::secret_sealed.eq(sealed),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// An app's on/off settings that administrators change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppSwitch {
    /// Signing in to the app takes a second factor (issue 12).
    RequireMfa,
    /// RFC 9449 §5.2: every token request of the app carries a DPoP proof.
    DpopBoundAccessTokens,
}

impl AppSwitch {
    /// The setting's name in the API and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            AppSwitch::RequireMfa => "require_mfa",
            AppSwitch::DpopBoundAccessTokens => "dpop_bound_access_tokens",
        }
    }
}

/// Turns `switch` of app `client_id` on or off; false when there is no
/// such app.
pub fn set_switch(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    switch: AppSwitch,
    on: bool,
) -> StoreResult<bool> {
    let update = diesel::update(
        applications::table
            .filter(applications::tenant_id.eq(tenant_id.as_str()))
            .filter(applications::client_id.eq(client_id)),
    );
    let changed = match switch {
        AppSwitch::RequireMfa => update.set(applications::require_mfa.eq(on)).execute(conn)?,
        AppSwitch::DpopBoundAccessTokens => update
            .set(applications::dpop_bound_access_tokens.eq(on))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Whether app `client_id` requires a second factor, read fresh (not from
/// the client cache) so a change applies at once; false for clients
/// without a registration (the portal, sibling tenants).
pub fn requires_mfa(conn: &mut DbConn, tenant_id: &TenantId, client_id: &str) -> StoreResult<bool> {
    Ok(applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::client_id.eq(client_id))
        .select(applications::require_mfa)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Registers (or, with `None`, removes) where app `client_id` hears of a
/// session's end; false when there is no such app.
pub fn set_backchannel_logout(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    logout: Option<&BackchannelLogout>,
) -> StoreResult<bool> {
    Ok(diesel::update(
        applications::table
            .filter(applications::tenant_id.eq(tenant_id.as_str()))
            .filter(applications::client_id.eq(client_id)),
    )
    .set((
        applications::backchannel_logout_uri.eq(logout.map(|l| l.uri.as_str())),
        applications::backchannel_logout_session_required
            .eq(logout.is_some_and(|l| l.session_required)),
    ))
    .execute(conn)?
        == 1)
}

/// The apps of this tenant with a back-channel logout URI, and whether
/// each requires `sid`.
pub fn backchannel_registrations(
    conn: &mut DbConn,
    tenant_id: &TenantId,
) -> StoreResult<Vec<(String, bool)>> {
    Ok(applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::backchannel_logout_uri.is_not_null())
        .select((
            applications::client_id,
            applications::backchannel_logout_session_required,
        ))
        .load(conn)?)
}

/// A client's authentication as registered: every field is replaced.
pub struct AuthRegistration {
    pub method: TokenAuthMethod,
    /// The JSON Web Key Set, already checked.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// A new secret's hash and sealed form (`client_secret_jwt`); without
    /// one the secret's hash stays and no sealed secret is kept.
    pub new_secret: Option<(String, String)>,
}

/// Records how app `client_id` authenticates; false when there is no such app.
pub fn set_auth(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    auth: AuthRegistration,
) -> StoreResult<bool> {
    let target = one_app(tenant_id, client_id);
    let changed = diesel::update(target)
        .set((
            applications::token_endpoint_auth_method.eq(auth.method.as_str()),
            applications::jwks.eq(auth.jwks),
            applications::jwks_uri.eq(auth.jwks_uri),
            applications::secret_sealed.eq(None::<String>),
        ))
        .execute(conn)?;
    if let Some((hash, sealed)) = auth.new_secret {
        diesel::update(target)
            .set((
                applications::secret_hash.eq(Some(hash)),
                applications::secret_sealed.eq(Some(sealed)),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Whether app `client_id` must push its authorization requests; false
/// when there is no such app.
pub fn set_require_par(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    required: bool,
) -> StoreResult<bool> {
    let changed = diesel::update(one_app(tenant_id, client_id))
        .set(applications::require_pushed_authorization_requests.eq(required))
        .execute(conn)?;
    Ok(changed == 1)
}

type OneApp<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<applications::table, diesel::dsl::Eq<applications::tenant_id, &'a str>>,
    diesel::dsl::Eq<applications::client_id, &'a str>,
>;

/// The row of app `client_id` of this tenant.
fn one_app<'a>(tenant_id: &'a TenantId, client_id: &'a str) -> OneApp<'a> {
    applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::client_id.eq(client_id))
}
