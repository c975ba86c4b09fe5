//! `/api/v1/invitations`: invite, list, resend, revoke.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, Caller, CallerKind, Inviting, Problem, json};
use crate::b2b::invitation::{self, InviteRequest, Target};
use crate::b2b::removal;
use crate::domain::utc;
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    email: String,
    group: Option<String>,
    app: Option<String>,
    redirect_url: Option<String>,
    message: Option<String>,
}

fn invitation_json(i: &Invitation) -> serde_json::Value {
    serde_json::json!({
        "id": i.id,
        "email": i.email,
        "guest_user_id": i.guest_user_id,
        "target": { "kind": i.target_kind, "id": i.target_id, "name": i.target_name },
        "invited_by": i.invited_by,
        "inviter_name": i.inviter_name,
        "redirect_url": i.redirect_url,
        "status": i.effective_status(),
        "created_at": utc::rfc3339(&i.created_at),
        "expires_at": utc::rfc3339(&i.expires_at),
        "redeemed_at": utc::rfc3339_opt(&i.redeemed_at),
    })
}

pub async fn post_invitation(
    body: web::Json<NewInvitation>,
    caller: ApiResult<Inviting>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (caller, inviter) = caller?.into_parts();
    let body = body.into_inner();
    let target = match (body.group, body.app) {
        (Some(_), Some(_)) => {
            return Err(Problem::bad_request(
                "invite to a group or an app, not both",
            ));
        }
        (Some(g), None) => Target::Group(g),
        (None, Some(a)) => Target::App(a),
        (None, None) => Target::Tenant,
    };
    let request = InviteRequest {
        email: body.email,
        target,
        redirect_url: body.redirect_url,
        message: body.message,
    };
    let (tenant, issuer, lifetime) = (
        caller.ctx.tenant.clone(),
        caller.ctx.issuer.clone(),
        state.settings.invitation_lifetime,
    );
    let invited = state
        .db
        .write_as(move |c| invitation::invite(c, &tenant, &issuer, &inviter, &request, lifetime))
        .await?;
    let mut body = invitation_json(&invited.invitation);
    body["redeem_url"] = invited.redeem_url.into();
    body["invitation_id"] = invited.invitation.id.into();
    Ok(json(StatusCode::CREATED, body))
}

/// Admins and directory apps see every invitation; members see their own.
fn may_see(caller: &Caller, invitation: &Invitation) -> bool {
    caller.require_users_admin().is_ok()
        || matches!(&caller.kind, CallerKind::App { .. }) && caller.require_inviter().is_ok()
        || invitation.invited_by == caller.actor()
}

pub async fn get_invitations(
    caller: Inviting,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let all = state
        .db
        .read(move |c| store::invitations::list(c, &tenant_id))
        .await?;
    let visible: Vec<_> = all
        .iter()
        .filter(|i| may_see(&caller, i))
        .map(invitation_json)
        .collect();
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "invitations": visible }),
    ))
}

async fn own_invitation(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Invitation> {
    let (tenant_id, id) = (caller.ctx.tenant.id.clone(), id.to_owned());
    let invitation = state
        .db
        .read(move |c| store::invitations::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| Problem::not_found("invitation"))?;
    if !may_see(caller, &invitation) {
        return Err(Problem::not_found("invitation"));
    }
    Ok(invitation)
}

pub async fn post_resend(
    caller: Inviting,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let (caller, inviter) = caller.into_parts();
    let invitation = own_invitation(&state, &caller, &id).await?;
    let (tenant, issuer, lifetime) = (
        caller.ctx.tenant.clone(),
        caller.ctx.issuer.clone(),
        state.settings.invitation_lifetime,
    );
    let invited = state
        .db
        .write_as(move |c| {
            invitation::resend(c, &tenant, &issuer, &inviter, &invitation.id, lifetime)
        })
        .await?;
    let mut body = invitation_json(&invited.invitation);
    body["redeem_url"] = invited.redeem_url.into();
    Ok(json(StatusCode::OK, body))
}

pub async fn post_revoke(
    caller: Inviting,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let invitation = own_invitation(&state, &caller, &id).await?;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write_as(move |c| removal::revoke_invitation(c, &tenant_id, &actor, &invitation.id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
