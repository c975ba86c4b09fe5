//! `/api/v1/authentication-policy` (who must use a second factor; read and
//! replaced as a whole, like the collaboration policy), `PATCH
//! /api/v1/apps/{client_id}` (`require_mfa`, and DPoP's
//! `dpop_bound_access_tokens`) and `POST
//! /api/v1/users/{id}/reset-mfa`. Every change is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, PoliciesAdmin, Problem, UsersAdmin, json};
use crate::admin::{app_switch, mfa};
use crate::domain::MfaRequired;
use crate::state::AppState;
use crate::store;
use crate::store::apps::AppSwitch;

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

/// The app settings an administrator may change; each one left out stays.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    require_mfa: Option<bool>,
    /// RFC 9449 §5.2: every token request of the app must carry a DPoP proof.
    dpop_bound_access_tokens: Option<bool>,
}

impl AppPatch {
    /// The settings named, with their new values.
    fn switches(&self) -> Vec<(AppSwitch, bool)> {
        [
            (AppSwitch::RequireMfa, self.require_mfa),
            (
                AppSwitch::DpopBoundAccessTokens,
                self.dpop_bound_access_tokens,
            ),
        ]
        .into_iter()
        .filter_map(|(switch, on)| on.map(|on| (switch, on)))
        .collect()
    }
}

pub async fn patch_app(
    body: web::Json<AppPatch>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, client_id) = path.into_inner();
    let switches = body.switches();
    if switches.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "name a setting to change: require_mfa or dpop_bound_access_tokens",
        ));
    }
    let (tenant_id, actor, id, changes) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        client_id.clone(),
        switches.clone(),
    );
    let found = state
        .db
        .write(move |c| {
            let mut found = true;
            for (switch, on) in changes {
                found &= app_switch::set(c, &tenant_id, &id, switch, on, &actor)?;
            }
            Ok(found)
        })
        .await?;
    if !found {
        return Err(Problem::not_found("app"));
    }
    let mut body = serde_json::json!({ "client_id": client_id });
    for (switch, on) in switches {
        body[switch.name()] = on.into();
    }
    Ok(json(StatusCode::OK, body))
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
