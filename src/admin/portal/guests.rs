//! The portal's guest buttons for administrators: block, unblock, remove
//! (`b2b::removal`) and reset redemption (`b2b::invitation`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ActionForm;
use super::frame::{Console, Section, back_to};
use super::users::users_page;
use crate::b2b::invitation::{self, InviteError};
use crate::b2b::removal::{self, RemovalError};
use crate::domain::GuestAction;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::{self, StoreError};

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
    // Administrators only: the users section is theirs.
    let console =
        match Console::open_form(&state, &slug, &req, Section::Users, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    if action == RESET {
        return reset_redemption(&state, console, id).await;
    }
    let ctx = &console.ctx;
    let name = &ctx.tenant.display_name;
    // An unknown action names no page, like an unknown guest.
    let action: GuestAction = action.parse().map_err(|_| no_such_guest(name))?;
    let (tenant_id, actor) = (ctx.tenant.id.clone(), console.user.inviter.actor());
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
        Ok(()) => Ok(back_to(ctx, Section::Users, action.done())),
        Err(RemovalError::Store(StoreError::NotFound)) | Err(RemovalError::NoUser) => {
            Err(no_such_guest(name))
        }
        Err(e) => Err(PageError::server(name, e.to_string())),
    }
}

/// Back to "pending acceptance" with a new link, shown on the page.
async fn reset_redemption(
    state: &AppState,
    mut console: Console,
    id: String,
) -> PageResult<HttpResponse> {
    let ctx = console.ctx.clone();
    let name = &ctx.tenant.display_name;
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        console.user.inviter.clone(),
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
    console.say("Redemption reset: the guest must accept again with the new link.");
    users_page(state, &console, Some(&invited.redeem_url)).await
}
