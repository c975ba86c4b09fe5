//! The admin portal (askama pages, CSRF on every form): invite guests, see
//! invitations and guests, resend, revoke, block, unblock, remove. People sign
//! in through the tenant's own code flow with a built-in first-party client.

pub mod auth;
pub mod dashboard;
pub mod guests;
pub mod invitations;
pub mod mfa;
pub mod settings;

use actix_web::HttpResponse;
use serde::Deserialize;

use crate::pages::see_other;
use crate::routes;
use crate::tokens::TenantContext;

/// A form that carries nothing but its CSRF token (the buttons on a row).
#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: String,
}

/// Back to the portal page, which says what was done (`notice`).
fn back_to_admin(ctx: &TenantContext, notice: &str) -> HttpResponse {
    see_other(
        &format!(
            "{}/admin?notice={notice}",
            routes::tenant_path(&ctx.tenant.slug)
        ),
        Vec::new(),
    )
}
