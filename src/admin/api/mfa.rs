//! `/api/v1/authentication-policy` (who must use a second factor; read and
//! replaced as a whole, like the collaboration policy) and `POST
//! /api/v1/users/{id}/reset-mfa`. Every change is audited. An app's
//! `require_mfa` is patched with the app (`apps.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiResult, PoliciesAdmin, Problem, UsersAdmin, answer};
use crate::admin::mfa;
use crate::domain::MfaRequired;
use crate::state::AppState;
use crate::store;
use utoipa::ToSchema;

use super::openapi::{BadRequest, Forbidden, NotFound};

/// The tenant's authentication policy, as sent and as answered.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthPolicy {
    mfa_required: MfaRequired,
}

#[utoipa::path(
    get, path = "/authentication-policy", tag = "policies",
    responses(
        (status = 200, description = "Who must use a second factor", body = AuthPolicy),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_auth_policy(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let required = state
        .db
        .read(move |c| store::auth_policy::get(c, &tenant_id))
        .await?;
    Ok(answer(
        StatusCode::OK,
        &AuthPolicy {
            mfa_required: required,
        },
    ))
}

#[utoipa::path(
    put, path = "/authentication-policy", tag = "policies",
    request_body = AuthPolicy,
    responses(
        (status = 200, description = "The policy as saved", body = AuthPolicy),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn put_auth_policy(
    body: web::Json<AuthPolicy>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let required = body.mfa_required;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write(move |c| mfa::save_policy(c, &tenant_id, required, &actor))
        .await?;
    Ok(answer(
        StatusCode::OK,
        &AuthPolicy {
            mfa_required: required,
        },
    ))
}

#[utoipa::path(
    post, path = "/users/{id}/reset-mfa", tag = "users",
    summary = "Remove the user's second factors (they enrol again)",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn post_reset_mfa(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let found = state
        .db
        .write(move |c| mfa::reset_factors(c, &tenant_id, &id, &actor))
        .await?;
    if !found {
        return Err(Problem::not_found("user"));
    }
    Ok(HttpResponse::NoContent().finish())
}
