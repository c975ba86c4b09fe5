//! `GET /api/v1/apps`, `GET /api/v1/apps/{client_id}`, `POST /api/v1/apps`
//! (register an app; a confidential app's secret answered once) and `POST
//! /api/v1/apps/{client_id}/secret` (rotate it), for administrators only:
//! registering an app chooses what its tokens may do at this API. `DELETE
//! /api/v1/apps/{client_id}/assignments/{kind}/{id}` takes an assignment
//! away, for whoever may assign. Registrations go through
//! `admin::provision::register`, as on the CLI and in the console; no
//! answer but the two above ever carries a secret.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::openapi::{BadRequest, Conflict, Forbidden, NotFound};
use super::super::{ApiResult, Caller, Problem, UsersAdmin, answer};
use crate::admin::client_auth::ClientAuthSpec;
use crate::admin::provision::{self, AppSettings, AppSpec};
use crate::domain::{ClientType, GrantType, HomeUrl, Permission, TokenAuthMethod};
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::apps::assignments::{self, Assignment, Principal};
use crate::store::{self, DbConn, StoreResult};

/// A registration, as RFC 7591 names its fields where it has one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    name: String,
    /// `confidential` (the default) or `public`.
    #[serde(default)]
    client_type: Option<ClientType>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    /// Default: `authorization_code` and `refresh_token`.
    #[serde(default)]
    grant_types: Vec<GrantType>,
    /// What the app's own tokens may do at this API.
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default)]
    first_party: bool,
    #[serde(default)]
    assignment_required: bool,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default)]
    dpop_bound_access_tokens: bool,
    #[serde(default)]
    require_pushed_authorization_requests: bool,
    home_url: Option<String>,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    /// A JSON Web Key Set, as an object.
    #[schema(value_type = Option<Object>)]
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: bool,
}

impl NewApp {
    /// The checked registration and its settings (nothing stored yet).
    fn checked(self, state: &AppState) -> ApiResult<(provision::CheckedApp, AppSettings)> {
        let spec = AppSpec {
            client_id: None,
            name: self.name,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            public: self.client_type == Some(ClientType::Public),
            first_party: self.first_party,
            grants: self.grant_types,
            permissions: self.permissions,
        };
        let app = spec.checked().map_err(Problem::bad_request)?;
        let auth = match self.token_endpoint_auth_method {
            Some(method) => Some(ClientAuthSpec {
                method,
                jwks: self.jwks.as_ref().map(|j| j.to_string()),
                jwks_uri: self.jwks_uri,
            }),
            None if self.jwks.is_some() || self.jwks_uri.is_some() => {
                return Err(Problem::bad_request(
                    "jwks and jwks_uri go with token_endpoint_auth_method",
                ));
            }
            None => None,
        };
        let backchannel = crate::admin::logout::registration(
            self.backchannel_logout_uri.as_deref(),
            self.backchannel_logout_session_required,
            &state.settings.egress,
        )
        .map_err(Problem::bad_request)?;
        let settings = AppSettings {
            assignment_required: self.assignment_required,
            require_mfa: self.require_mfa,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            require_par: self.require_pushed_authorization_requests,
            home_url: self
                .home_url
                .map(|u| HomeUrl::parse(&u))
                .transpose()
                .map_err(Problem::bad_request)?,
            auth,
            backchannel,
        };
        Ok((app, settings))
    }
}

/// Apps are registered, listed and given secrets by people only (see
/// [`Caller::require_person_admin`]).
pub(super) fn administrator(caller: &Caller) -> ApiResult<()> {
    caller.require_person_admin("list and register apps and rotate their secrets")
}

/// An app as the API shows it: its settings and whether it has a secret,
/// never the secret or its hash.
#[derive(Serialize, ToSchema)]
pub struct AppInfo {
    client_id: String,
    name: String,
    client_type: ClientType,
    has_secret: bool,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    grant_types: Vec<GrantType>,
    permissions: Vec<Permission>,
    first_party: bool,
    assignment_required: bool,
    require_mfa: bool,
    dpop_bound_access_tokens: bool,
    require_pushed_authorization_requests: bool,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    jwks_uri: Option<String>,
    home_url: Option<String>,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: bool,
}

impl AppInfo {
    fn of(app: &Client, home_url: Option<&HomeUrl>) -> AppInfo {
        let uris = |list: &[crate::domain::RedirectUri]| {
            list.iter()
                .map(|u| u.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        let logout = app.backchannel_logout.as_ref();
        AppInfo {
            client_id: app.client_id.clone(),
            name: app.name.clone(),
            client_type: app.client_type,
            has_secret: app.secret_hash.is_some(),
            redirect_uris: uris(&app.redirect_uris),
            post_logout_redirect_uris: uris(&app.post_logout_redirect_uris),
            grant_types: app.grant_types.clone(),
            permissions: app.permissions.clone(),
            first_party: app.first_party,
            assignment_required: app.assignment_required,
            require_mfa: app.require_mfa,
            dpop_bound_access_tokens: app.dpop_bound_access_tokens,
            require_pushed_authorization_requests: app.require_pushed_authorization_requests,
            token_endpoint_auth_method: app.auth.method,
            jwks_uri: app.auth.jwks_uri.as_ref().map(|u| u.as_str().to_owned()),
            home_url: home_url.map(|u| u.as_str().to_owned()),
            backchannel_logout_uri: logout.map(|l| l.uri.as_str().to_owned()),
            backchannel_logout_session_required: logout.is_some_and(|l| l.session_required),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppList {
    apps: Vec<AppInfo>,
}

/// A user or group the app is assigned to.
#[derive(Serialize, ToSchema)]
pub struct AssignmentView {
    /// `user` or `group`.
    kind: &'static str,
    id: String,
    #[serde(serialize_with = "crate::domain::utc::serialize")]
    assigned_at: chrono::NaiveDateTime,
}

/// An app with whom it is assigned to.
#[derive(Serialize, ToSchema)]
pub struct AppDetail {
    #[serde(flatten)]
    app: AppInfo,
    assignments: Vec<AssignmentView>,
}

/// A newly registered app, with a confidential app's secret (shown once).
#[derive(Serialize, ToSchema)]
pub struct Registration {
    #[serde(flatten)]
    app: AppInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

/// A rotated secret, shown once.
#[derive(Serialize, ToSchema)]
pub struct NewSecret {
    client_id: String,
    client_secret: String,
}

#[utoipa::path(
    get, path = "/apps", tag = "apps",
    responses(
        (status = 200, description = "Every app of the tenant (never a secret)", body = AppList),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_apps(caller: Caller, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    administrator(&caller)?;
    let tenant_id = caller.ctx.tenant.id.clone();
    let apps = state
        .db
        .read(move |c| {
            let homes = store::apps::home_urls(c, &tenant_id)?;
            let apps = store::apps::list(c, &tenant_id)?;
            Ok(apps
                .iter()
                .map(|a| AppInfo::of(a, homes.get(&a.client_id)))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(answer(StatusCode::OK, &AppList { apps }))
}

/// The app with its home page and assignments, if it exists.
fn one_app(
    c: &mut DbConn,
    tenant_id: &crate::domain::TenantId,
    client_id: &str,
) -> StoreResult<Option<AppDetail>> {
    let Some(app) = store::apps::find(c, tenant_id, client_id)? else {
        return Ok(None);
    };
    let home_url = store::apps::home_url_of(c, tenant_id, client_id)?;
    let assignments = assignments::of_app(c, tenant_id, &app.id)?
        .into_iter()
        .map(|a: Assignment| AssignmentView {
            kind: a.kind.as_str(),
            id: a.principal_id,
            assigned_at: a.created_at,
        })
        .collect();
    Ok(Some(AppDetail {
        app: AppInfo::of(&app, home_url.as_ref()),
        assignments,
    }))
}

#[utoipa::path(
    get, path = "/apps/{client_id}", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The app and its assignments (never a secret)", body = AppDetail),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn get_app(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    administrator(&caller)?;
    let (_, client_id) = path.into_inner();
    let tenant_id = caller.ctx.tenant.id.clone();
    let view = state
        .db
        .read(move |c| one_app(c, &tenant_id, &client_id))
        .await?
        .ok_or_else(|| Problem::not_found("app"))?;
    Ok(answer(StatusCode::OK, &view))
}

#[utoipa::path(
    post, path = "/apps", tag = "apps",
    request_body = NewApp,
    responses(
        (status = 201, description = "The registered app, with a confidential app's secret shown this once", body = Registration),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_app(
    body: web::Json<NewApp>,
    caller: ApiResult<Caller>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    administrator(&caller)?;
    let (app, settings) = body.into_inner().checked(&state)?;
    let home_url = settings.home_url.clone();
    let registration = (app, settings);
    let registered =
        provision::register_on(&state, &caller.ctx.tenant.id, registration, caller.actor()).await?;
    let view = Registration {
        app: AppInfo::of(&registered.client, home_url.as_ref()),
        client_secret: registered.secret,
    };
    let mut response = answer(StatusCode::CREATED, &view);
    let location = format!(
        "{}/api/v1/apps/{}",
        caller.ctx.issuer, registered.client.client_id
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&location) {
        response
            .headers_mut()
            .insert(actix_web::http::header::LOCATION, value);
    }
    Ok(response)
}

#[utoipa::path(
    post, path = "/apps/{client_id}/secret", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    responses(
        (status = 200, description = "The new secret, shown this once; the old one no longer works", body = NewSecret),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn post_secret(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    administrator(&caller)?;
    let (_, client_id) = path.into_inner();
    let tenant_id = &caller.ctx.tenant.id;
    let client_secret =
        provision::rotate_secret_on(&state, tenant_id, &client_id, caller.actor()).await?;
    let view = NewSecret {
        client_id,
        client_secret,
    };
    Ok(answer(StatusCode::OK, &view))
}

/// `users` or `groups`, as in the path.
fn principal_kind(segment: &str) -> ApiResult<Principal> {
    match segment {
        "users" => Ok(Principal::User),
        "groups" => Ok(Principal::Group),
        _ => Err(Problem::not_found("kind of assignment (users or groups)")),
    }
}

#[utoipa::path(
    delete, path = "/apps/{client_id}/assignments/{kind}/{id}", tag = "apps",
    params(
        ("client_id" = String, Path, description = "The app's client id"),
        ("kind" = String, Path, description = "`users` or `groups`"),
        ("id" = String, Path, description = "The user's or group's id"),
    ),
    responses(
        (status = 204, description = "The assignment is gone"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn delete_assignment(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, client_id, kind, principal_id) = path.into_inner();
    let kind = principal_kind(&kind)?;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let removed = state
        .db
        .write(move |c| {
            let principal = (kind, principal_id.as_str());
            provision::unassign(c, &tenant_id, &client_id, principal, &actor)
        })
        .await?;
    match removed {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(Problem::not_found("assignment")),
    }
}
