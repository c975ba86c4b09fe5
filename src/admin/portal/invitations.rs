//! The portal's invitation forms: invite a guest, resend or revoke an
//! invitation (DESIGN.md §4), through the same `b2b::invitation` rules as the
//! API and the CLI.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::form_caller;
use super::dashboard::page;
use super::{ActionForm, back_to_admin};
use crate::b2b::invitation::{self, InviteError, InviteRequest, Target};
use crate::b2b::removal;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store;

#[derive(Deserialize)]
pub struct InviteForm {
    csrf_token: String,
    email: String,
    target: String,
    redirect_url: Option<String>,
    message: Option<String>,
}

impl InviteForm {
    fn request(self) -> InviteRequest {
        let target = match self.target.split_once(':') {
            Some(("group", name)) => Target::Group(name.to_owned()),
            Some(("app", id)) => Target::App(id.to_owned()),
            _ => Target::Tenant,
        };
        InviteRequest {
            email: self.email,
            target,
            redirect_url: self.redirect_url.filter(|u| !u.trim().is_empty()),
            message: self.message,
        }
    }
}

pub async fn post_invite(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<InviteForm>,
) -> PageResult<HttpResponse> {
    let (ctx, user) = match form_caller(&state, &path, &req, &form.csrf_token).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let request = form.into_inner().request();
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        user.inviter.clone(),
        state.settings.invitation_lifetime,
    );
    let result = state
        .db
        .write_as(move |c| invitation::invite(c, &tenant, &issuer, &inviter, &request, lifetime))
        .await;
    let name = &ctx.tenant.display_name;
    let (notice, link, status) = match result {
        Ok(invited) => (
            "Invitation sent.".to_owned(),
            Some(invited.redeem_url),
            StatusCode::OK,
        ),
        Err(InviteError::Store(e)) => return Err(PageError::server(name, e.to_string())),
        Err(InviteError::Forbidden) => {
            return Err(forbidden(
                name,
                "Your account may not invite guests to this organization.",
            ));
        }
        Err(InviteError::MayNotGrant) => {
            return Err(forbidden(
                name,
                "Only administrators may invite guests into a group or an application.",
            ));
        }
        Err(e) => (e.to_string(), None, StatusCode::BAD_REQUEST),
    };
    page(
        &state,
        &ctx,
        &req,
        &user,
        Some(&notice),
        link.as_deref(),
        status,
    )
    .await
}

fn forbidden(tenant_name: &str, message: &str) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, tenant_name, "Not allowed", message)
}

pub async fn post_invitation_action(
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
    let name = ctx.tenant.display_name.clone();
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            &name,
            "Not found",
            "There is no such invitation.",
        )
    };
    let (tenant_id, inv_id) = (ctx.tenant.id.clone(), id.clone());
    let existing = state
        .db
        .read(move |c| store::invitations::find(c, &tenant_id, &inv_id))
        .await?
        .ok_or_else(not_found)?;
    let actor = user.inviter.actor();
    if !user.is_admin && existing.invited_by != actor {
        return Err(not_found());
    }
    let inviter = user.inviter.clone();
    let (tenant, issuer, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        state.settings.invitation_lifetime,
    );
    let not_possible = |e: &dyn ToString| {
        PageError::new(StatusCode::CONFLICT, &name, "Not possible", &e.to_string())
    };
    let notice = match action.as_str() {
        "resend" => {
            state
                .db
                .write_as(move |c| invitation::resend(c, &tenant, &issuer, &inviter, &id, lifetime))
                .await
                .map_err(|e| not_possible(&e))?;
            "resent"
        }
        "revoke" => {
            state
                .db
                .write_as(move |c| removal::revoke_invitation(c, &tenant.id, &actor, &id))
                .await
                .map_err(|e| not_possible(&e))?;
            "revoked"
        }
        _ => return Err(not_found()),
    };
    Ok(back_to_admin(&ctx, notice))
}
