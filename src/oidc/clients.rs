//! The clients every tenant has without registering them (RFC 6749 §2):
//! the admin portal of this server, and each other tenant here acting as a
//! relying party of this one to sign in its guests. The tenant directory
//! serves them like registered apps.

use crate::domain::TenantId;
use crate::routes;
use crate::store::apps::Client;
use crate::store::{self, StoreError, StoreResult};

/// The built-in client `client_id` names in this tenant, if any: the portal,
/// or another tenant here by its issuer URL (the tenant directory's
/// [`Protocol::built_in_client`](crate::tokens::Protocol)).
pub fn built_in(
    conn: &mut store::DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    public_url: &str,
) -> StoreResult<Option<Client>> {
    if client_id == PORTAL_CLIENT_ID {
        return portal(conn, tenant_id, public_url);
    }
    match crate::tokens::context::sibling_slug(public_url, client_id) {
        Some(slug) => sibling(conn, tenant_id, client_id, slug),
        None => Ok(None),
    }
}

pub use crate::routes::PORTAL_CLIENT_ID;

/// Another tenant of this server acting as a relying party of this one (to
/// sign in its guests whose home is here): its client id is its issuer URL,
/// it is public (PKCE), and its only redirect URI is its `/callback/home`.
pub fn sibling(
    conn: &mut store::DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    slug: &str,
) -> StoreResult<Option<Client>> {
    let Some(sibling) = store::tenants::find_by_slug(conn, slug)? else {
        return Ok(None);
    };
    if sibling.id == *tenant_id {
        return Ok(None);
    }
    let callback =
        crate::domain::RedirectUri::parse(&format!("{client_id}{}", routes::HOME_CALLBACK))
            .map_err(StoreError::Corrupt)?;
    Ok(Some(Client {
        id: sibling.id.to_string(),
        tenant_id: tenant_id.as_str().to_owned(),
        client_id: client_id.to_owned(),
        name: sibling.display_name,
        client_type: crate::domain::ClientType::Public,
        secret_hash: None,
        redirect_uris: vec![callback],
        post_logout_redirect_uris: Vec::new(),
        grant_types: vec![crate::domain::GrantType::AuthorizationCode],
        permissions: Vec::new(),
        first_party: false,
        assignment_required: false,
        require_mfa: false,
        backchannel_logout: None,
        dpop_bound_access_tokens: false,
        auth: store::apps::ClientAuth::default(),
        require_pushed_authorization_requests: false,
    }))
}

/// The admin portal of this server: a first-party public client whose
/// redirect URIs are the tenant's `/admin/signed-in` and, for the
/// account-security page's sign-in, `/account/signed-in`, and for My apps'
/// (and the start page's), `/myapps/signed-in`.
pub fn portal(
    conn: &mut store::DbConn,
    tenant_id: &TenantId,
    public_url: &str,
) -> StoreResult<Option<Client>> {
    let Some(slug) = store::tenants::slug_of(conn, tenant_id)? else {
        return Ok(None);
    };
    let issuer = routes::issuer_url(public_url, &slug);
    let callbacks = [
        routes::ADMIN_SIGNED_IN,
        routes::ACCOUNT_SIGNED_IN,
        routes::MY_APPS_SIGNED_IN,
    ]
    .iter()
    .map(|path| crate::domain::RedirectUri::parse(&format!("{issuer}{path}")))
    .collect::<Result<Vec<_>, _>>()
    .map_err(StoreError::Corrupt)?;
    Ok(Some(Client {
        id: PORTAL_CLIENT_ID.to_owned(),
        tenant_id: tenant_id.as_str().to_owned(),
        client_id: PORTAL_CLIENT_ID.to_owned(),
        name: "Portico admin portal".to_owned(),
        client_type: crate::domain::ClientType::Public,
        secret_hash: None,
        redirect_uris: callbacks,
        post_logout_redirect_uris: Vec::new(),
        grant_types: vec![crate::domain::GrantType::AuthorizationCode],
        permissions: Vec::new(),
        first_party: true,
        assignment_required: false,
        require_mfa: false,
        backchannel_logout: None,
        dpop_bound_access_tokens: false,
        auth: store::apps::ClientAuth::default(),
        require_pushed_authorization_requests: false,
    }))
}
