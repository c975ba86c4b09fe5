//! Changes to a registered app that the API and the CLI share, audited.

use crate::admin::client_auth::ClientAuthError;
use crate::domain::{AuditAction, GrantType, HomeUrl, RedirectUri, TenantId};
use crate::store::{self, DbConn, StoreResult};

/// Sets or clears app `client_id`'s home page; false when there is no such
/// app.
pub fn set_home_url(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    home_url: Option<&HomeUrl>,
    actor: &str,
) -> StoreResult<bool> {
    if !store::apps::set_home_url(conn, tenant_id, client_id, home_url)? {
        return Ok(false);
    }
    let detail = serde_json::json!({ "home_url": home_url.map(HomeUrl::as_str) }).to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppHomeUrlUpdated,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}

/// Replaces app `client_id`'s redirect URIs and post-logout redirect URIs,
/// either list left as it is when not given (each URI already checked by
/// `RedirectUri::parse`: matched exactly from then on). An app with the
/// authorization code grant keeps at least one redirect URI. Audited
/// `app.redirect_uris_updated` with both lists as they now are; false when
/// there is no such app.
pub fn set_redirect_uris(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    redirect_uris: Option<&[RedirectUri]>,
    post_logout_redirect_uris: Option<&[RedirectUri]>,
    actor: &str,
) -> Result<bool, ClientAuthError> {
    let Some(app) = store::apps::find(conn, tenant_id, client_id)? else {
        return Ok(false);
    };
    let redirect_uris = redirect_uris.unwrap_or(&app.redirect_uris);
    let post_logout = post_logout_redirect_uris.unwrap_or(&app.post_logout_redirect_uris);
    if app.grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(ClientAuthError::Invalid(
            "an app with the authorization_code grant needs at least one redirect URI".into(),
        ));
    }
    store::apps::set_redirect_uris(conn, tenant_id, client_id, redirect_uris, post_logout)?;
    fn listed(list: &[RedirectUri]) -> Vec<&str> {
        list.iter().map(RedirectUri::as_str).collect()
    }
    let detail = serde_json::json!({
        "redirect_uris": listed(redirect_uris),
        "post_logout_redirect_uris": listed(post_logout),
    })
    .to_string();
    store::audit::record(
        conn,
        tenant_id,
        actor,
        AuditAction::AppRedirectUrisUpdated,
        Some(client_id),
        Some(&detail),
    )?;
    Ok(true)
}
