//! The portal's guest buttons for administrators: block, unblock, remove
//! (`b2b::removal`) and reset redemption (`b2b::invitation`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::{PortalUser, form_caller};
use super::dashboard::page;
use super::{ActionForm, back_to_admin};
use crate::b2b::invitation::{self, InviteError};
use crate::b2b::removal::{self, RemovalError};
use crate::domain::GuestAction;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;

fn no_such_guest(tenant_name: &str) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        tenant_name,
        "Not found",
        "There is no such guest.",
    )
}

/// The portal's path word for resetting a guest's redemption; every other
/// word is a [`GuestAction`].
const RESET: &str = "reset";

pub async fn post_guest_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, action) = path.into_inner();
    let (ctx, user) = match form_caller(&state, &slug, &req, &form.csrf_token).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if !user.is_admin {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            &ctx.tenant.display_name,
            "Not allowed",
            "Only administrators can block or remove guests.",
        ));
    }
    if action == RESET {
        return reset_redemption(&state, &ctx, &req, &user, id).await;
    }
    let name = &ctx.tenant.display_name;
    // An unknown action names no page, like an unknown guest.
    let action: GuestAction = action.parse().map_err(|_| no_such_guest(name))?;
    let (tenant_id, actor) = (ctx.tenant.id.clone(), user.inviter.actor());
    let result = state
        .db
        .write_as(move |c| {
            let guest = store::users::find(c, &tenant_id, &id)?
                .filter(|u| u.is_guest())
                .ok_or(RemovalError::NoUser)?;
            removal::apply(c, &tenant_id, &actor, &guest, action)
        })
        .await;
    match result {
        Ok(()) => Ok(back_to_admin(&ctx, action.done())),
        Err(RemovalError::Store(StoreError::NotFound)) | Err(RemovalError::NoUser) => {
            Err(no_such_guest(name))
        }
        Err(e) => Err(PageError::server(name, e.to_string())),
    }
}

/// Back to "pending acceptance" with a new link, shown on the page.
async fn reset_redemption(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
    user: &PortalUser,
    id: String,
) -> PageResult<HttpResponse> {
    let name = &ctx.tenant.display_name;
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        user.inviter.clone(),
        state.settings.invitation_lifetime,
    );
    let invited = state
        .db
        .write_as(move |c| {
            let guest = store::users::find(c, &tenant.id, &id)?
                .filter(|u| u.is_guest())
                .ok_or(InviteError::NotFound)?;
            invitation::reset_redemption(c, &tenant, &issuer, &inviter, &guest, lifetime)
        })
        .await
        .map_err(|e| match e {
            InviteError::NotFound => no_such_guest(name),
            other => PageError::server(name, other.to_string()),
        })?;
    let notice = "Redemption reset: the guest must accept again with the new link.";
    page(
        state,
        ctx,
        req,
        user,
        Some(notice),
        Some(&invited.redeem_url),
        StatusCode::OK,
    )
    .await
}
