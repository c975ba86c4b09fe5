//! `/api/v1/groups` (through `admin::groups`), app assignments and the audit log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiResult, Caller, Directory, Problem, UsersAdmin, answer};
use crate::admin::audit_search::{AuditSearch, typed};
use crate::admin::groups::{self, GroupError};
use crate::state::AppState;
use crate::store;
use crate::store::apps::assignments::Principal;
use crate::store::audit::{AuditEvent, AuditFilter, Cursor, Page, Start};
use crate::store::groups::Group;
use utoipa::ToSchema;

use super::openapi::{BadRequest, Conflict, Forbidden, NotFound};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// 1-200 characters.
    name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    user_id: String,
}

/// Exactly one of `user_id` and `group_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    user_id: Option<String>,
    group_id: Option<String>,
}

/// `GET /audit`'s filters (the console's), a page size and where the page
/// starts (`before`: the `next` of the previous answer).
#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(flatten)]
    search: AuditSearch,
    /// Text, not a number: `flatten` hands every field over as text.
    limit: Option<String>,
    before: Option<String>,
}

impl AuditQuery {
    fn search(&self) -> Result<(AuditFilter, Page), Problem> {
        let filter = self.search.filter().map_err(Problem::bad_request)?;
        let start = match typed(&self.before) {
            None => Start::Newest,
            Some(c) => Start::Older(Cursor::parse(c).ok_or_else(|| {
                Problem::bad_request("before is not a cursor this endpoint returned")
            })?),
        };
        let size = match typed(&self.limit) {
            None => 100,
            Some(l) => l
                .parse::<i64>()
                .map_err(|_| Problem::bad_request("limit must be a whole number"))?
                .clamp(1, 1000),
        };
        Ok((filter, Page { start, size }))
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupList {
    groups: Vec<Group>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    /// Newest first.
    events: Vec<AuditEvent>,
    /// Where the next (older) page starts: pass it as `before`; `null` on
    /// the last page.
    next: Option<String>,
}

#[utoipa::path(
    get, path = "/groups", tag = "groups",
    responses(
        (status = 200, description = "The groups the caller may see", body = GroupList),
        (status = 403, response = Forbidden),
    ),
)]
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
    Ok(answer(StatusCode::OK, &GroupList { groups }))
}

#[utoipa::path(
    post, path = "/groups", tag = "groups",
    request_body = NewGroup,
    responses(
        (status = 201, description = "The new group", body = Group),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
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
    Ok(answer(StatusCode::CREATED, &group))
}

/// A new name.
#[utoipa::path(
    patch, path = "/groups/{id}", tag = "groups",
    params(("id" = String, Path, description = "The group's id")),
    request_body = NewGroup,
    responses(
        (status = 200, description = "The renamed group", body = Group),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
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
    Ok(answer(StatusCode::OK, &group))
}

#[utoipa::path(
    post, path = "/groups/{id}/members", tag = "groups",
    params(("id" = String, Path, description = "The group's id")),
    request_body = NewMember,
    responses(
        (status = 204, description = "The user is a member"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
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

#[utoipa::path(
    delete, path = "/groups/{id}/members/{user_id}", tag = "groups",
    params(
        ("id" = String, Path, description = "The group's id"),
        ("user_id" = String, Path, description = "The member's user id"),
    ),
    responses(
        (status = 204, description = "The user is no longer a member"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
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

#[utoipa::path(
    post, path = "/apps/{client_id}/assignments", tag = "apps",
    params(("client_id" = String, Path, description = "The app's client id")),
    request_body = NewAssignment,
    responses(
        (status = 204, description = "The user or group is assigned to the app"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
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

#[utoipa::path(
    get, path = "/audit", tag = "audit",
    params(
        ("actor" = Option<String>, Query, description = "Part of who acted (an email, `cli`, `app:{client_id}`), any case"),
        ("action" = Option<String>, Query, description = "An action's name, e.g. `invitation.created`"),
        ("target" = Option<String>, Query, description = "Part of what or whom it was done to, any case"),
        ("from" = Option<String>, Query, description = "From this day (`2026-12-02`) or minute (`2026-12-02T14:05`), UTC"),
        ("to" = Option<String>, Query, description = "Up to and including this day or minute, UTC"),
        ("limit" = Option<i64>, Query, description = "Events per page, 1-1000 (default 100)"),
        ("before" = Option<String>, Query, description = "The `next` of the previous page"),
    ),
    responses(
        (status = 200, description = "Audit events matching the filters, newest first", body = AuditList),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_audit(
    query: web::Query<AuditQuery>,
    caller: UsersAdmin,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = query.search()?;
    let tenant_id = caller.ctx.tenant.id.clone();
    let found = state
        .db
        .read(move |c| store::audit::search(c, &tenant_id, &filter, &page))
        .await?;
    let list = AuditList {
        events: found.events,
        next: found.older.map(|c| c.to_string()),
    };
    Ok(answer(StatusCode::OK, &list))
}
