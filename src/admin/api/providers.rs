//! `/api/v1/identity-providers` (guest homes for domains) and
//! `/api/v1/federation` (the upstream of a federated tenant). Client secrets
//! go in sealed and never come back out. The changes themselves (checked
//! under the operator's egress policy, sealed, audited as the actor, the
//! tenant reloaded) are shared with the console.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{ApiResult, PoliciesAdmin, Problem, answer, json};
use crate::b2b::providers::{self, ProviderError, ProviderPatch, ProviderSpec, ProviderView};
use crate::crypto::Sealer;
use crate::domain::{IdpRole, TenantId};
use crate::state::AppState;
use crate::store::idps::IdentityProvider;
use crate::store::{self, StoreError, StoreResult, idps};
use crate::tokens::TenantContext;
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::{BadRequest, Conflict, Forbidden, NotFound};

#[derive(Serialize, ToSchema)]
pub struct ProviderList {
    identity_providers: Vec<ProviderView>,
    /// The order in which redemption looks for a guest's home.
    redemption_order: [&'static str; 3],
}

#[derive(Serialize, ToSchema)]
pub struct FederationView {
    auth_mode: crate::domain::AuthMode,
    upstream: Option<ProviderView>,
}

/// Why a change to the identity providers was not made.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the server has no secret key to seal client secrets; set PORTICO_SECRET_KEY")]
    NoSecretKey,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProviderError> for Refusal {
    fn from(e: ProviderError) -> Refusal {
        match e {
            ProviderError::Invalid(why) => Refusal::Invalid(why),
            ProviderError::Store(s) => Refusal::Store(s),
        }
    }
}

impl From<Refusal> for Problem {
    fn from(e: Refusal) -> Problem {
        match e {
            Refusal::NoSecretKey => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "No secret key",
                Refusal::NoSecretKey.to_string(),
            ),
            Refusal::Invalid(why) => Problem::bad_request(why),
            Refusal::Store(s) => s.into(),
        }
    }
}

fn sealer(state: &AppState) -> Result<Sealer, Refusal> {
    state.settings.sealer.clone().ok_or(Refusal::NoSecretKey)
}

/// A new provider checked for `role` under the operator's egress policy,
/// and the sealer for its secret.
fn checked(
    state: &AppState,
    spec: ProviderSpec,
    role: IdpRole,
) -> Result<(ProviderSpec, Sealer), Refusal> {
    let spec = spec
        .validated_for(role, &state.settings.egress)
        .map_err(Refusal::Invalid)?;
    Ok((spec, sealer(state)?))
}

/// Adds a guest home as `actor`, checked under the operator's egress policy.
pub async fn add(
    state: &AppState,
    tenant_id: &TenantId,
    spec: ProviderSpec,
    actor: String,
) -> Result<IdentityProvider, Refusal> {
    let (spec, sealer) = checked(state, spec, IdpRole::Guests)?;
    let tenant_id = tenant_id.clone();
    Ok(state
        .db
        .write(move |c| providers::add_guest_provider(c, &sealer, &tenant_id, spec, &actor))
        .await?)
}

/// Changes a guest home as `actor`; `None` when there is no such home.
pub async fn update(
    state: &AppState,
    tenant_id: &TenantId,
    id: String,
    patch: ProviderPatch,
    actor: String,
) -> Result<Option<IdentityProvider>, Refusal> {
    let (sealer, policy) = (sealer(state)?, state.settings.egress.clone());
    let tenant_id = tenant_id.clone();
    Ok(state
        .db
        .write_as(move |c| {
            providers::update_guest_provider(c, &sealer, &policy, &tenant_id, &id, patch, &actor)
        })
        .await?)
}

/// Removes a guest home as `actor`; `false` when there is no such home.
pub async fn remove(
    state: &AppState,
    tenant_id: &TenantId,
    id: String,
    actor: String,
) -> StoreResult<bool> {
    let tenant_id = tenant_id.clone();
    state
        .db
        .write(move |c| providers::remove_guest_provider(c, &tenant_id, &id, &actor))
        .await
}

/// Makes `spec` the tenant's upstream as `actor` (members sign in there
/// from now on, on this replica at once).
pub async fn set_upstream(
    state: &AppState,
    ctx: &TenantContext,
    spec: ProviderSpec,
    actor: String,
) -> Result<IdentityProvider, Refusal> {
    let (spec, sealer) = checked(state, spec, IdpRole::Upstream)?;
    let tenant_id = ctx.tenant.id.clone();
    let upstream = state
        .db
        .write(move |c| providers::federate(c, &sealer, &tenant_id, spec, &actor))
        .await?;
    state.tenants.reload(&ctx.tenant.slug).await?;
    Ok(upstream)
}

/// Back to local sign-in as `actor`.
pub async fn remove_upstream(
    state: &AppState,
    ctx: &TenantContext,
    actor: String,
) -> StoreResult<()> {
    let tenant_id = ctx.tenant.id.clone();
    state
        .db
        .write(move |c| providers::unfederate(c, &tenant_id, &actor))
        .await?;
    state.tenants.reload(&ctx.tenant.slug).await?;
    Ok(())
}

#[utoipa::path(
    get, path = "/identity-providers", tag = "identity-providers",
    responses(
        (status = 200, description = "The guest homes and the order redemption tries them in", body = ProviderList),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_providers(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let list = state.db.read(move |c| idps::list(c, &tenant_id)).await?;
    let views: Vec<ProviderView> = list.iter().map(ProviderView::from).collect();
    let list = ProviderList {
        identity_providers: views,
        redemption_order: crate::b2b::home::REDEMPTION_ORDER,
    };
    Ok(answer(StatusCode::OK, &list))
}

#[utoipa::path(
    post, path = "/identity-providers", tag = "identity-providers",
    request_body = ProviderSpec,
    responses(
        (status = 201, description = "The new provider (never its secret)", body = ProviderView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_provider(
    body: web::Json<ProviderSpec>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let idp = add(
        &state,
        &caller.ctx.tenant.id,
        body.into_inner(),
        caller.actor(),
    )
    .await?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::to_value(ProviderView::from(&idp)).unwrap_or_default(),
    ))
}

#[utoipa::path(
    patch, path = "/identity-providers/{id}", tag = "identity-providers",
    params(("id" = String, Path, description = "The provider's id")),
    request_body = ProviderPatch,
    responses(
        (status = 200, description = "The provider as it now is", body = ProviderView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn patch_provider(
    body: web::Json<ProviderPatch>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, id) = path.into_inner();
    let (tenant_id, actor) = (&caller.ctx.tenant.id, caller.actor());
    let updated = update(&state, tenant_id, id, body.into_inner(), actor)
        .await?
        .ok_or_else(|| Problem::not_found("identity provider"))?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(ProviderView::from(&updated)).unwrap_or_default(),
    ))
}

#[utoipa::path(
    delete, path = "/identity-providers/{id}", tag = "identity-providers",
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn delete_provider(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    if !remove(&state, &caller.ctx.tenant.id, id, caller.actor()).await? {
        return Err(Problem::not_found("identity provider"));
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn federation_view(state: &AppState, slug: &str) -> ApiResult<FederationView> {
    let slug = slug.to_owned();
    let (tenant, upstream) = state
        .db
        .read(move |c| {
            let tenant =
                store::tenants::find_by_slug(c, &slug)?.ok_or(store::StoreError::NotFound)?;
            let upstream = idps::upstream(c, &tenant.id)?;
            Ok((tenant, upstream))
        })
        .await?;
    Ok(FederationView {
        auth_mode: tenant.auth_mode,
        upstream: upstream.as_ref().map(ProviderView::from),
    })
}

#[utoipa::path(
    get, path = "/federation", tag = "federation",
    responses(
        (status = 200, description = "The tenant's sign-in mode and upstream", body = FederationView),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_federation(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let view = federation_view(&state, &caller.ctx.tenant.slug).await?;
    Ok(answer(StatusCode::OK, &view))
}

#[utoipa::path(
    put, path = "/federation", tag = "federation",
    request_body = ProviderSpec,
    responses(
        (status = 200, description = "The tenant now signs in at the upstream", body = FederationView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
pub async fn put_federation(
    body: web::Json<ProviderSpec>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    set_upstream(&state, &caller.ctx, body.into_inner(), caller.actor()).await?;
    let view = federation_view(&state, &caller.ctx.tenant.slug).await?;
    Ok(answer(StatusCode::OK, &view))
}

#[utoipa::path(
    delete, path = "/federation", tag = "federation",
    responses(
        (status = 200, description = "The tenant signs in locally again", body = FederationView),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn delete_federation(
    caller: PoliciesAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    remove_upstream(&state, &caller.ctx, caller.actor()).await?;
    let view = federation_view(&state, &caller.ctx.tenant.slug).await?;
    Ok(answer(StatusCode::OK, &view))
}
