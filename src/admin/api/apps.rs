//! `PATCH /api/v1/apps/{client_id}`: an app's settings that administrators
//! change after registration: `require_mfa` (issue 12), how the app
//! authenticates (issue 13: `token_endpoint_auth_method`, `jwks`,
//! `jwks_uri`) and `require_pushed_authorization_requests` (RFC 9126 §6).
//! Each change is audited; a `client_secret_jwt` registration answers the
//! new secret once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, PoliciesAdmin, Problem, json};
use crate::admin::client_auth::{self, ClientAuthError, ClientAuthSpec};
use crate::admin::mfa;
use crate::domain::TokenAuthMethod;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    require_mfa: Option<bool>,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    /// A JSON Web Key Set, as an object.
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    require_pushed_authorization_requests: Option<bool>,
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
    /// The authentication part, if the patch has one.
    fn auth(&self) -> ApiResult<Option<ClientAuthSpec>> {
        let Some(method) = self.token_endpoint_auth_method else {
            if self.jwks.is_some() || self.jwks_uri.is_some() {
                return Err(Problem::bad_request(
                    "jwks and jwks_uri go with token_endpoint_auth_method",
                ));
            }
            return Ok(None);
        };
        Ok(Some(ClientAuthSpec {
            method,
            jwks: self.jwks.as_ref().map(|j| j.to_string()),
            jwks_uri: self.jwks_uri.clone(),
        }))
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
    let auth = body.auth()?;
    let (require_mfa, require_par) = (body.require_mfa, body.require_pushed_authorization_requests);
    if auth.is_none() && require_mfa.is_none() && require_par.is_none() {
        return Err(Problem::bad_request("nothing to change"));
    }
    let mut answer = serde_json::json!({ "client_id": client_id });
    let (tenant_id, actor, id) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        client_id.clone(),
    );
    let (sealer, policy) = (state.settings.sealer.clone(), state.settings.egress.clone());
    let secret = state
        .db
        .write_as(move |c| -> Result<Option<String>, ClientAuthError> {
            if let Some(required) = require_mfa
                && !mfa::set_app_requires_mfa(c, &tenant_id, &id, required, &actor)?
            {
                return Err(ClientAuthError::NoApp);
            }
            if let Some(required) = require_par
                && !client_auth::set_require_par(c, &tenant_id, &id, required, &actor)?
            {
                return Err(ClientAuthError::NoApp);
            }
            match auth {
                Some(spec) => client_auth::register(
                    c,
                    sealer.as_ref(),
                    &policy,
                    &tenant_id,
                    &id,
                    spec,
                    &actor,
                ),
                None => Ok(None),
            }
        })
        .await?;
    if let Some(required) = require_mfa {
        answer["require_mfa"] = required.into();
    }
    if let Some(required) = require_par {
        answer["require_pushed_authorization_requests"] = required.into();
    }
    if let Some(method) = body.token_endpoint_auth_method {
        answer["token_endpoint_auth_method"] = method.as_str().into();
    }
    if let Some(secret) = secret {
        answer["client_secret"] = secret.into();
    }
    Ok(json(StatusCode::OK, answer))
}
