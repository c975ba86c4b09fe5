//! `PATCH /api/v1/apps/{client_id}`: what an administrator changes on a
//! registered app after registering it: whether signing in to it takes a
//! second factor (`require_mfa`), whether its tokens must be DPoP-bound
//! (`dpop_bound_access_tokens`, RFC 9449 §5.2), how it authenticates
//! (`token_endpoint_auth_method`, `jwks`, `jwks_uri`; RFC 7523, OIDC Core
//! §9), whether it must push its requests
//! (`require_pushed_authorization_requests`, RFC 9126 §6), and its home page
//! (`home_url`, where My apps links its name; `null` clears it), and whether
//! only assigned users may sign in (`assignment_required`). Only what is
//! given changes, in one transaction; each change is audited. A
//! `client_secret_jwt` registration answers the new secret once. Listing,
//! registering and rotating secrets: `registry.rs`.

mod registry;

pub use registry::{
    __path_delete_assignment, __path_get_app, __path_get_apps, __path_post_app, __path_post_secret,
    delete_assignment, get_app, get_apps, post_app, post_secret,
};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiResult, PoliciesAdmin, Problem, answer};
use crate::admin::client_auth::{self, ClientAuthError, ClientAuthSpec};
use crate::admin::provision::{self, SettingsChange};
use crate::crypto::Sealer;
use crate::domain::egress::EgressPolicy;
use crate::domain::{HomeUrl, RedirectUri, TenantId, TokenAuthMethod};
use crate::state::AppState;
use crate::store::{self, DbConn};
use utoipa::ToSchema;

use super::openapi::{BadRequest, Forbidden, NotFound};

/// Only what is given changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    require_mfa: Option<bool>,
    dpop_bound_access_tokens: Option<bool>,
    require_pushed_authorization_requests: Option<bool>,
    assignment_required: Option<bool>,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    /// A JSON Web Key Set, as an object.
    #[schema(value_type = Option<Object>)]
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    /// A string sets the home page; `null` clears it.
    #[serde(default, deserialize_with = "crate::b2b::providers::present")]
    home_url: Option<Option<String>>,
    /// The whole new list of redirect URIs, matched exactly (an app with
    /// the authorization code grant keeps at least one).
    redirect_uris: Option<Vec<String>>,
    /// The whole new list of post-logout redirect URIs (may be empty).
    post_logout_redirect_uris: Option<Vec<String>>,
}

/// An app as `PATCH` answers it.
#[derive(Serialize, ToSchema)]
pub struct AppView {
    client_id: String,
    require_mfa: bool,
    dpop_bound_access_tokens: bool,
    require_pushed_authorization_requests: bool,
    assignment_required: bool,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    home_url: Option<String>,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    /// Only after registering `client_secret_jwt`: the new secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

/// A patch with its home page and authentication checked.
struct Change {
    settings: SettingsChange,
    auth: Option<ClientAuthSpec>,
}

impl From<ClientAuthError> for Problem {
    fn from(e: ClientAuthError) -> Problem {
        match e {
            ClientAuthError::Invalid(why) => Problem::bad_request(why),
            ClientAuthError::NoApp => Problem::not_found("app"),
            ClientAuthError::Store(e) => e.into(),
        }
    }
}

impl AppPatch {
    fn checked(self) -> Result<Change, Problem> {
        let auth = match self.token_endpoint_auth_method {
            Some(method) => Some(ClientAuthSpec {
                method,
                jwks: self.jwks.as_ref().map(|j| j.to_string()),
                jwks_uri: self.jwks_uri.clone(),
            }),
            None if self.jwks.is_some() || self.jwks_uri.is_some() => {
                return Err(Problem::bad_request(
                    "jwks and jwks_uri go with token_endpoint_auth_method",
                ));
            }
            None => None,
        };
        let home_url = match self.home_url {
            Some(Some(url)) => Some(Some(HomeUrl::parse(&url).map_err(Problem::bad_request)?)),
            Some(None) => Some(None),
            None => None,
        };
        let uris = |list: Option<Vec<String>>| {
            list.map(|l| provision::parse_redirect_uris(&l))
                .transpose()
                .map_err(Problem::bad_request)
        };
        let settings = SettingsChange {
            require_mfa: self.require_mfa,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            require_par: self.require_pushed_authorization_requests,
            assignment_required: self.assignment_required,
            home_url,
            redirect_uris: uris(self.redirect_uris)?,
            post_logout_redirect_uris: uris(self.post_logout_redirect_uris)?,
            // Its own route: `PUT /apps/{client_id}/backchannel-logout`.
            backchannel_logout: None,
        };
        if settings.is_empty() && auth.is_none() {
            return Err(Problem::bad_request(
                "give require_mfa, dpop_bound_access_tokens, \
                 require_pushed_authorization_requests, assignment_required, \
                 token_endpoint_auth_method, home_url, redirect_uris or \
                 post_logout_redirect_uris",
            ));
        }
        Ok(Change { settings, auth })
    }
}

#[utoipa::path(
    patch, path = "/apps/{client_id}", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = AppPatch,
    responses(
        (status = 200, description = "The app as it now is (with a new client_secret_jwt secret, shown this once)", body = AppView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn patch_app(
    body: web::Json<AppPatch>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let change = body.into_inner().checked()?;
    // Where an app's codes go and how it proves itself are for a person to
    // decide: an app that may change settings must not send another's (or
    // its own) codes somewhere else, nor give itself a way to authenticate
    // as another app (a new secret, its own keys).
    let settings = &change.settings;
    let redirects =
        settings.redirect_uris.is_some() || settings.post_logout_redirect_uris.is_some();
    if redirects || change.auth.is_some() {
        caller.require_person_admin("change an app's redirect URIs or how it authenticates")?;
    }
    let (_, client_id) = path.into_inner();
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let (sealer, policy) = (state.settings.sealer.clone(), state.settings.egress.clone());
    let view = state
        .db
        .write_as(move |c| {
            let keys = (sealer.as_ref(), &policy);
            apply(c, keys, &tenant_id, &client_id, change, &actor)
        })
        .await?;
    // This replica uses the new redirect URIs (and settings) at once.
    state
        .tenants
        .forget_client(&caller.ctx.tenant.id, &view.client_id);
    Ok(answer(StatusCode::OK, &view))
}

fn texts(uris: &[RedirectUri]) -> Vec<String> {
    uris.iter().map(|u| u.as_str().to_owned()).collect()
}

/// The changes, then the app as it now is (with a new `client_secret_jwt`
/// secret, shown this once).
fn apply(
    c: &mut DbConn,
    (sealer, policy): (Option<&Sealer>, &EgressPolicy),
    tenant_id: &TenantId,
    client_id: &str,
    change: Change,
    actor: &str,
) -> Result<AppView, ClientAuthError> {
    if !provision::change_settings(c, tenant_id, client_id, &change.settings, actor)? {
        return Err(ClientAuthError::NoApp);
    }
    let secret = match change.auth {
        Some(spec) => client_auth::register(c, sealer, policy, tenant_id, client_id, spec, actor)?,
        None => None,
    };
    let home_url = store::apps::home_url_of(c, tenant_id, client_id)?;
    let app = store::apps::find(c, tenant_id, client_id)?.ok_or(ClientAuthError::NoApp)?;
    Ok(AppView {
        client_id: client_id.to_owned(),
        require_mfa: app.require_mfa,
        dpop_bound_access_tokens: app.dpop_bound_access_tokens,
        require_pushed_authorization_requests: app.require_pushed_authorization_requests,
        assignment_required: app.assignment_required,
        token_endpoint_auth_method: app.auth.method,
        home_url: home_url.as_ref().map(|u| u.as_str().to_owned()),
        redirect_uris: texts(&app.redirect_uris),
        post_logout_redirect_uris: texts(&app.post_logout_redirect_uris),
        client_secret: secret,
    })
}
