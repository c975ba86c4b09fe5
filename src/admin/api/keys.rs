//! `/api/v1/keys`: the tenant's signing keys with their states and dates,
//! and `/api/v1/keys/rotation`: publishing the next key and scheduling the
//! switch (`tokens/rotation.rs`), as `portico keys` does. Listing and
//! rotating are shared with the console.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApiResult, PoliciesAdmin, Problem, answer};
use crate::admin::provision::{self, ProvisionError};
use crate::domain::TenantId;
use crate::state::AppState;
use crate::store::keys::KeyRow;
use crate::store::{StoreResult, now};
use crate::tokens::TenantContext;
use crate::tokens::rotation::{self, KeyStatus, Plan, RotationError, Switch};

/// The tenant's published keys with their states now, latest first.
pub async fn statuses(state: &AppState, tenant_id: &TenantId) -> StoreResult<Vec<KeyStatus>> {
    let tenant_id = tenant_id.clone();
    let rows = state
        .db
        .read(move |c| crate::store::keys::published(c, &tenant_id))
        .await?;
    Ok(rotation::statuses(&rows, now()))
}

/// Publishes a new key that signs from `switch` (`forced` skips the
/// pre-publication check), audited as `actor`; this replica publishes it at
/// once, the others within their cache TTL, which the pre-publication
/// outlasts.
pub async fn rotate(
    state: &AppState,
    ctx: &TenantContext,
    switch: Switch,
    forced: bool,
    actor: String,
) -> Result<KeyRow, ProvisionError> {
    let settings = &state.settings;
    let plan = Plan {
        switch,
        prepublish: settings.key_rotation.prepublish,
        forced,
        retention: settings.key_retention(),
    };
    let (db, slug) = (state.db.clone(), ctx.tenant.slug.clone());
    let key = web::block(move || provision::rotate_key(&db, &slug, &plan, &actor))
        .await
        .map_err(|e| ProvisionError::Internal(anyhow::anyhow!("key rotation stopped: {e}")))??;
    state.tenants.reload(&ctx.tenant.slug).await?;
    Ok(key)
}
use utoipa::ToSchema;

use super::openapi::{BadRequest, Conflict, Forbidden};

#[utoipa::path(
    get, path = "/keys", tag = "keys",
    responses(
        (status = 200, description = "The tenant's published signing keys, latest first", body = KeyList),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_keys(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let keys = statuses(&state, &caller.ctx.tenant.id).await?;
    Ok(answer(StatusCode::OK, &KeyList { keys }))
}

#[derive(Serialize, ToSchema)]
pub struct KeyList {
    keys: Vec<KeyStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct RotationAnswer {
    kid: String,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    signs_from: chrono::NaiveDateTime,
}

/// A rotation request: by default the switch comes after the configured
/// pre-publication; `at` names a later moment; `now` (with `force`) skips
/// pre-publication.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationRequest {
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    #[serde(default)]
    now: bool,
    #[serde(default)]
    force: bool,
}

#[utoipa::path(
    post, path = "/keys/rotation", tag = "keys",
    request_body = RotationRequest,
    responses(
        (status = 201, description = "The next key, published now, and when it starts signing", body = RotationAnswer),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_rotation(
    body: web::Json<RotationRequest>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let request = body.into_inner();
    if request.now && !request.force {
        return Err(Problem::bad_request(
            "now skips pre-publication, so relying parties that cached the JWKS would meet an unknown kid; send force too if that is intended",
        ));
    }
    if request.now && request.at.is_some() {
        return Err(Problem::bad_request("give at or now, not both"));
    }
    let switch = match (request.at, request.now) {
        (_, true) => Switch::Now,
        (Some(at), false) => Switch::At(at.naive_utc()),
        (None, false) => Switch::AfterPrepublication,
    };
    let key = rotate(&state, &caller.ctx, switch, request.force, caller.actor())
        .await
        .map_err(refused)?;
    let rotated = RotationAnswer {
        kid: key.kid,
        signs_from: key.activates_at,
    };
    Ok(answer(StatusCode::CREATED, &rotated))
}

fn server_error(detail: String) -> Problem {
    tracing::error!(detail, "key rotation failed");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server error",
        "the key could not be rotated",
    )
}

fn refused(e: ProvisionError) -> Problem {
    match e {
        ProvisionError::Store(s) => s.into(),
        ProvisionError::Rotation(pending @ RotationError::Pending { .. }) => {
            Problem::new(StatusCode::CONFLICT, "Conflict", pending.to_string())
        }
        ProvisionError::Rotation(other) => Problem::bad_request(other.to_string()),
        other => server_error(other.to_string()),
    }
}
