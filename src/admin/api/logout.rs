//! `PUT /api/v1/apps/{client_id}/backchannel-logout` (an app's Back-Channel
//! Logout 1.0 registration, §2.2–§2.3) and `POST
//! /api/v1/users/{id}/revoke-sessions` (sign a user out everywhere; their
//! apps receive Logout Tokens). Every change is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, PoliciesAdmin, Problem, UsersAdmin, json};
use crate::admin::logout;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackchannelRegistration {
    /// `null` removes the registration.
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
}

pub async fn put_backchannel(
    body: web::Json<BackchannelRegistration>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, client_id) = path.into_inner();
    let body = body.into_inner();
    let registration = logout::registration(
        body.backchannel_logout_uri.as_deref(),
        body.backchannel_logout_session_required,
        &state.settings.egress,
    )
    .map_err(Problem::bad_request)?;
    let answer = logout::registration_json(registration.as_ref());
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
    let mut answer = answer;
    answer["client_id"] = client_id.into();
    Ok(json(StatusCode::OK, answer))
}

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
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "sessions_revoked": ended }),
    ))
}
