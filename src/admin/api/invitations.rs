//! `/api/v1/invitations`: invite, list, resend, revoke.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiResult, Caller, CallerKind, Inviting, Problem, answer};
use crate::b2b::invitation::{self, InviteRequest, Target};
use crate::b2b::removal;
use crate::domain::{EffectiveStatus, TargetKind, utc};
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
use utoipa::ToSchema;

use super::openapi::{BadRequest, Conflict, Forbidden, NotFound};

/// Invite to the tenant, or to one group or one app (not both).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    email: String,
    /// A group's id: the guest joins it on redemption.
    group: Option<String>,
    /// An app's client id: the guest is assigned to it on redemption.
    app: Option<String>,
    /// Where the guest lands after redeeming (checked against the
    /// organization's apps).
    redirect_url: Option<String>,
    /// A personal note in the invitation email.
    message: Option<String>,
}

/// An invitation as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    id: String,
    email: String,
    guest_user_id: String,
    target: InvitationTarget,
    invited_by: String,
    inviter_name: String,
    redirect_url: Option<String>,
    status: EffectiveStatus,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    expires_at: String,
    #[schema(format = DateTime)]
    redeemed_at: Option<String>,
    /// Only when the invitation is made or sent again: the link to redeem.
    #[serde(skip_serializing_if = "Option::is_none")]
    redeem_url: Option<String>,
    /// Only when the invitation is made: its id again.
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation_id: Option<String>,
}

/// What the invitation gives access to.
#[derive(Serialize, ToSchema)]
pub struct InvitationTarget {
    kind: TargetKind,
    /// The group's id or the app's client id; null for the tenant.
    id: Option<String>,
    name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    invitations: Vec<InvitationView>,
}

impl InvitationView {
    fn of(i: &Invitation) -> InvitationView {
        InvitationView {
            id: i.id.clone(),
            email: i.email.clone(),
            guest_user_id: i.guest_user_id.clone(),
            target: InvitationTarget {
                kind: i.target_kind,
                id: i.target_id.clone(),
                name: i.target_name.clone(),
            },
            invited_by: i.invited_by.clone(),
            inviter_name: i.inviter_name.clone(),
            redirect_url: i.redirect_url.clone(),
            status: i.effective_status(),
            created_at: utc::rfc3339(&i.created_at),
            expires_at: utc::rfc3339(&i.expires_at),
            redeemed_at: utc::rfc3339_opt(&i.redeemed_at),
            redeem_url: None,
            invitation_id: None,
        }
    }
}

#[utoipa::path(
    post, path = "/invitations", tag = "invitations",
    request_body = NewInvitation,
    responses(
        (status = 201, description = "The invitation, with its redemption link (shown this once)", body = InvitationView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
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
    let mut body = InvitationView::of(&invited.invitation);
    body.redeem_url = Some(invited.redeem_url);
    body.invitation_id = Some(invited.invitation.id);
    Ok(answer(StatusCode::CREATED, &body))
}

/// Admins and directory apps see every invitation; members see their own.
fn may_see(caller: &Caller, invitation: &Invitation) -> bool {
    caller.require_users_admin().is_ok()
        || matches!(&caller.kind, CallerKind::App { .. }) && caller.require_inviter().is_ok()
        || invitation.invited_by == caller.actor()
}

#[utoipa::path(
    get, path = "/invitations", tag = "invitations",
    responses(
        (status = 200, description = "Every invitation for administrators and directory apps; a member's own otherwise", body = InvitationList),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_invitations(
    caller: Inviting,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let all = state
        .db
        .read(move |c| store::invitations::list(c, &tenant_id))
        .await?;
    let invitations = all
        .iter()
        .filter(|i| may_see(&caller, i))
        .map(InvitationView::of)
        .collect();
    Ok(answer(StatusCode::OK, &InvitationList { invitations }))
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

#[utoipa::path(
    post, path = "/invitations/{id}/resend", tag = "invitations",
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 200, description = "The invitation sent again, with a new redemption link", body = InvitationView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
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
    let mut body = InvitationView::of(&invited.invitation);
    body.redeem_url = Some(invited.redeem_url);
    Ok(answer(StatusCode::OK, &body))
}

#[utoipa::path(
    post, path = "/invitations/{id}/revoke", tag = "invitations",
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
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
