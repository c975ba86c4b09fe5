//! Where an app may send people back: its redirect URIs (after signing in)
//! and its post-logout redirect URIs (after signing out).

use diesel::prelude::*;

use crate::domain::{RedirectUri, TenantId};
use crate::store::schema::applications;
use crate::store::{DbConn, StoreResult};

/// Replaces both lists of app `client_id`; false when there is no such app.
pub fn set_redirect_uris(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    redirect_uris: &[RedirectUri],
    post_logout_redirect_uris: &[RedirectUri],
) -> StoreResult<bool> {
    Ok(diesel::update(super::one_app(tenant_id, client_id))
        .set((
            applications::redirect_uris.eq(super::uris(redirect_uris)),
            applications::post_logout_redirect_uris.eq(super::uris(post_logout_redirect_uris)),
        ))
        .execute(conn)?
        == 1)
}
