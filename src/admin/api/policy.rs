//! `/api/v1/policy` and `/api/v1/cross-tenant-access`: the tenant's
//! collaboration policy and cross-tenant access settings, each read and
//! replaced as a whole; every change is audited with the new settings.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{ApiResult, PoliciesAdmin, Problem, json};
use crate::b2b::cross_tenant::CrossTenantAccess;
use crate::b2b::policy::Policy;
use crate::state::AppState;
use crate::store;

use super::openapi::{BadRequest, Forbidden};

#[utoipa::path(
    get, path = "/policy", tag = "policies",
    responses(
        (status = 200, description = "The collaboration policy", body = Policy),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_policy(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let policy = state
        .db
        .read(move |c| store::policies::get(c, &tenant_id))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(policy).unwrap_or_default(),
    ))
}

#[utoipa::path(
    put, path = "/policy", tag = "policies",
    request_body = Policy,
    responses(
        (status = 200, description = "The policy as saved", body = Policy),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn put_policy(
    body: web::Json<Policy>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let policy = body
        .into_inner()
        .validated()
        .map_err(Problem::bad_request)?;
    let (tenant_id, actor, saved) = (caller.ctx.tenant.id.clone(), caller.actor(), policy.clone());
    state
        .db
        .write(move |c| crate::b2b::policy::save(c, &tenant_id, &saved, &actor))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(policy).unwrap_or_default(),
    ))
}

#[utoipa::path(
    get, path = "/cross-tenant-access", tag = "policies",
    responses(
        (status = 200, description = "The cross-tenant access settings", body = CrossTenantAccess),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_cross_tenant(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let settings = state
        .db
        .read(move |c| store::cross_tenant::get(c, &tenant_id))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(settings).unwrap_or_default(),
    ))
}

#[utoipa::path(
    put, path = "/cross-tenant-access", tag = "policies",
    request_body = CrossTenantAccess,
    responses(
        (status = 200, description = "The settings as saved", body = CrossTenantAccess),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn put_cross_tenant(
    body: web::Json<CrossTenantAccess>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let settings = body
        .into_inner()
        .validated()
        .map_err(Problem::bad_request)?;
    let (tenant_id, actor, saved) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        settings.clone(),
    );
    state
        .db
        .write(move |c| crate::b2b::cross_tenant::save(c, &tenant_id, &saved, &actor))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(settings).unwrap_or_default(),
    ))
}
