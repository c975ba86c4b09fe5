//! `/api/v1/identity-providers` (guest homes for domains) and
//! `/api/v1/federation` (the upstream of a federated tenant). Client secrets
//! go in sealed and never come back out.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{ApiResult, PoliciesAdmin, Problem, answer, json};
use crate::b2b::providers::{self, ProviderError, ProviderPatch, ProviderSpec, ProviderView};
use crate::crypto::Sealer;
use crate::domain::IdpRole;
use crate::state::AppState;
use crate::store::{self, idps};
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

fn sealer(state: &AppState) -> ApiResult<Sealer> {
    state.settings.sealer.clone().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "No secret key",
            "the server has no secret key to seal client secrets; set PORTICO_SECRET_KEY",
        )
    })
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
    let spec = body
        .into_inner()
        .validated_for(IdpRole::Guests, &state.settings.egress)
        .map_err(Problem::bad_request)?;
    let sealer = sealer(&state)?;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let idp = state
        .db
        .write(move |c| providers::add_guest_provider(c, &sealer, &tenant_id, spec, &actor))
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
    let sealer = sealer(&state)?;
    let (tenant_id, actor, patch, policy) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        body.into_inner(),
        state.settings.egress.clone(),
    );
    let updated = state
        .db
        .write_as(move |c| {
            providers::update_guest_provider(c, &sealer, &policy, &tenant_id, &id, patch, &actor)
        })
        .await
        .map_err(|e| match e {
            ProviderError::Invalid(why) => Problem::bad_request(why),
            ProviderError::Store(s) => s.into(),
        })?
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
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let removed = state
        .db
        .write(move |c| providers::remove_guest_provider(c, &tenant_id, &id, &actor))
        .await?;
    if !removed {
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
    let spec = body
        .into_inner()
        .validated_for(IdpRole::Upstream, &state.settings.egress)
        .map_err(Problem::bad_request)?;
    let sealer = sealer(&state)?;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write(move |c| providers::federate(c, &sealer, &tenant_id, spec, &actor))
        .await?;
    state.tenants.reload(&caller.ctx.tenant.slug).await?;
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
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write(move |c| providers::unfederate(c, &tenant_id, &actor))
        .await?;
    state.tenants.reload(&caller.ctx.tenant.slug).await?;
    let view = federation_view(&state, &caller.ctx.tenant.slug).await?;
    Ok(answer(StatusCode::OK, &view))
}
