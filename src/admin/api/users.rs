//! `/api/v1/users`: list, read, block, unblock, remove.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, CallerKind, Problem, caller, json, user_json};
use crate::b2b::removal::{self, RemovalError};
use crate::state::AppState;
use crate::store;

#[derive(Deserialize)]
pub struct UserQuery {
    #[serde(rename = "type")]
    user_type: Option<String>,
}

pub async fn get_users(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<UserQuery>,
) -> ApiResult<HttpResponse> {
    let caller = caller(&state, &path, &req).await?;
    caller.require_users_admin()?;
    let filter = match query.user_type.as_deref() {
        None => None,
        Some(t @ ("guest" | "member")) => Some(t.to_owned()),
        Some(_) => return Err(Problem::bad_request("type must be guest or member")),
    };
    let tenant_id = caller.ctx.tenant.id.clone();
    let users = state
        .db
        .read(move |c| store::users::list(c, &tenant_id, filter.as_deref()))
        .await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

pub async fn get_user(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let caller = caller(&state, &slug, &req).await?;
    let is_self = matches!(&caller.kind, CallerKind::User { user, .. } if user.id == id);
    if !is_self {
        caller.require_users_admin()?;
    }
    let tenant_id = caller.ctx.tenant.id.clone();
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| Problem::not_found("user"))?;
    Ok(json(StatusCode::OK, user_json(&user)))
}

#[derive(Clone, Copy)]
enum Action {
    Block,
    Unblock,
    Remove,
}

async fn act(
    state: &AppState,
    slug: &str,
    id: String,
    req: &HttpRequest,
    action: Action,
) -> ApiResult<HttpResponse> {
    let caller = caller(state, slug, req).await?;
    caller.require_users_admin()?;
    if matches!(&caller.kind, CallerKind::User { user, .. } if user.id == id) {
        return Err(Problem::bad_request("you cannot block or remove yourself"));
    }
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write_as(move |c| {
            let user = store::users::find(c, &tenant_id, &id)?.ok_or(RemovalError::NoUser)?;
            match action {
                Action::Block => removal::block(c, &tenant_id, &actor, &user),
                Action::Unblock => removal::unblock(c, &tenant_id, &actor, &user),
                Action::Remove => removal::remove(c, &tenant_id, &actor, &user),
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn post_block(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    act(&state, &slug, id, &req, Action::Block).await
}

pub async fn post_unblock(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    act(&state, &slug, id, &req, Action::Unblock).await
}

pub async fn delete_user(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    act(&state, &slug, id, &req, Action::Remove).await
}
