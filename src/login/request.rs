//! The authorization request a sign-in page works for (saved by
//! `/authorize`, named by `?req=` on every step), loaded with its client.

use serde::Deserialize;

use crate::pages::PageError;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::codes::{self, AuthRequest};
use crate::tokens::TenantContext;

/// `?req=…` on a sign-in step.
#[derive(Deserialize)]
pub struct RequestRef {
    pub req: String,
}

/// A pending request of this tenant and its client, or the "expired" page.
pub async fn load_request(
    state: &AppState,
    ctx: &TenantContext,
    id: &str,
) -> Result<(AuthRequest, std::sync::Arc<Client>), PageError> {
    let (tenant_id, id) = (ctx.tenant.id.clone(), id.to_owned());
    let expired = || PageError::expired_request(&ctx.tenant.display_name);
    let auth_request = state
        .db
        .read(move |c| codes::find_request(c, &tenant_id, &id))
        .await?
        .ok_or_else(expired)?;
    let client = state
        .tenants
        .client(&ctx.tenant.id, &auth_request.client_id)
        .await?
        .ok_or_else(expired)?;
    Ok((auth_request, client))
}
