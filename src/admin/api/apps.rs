//! `PATCH /api/v1/apps/{client_id}`: what an administrator changes on a
//! registered app after registering it: whether signing in to it takes a
//! second factor (`require_mfa`), whether its tokens must be DPoP-bound
//! (`dpop_bound_access_tokens`, RFC 9449 §5.2), and its home page
//! (`home_url`, where My apps links its name; `null` clears it). Only what is given changes, in
//! one transaction; each change is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, PoliciesAdmin, Problem, json};
use crate::admin;
use crate::domain::{HomeUrl, TenantId};
use crate::state::AppState;
use crate::store::apps::AppSwitch;
use crate::store::{self, DbConn, StoreResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    require_mfa: Option<bool>,
    dpop_bound_access_tokens: Option<bool>,
    /// A string sets the home page; `null` clears it.
    #[serde(default, deserialize_with = "crate::b2b::providers::present")]
    home_url: Option<Option<String>>,
}

/// A patch with its home page checked.
struct Change {
    require_mfa: Option<bool>,
    dpop_bound_access_tokens: Option<bool>,
    home_url: Option<Option<HomeUrl>>,
}

impl AppPatch {
    fn checked(self) -> Result<Change, Problem> {
        if self.require_mfa.is_none()
            && self.dpop_bound_access_tokens.is_none()
            && self.home_url.is_none()
        {
            return Err(Problem::bad_request(
                "give require_mfa, dpop_bound_access_tokens or home_url",
            ));
        }
        let home_url = match self.home_url {
            Some(Some(url)) => Some(Some(HomeUrl::parse(&url).map_err(Problem::bad_request)?)),
            Some(None) => Some(None),
            None => None,
        };
        Ok(Change {
            require_mfa: self.require_mfa,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            home_url,
        })
    }
}

pub async fn patch_app(
    body: web::Json<AppPatch>,
    caller: ApiResult<PoliciesAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let change = body.into_inner().checked()?;
    let (_, client_id) = path.into_inner();
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let answer = state
        .db
        .write(move |c| apply(c, &tenant_id, &client_id, &change, &actor))
        .await?;
    match answer {
        Some(view) => Ok(json(StatusCode::OK, view)),
        None => Err(Problem::not_found("app")),
    }
}

/// The changes, then the app as it now is; `None` when there is no such app.
fn apply(
    c: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    change: &Change,
    actor: &str,
) -> StoreResult<Option<serde_json::Value>> {
    if store::apps::find(c, tenant_id, client_id)?.is_none() {
        return Ok(None);
    }
    if let Some(required) = change.require_mfa {
        admin::mfa::set_app_requires_mfa(c, tenant_id, client_id, required, actor)?;
    }
    if let Some(bound) = change.dpop_bound_access_tokens {
        let switch = AppSwitch::DpopBoundAccessTokens;
        admin::app_switch::set(c, tenant_id, client_id, switch, bound, actor)?;
    }
    if let Some(url) = &change.home_url {
        admin::apps::set_home_url(c, tenant_id, client_id, url.as_ref(), actor)?;
    }
    let home_url = store::apps::home_url_of(c, tenant_id, client_id)?;
    let Some(app) = store::apps::find(c, tenant_id, client_id)? else {
        return Ok(None);
    };
    Ok(Some(serde_json::json!({
        "client_id": client_id,
        "require_mfa": app.require_mfa,
        "dpop_bound_access_tokens": app.dpop_bound_access_tokens,
        "home_url": home_url.as_ref().map(HomeUrl::as_str),
    })))
}
