//! `/api/v1/authentication-policy` (who must use a second factor; read and
//! replaced as a whole, like the collaboration policy) and `POST
//! /api/v1/users/{id}/reset-mfa` (`require_mfa` of an app: `apps.rs`).
//! Every change is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, PoliciesAdmin, Problem, UsersAdmin, json};
use crate::admin::mfa;
use crate::domain::MfaRequired;
use crate::state::AppState;
use crate::store;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthPolicy {
    mfa_required: MfaRequired,
}

pub async fn get_auth_policy(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let required = state
        .db
        .read(move |c| store::auth_policy::get(c, &tenant_id))
        .await?;
    Ok(json(StatusCode::OK, mfa::policy_json(required)))
}

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
    Ok(json(StatusCode::OK, mfa::policy_json(required)))
}

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
