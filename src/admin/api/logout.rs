//! `PUT /api/v1/apps/{client_id}/backchannel-logout` (an app's Back-Channel
//! Logout 1.0 registration, §2.2–§2.3) and `POST
//! /api/v1/users/{id}/revoke-sessions` (sign a user out everywhere; their
//! apps receive Logout Tokens). Every change is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiResult, PoliciesAdmin, Problem, UsersAdmin, answer};
use crate::admin::logout;
use crate::state::AppState;
use utoipa::ToSchema;

use super::openapi::{BadRequest, Forbidden, NotFound};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackchannelRegistration {
    /// `null` removes the registration.
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BackchannelView {
    client_id: String,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionsRevoked {
    sessions_revoked: usize,
}

#[utoipa::path(
    put, path = "/apps/{client_id}/backchannel-logout", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = BackchannelRegistration,
    responses(
        (status = 200, description = "The app's registration as it now is", body = BackchannelView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn put_backchannel(
    body: web::Json<BackchannelRegistration>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    // Logout tokens name who signed out: where they go is for a person to
    // decide, as for an app's redirect URIs.
    caller.require_person_admin("change where an app receives logout tokens")?;
    let (_, client_id) = path.into_inner();
    let body = body.into_inner();
    let registration = logout::registration(
        body.backchannel_logout_uri.as_deref(),
        body.backchannel_logout_session_required,
        &state.settings.egress,
    )
    .map_err(Problem::bad_request)?;
    let view = BackchannelView {
        client_id: client_id.clone(),
        backchannel_logout_uri: registration.as_ref().map(|l| l.uri.as_str().to_owned()),
        backchannel_logout_session_required: registration
            .as_ref()
            .is_some_and(|l| l.session_required),
    };
    let (tenant_id, actor, id) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        client_id.clone(),
    );
    let found = state
        .db
        .write(move |c| {
            logout::set_app_backchannel(c, &tenant_id, &id, registration.as_ref(), &actor)
        })
        .await?;
    if !found {
        return Err(Problem::not_found("app"));
    }
    Ok(answer(StatusCode::OK, &view))
}

#[utoipa::path(
    post, path = "/users/{id}/revoke-sessions", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "How many sessions ended (their apps receive Logout Tokens)", body = SessionsRevoked),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn post_revoke_sessions(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let ended = state
        .db
        .write(move |c| logout::revoke_sessions(c, &tenant_id, &id, &actor))
        .await?
        .ok_or_else(|| Problem::not_found("user"))?;
    Ok(answer(
        StatusCode::OK,
        &SessionsRevoked {
            sessions_revoked: ended,
        },
    ))
}
