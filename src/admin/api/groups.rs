//! `/api/v1/groups` (through `admin::groups`), app assignments and the audit log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, Caller, Directory, Problem, UsersAdmin, json};
use crate::admin::groups::{self, GroupError};
use crate::state::AppState;
use crate::store::apps::assignments::Principal;
use crate::store::groups::Group;
use crate::store;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    user_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    user_id: Option<String>,
    group_id: Option<String>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
}

pub async fn get_groups(caller: Caller, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let tenant_id = caller.ctx.tenant.id.clone();
    let own = match caller.directory(&state).await? {
        Directory::Admin | Directory::Everyone => None,
        Directory::Own { groups: true } => caller.user_id().map(str::to_owned),
        Directory::Own { groups: false } => {
            return Err(Problem::forbidden(
                "the collaboration policy does not let guests read groups",
            ));
        }
    };
    let groups = state
        .db
        .read(move |c| {
            let all = store::groups::list(c, &tenant_id)?;
            match own {
                None => Ok(all),
                Some(user_id) => {
                    let mine = store::groups::groups_of(c, &tenant_id, &user_id)?;
                    Ok(all.into_iter().filter(|g| mine.contains(&g.id)).collect())
                }
            }
        })
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "groups": groups }),
    ))
}

pub async fn post_group(
    body: web::Json<NewGroup>,
    caller: ApiResult<UsersAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let name = body.into_inner().name;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let group = state
        .db
        .write_as(move |c| groups::create(c, &tenant_id, &name, &actor))
        .await?;
    Ok(group_json(StatusCode::CREATED, &group))
}

fn group_json(status: StatusCode, group: &Group) -> HttpResponse {
    json(status, serde_json::to_value(group).unwrap_or_default())
}

/// `PATCH /groups/{id}`: a new name.
pub async fn patch_group(
    body: web::Json<NewGroup>,
    caller: ApiResult<UsersAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, group_id) = path.into_inner();
    let name = body.into_inner().name;
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let group = state
        .db
        .write_as(move |c| groups::rename(c, &tenant_id, &group_id, &name, &actor))
        .await?;
    Ok(group_json(StatusCode::OK, &group))
}

pub async fn post_group_member(
    body: web::Json<NewMember>,
    caller: ApiResult<UsersAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, group_id) = path.into_inner();
    let (tenant_id, actor, user_id) = (
        caller.ctx.tenant.id.clone(),
        caller.actor(),
        body.into_inner().user_id,
    );
    state
        .db
        .write_as(move |c| groups::add_member(c, &tenant_id, &group_id, &user_id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /groups/{id}/members/{user_id}`.
pub async fn delete_group_member(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, group_id, user_id) = path.into_inner();
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write_as(move |c| groups::remove_member(c, &tenant_id, &group_id, &user_id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

impl From<GroupError> for Problem {
    fn from(e: GroupError) -> Problem {
        match e {
            GroupError::BadName => Problem::bad_request(e.to_string()),
            GroupError::NoGroup => Problem::not_found("group"),
            GroupError::NoUser => Problem::not_found("user"),
            GroupError::NotMember => Problem::not_found("group member"),
            GroupError::Store(e) => e.into(),
        }
    }
}

pub async fn post_assignment(
    body: web::Json<NewAssignment>,
    caller: ApiResult<UsersAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, client_id) = path.into_inner();
    let (kind, principal) = match body.into_inner() {
        NewAssignment {
            user_id: Some(u),
            group_id: None,
        } => (Principal::User, u),
        NewAssignment {
            user_id: None,
            group_id: Some(g),
        } => (Principal::Group, g),
        _ => {
            return Err(Problem::bad_request(
                "give exactly one of user_id or group_id",
            ));
        }
    };
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write(move |c| {
            let principal = (kind, principal.as_str());
            crate::admin::provision::assign(c, &tenant_id, &client_id, principal, &actor)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn get_audit(
    query: web::Query<AuditQuery>,
    caller: UsersAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let tenant_id = caller.ctx.tenant.id.clone();
    let events = state
        .db
        .read(move |c| store::audit::list(c, &tenant_id, limit))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "events": events }),
    ))
}
