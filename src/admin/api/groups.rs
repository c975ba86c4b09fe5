//! `/api/v1/groups`, app assignments and the audit log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiResult, Caller, Directory, Problem, UsersAdmin, json};
use crate::admin::audit_search::{AuditSearch, typed};
use crate::domain::AuditAction;
use crate::state::AppState;
use crate::store::audit::{AuditFilter, Cursor, Page, Start};
use crate::store::{self, StoreError};

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
    let name = body.into_inner().name.trim().to_owned();
    if name.is_empty() || name.len() > 200 {
        return Err(Problem::bad_request("name must be 1-200 characters"));
    }
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let group = state
        .db
        .write(move |c| {
            let group = store::groups::create(c, &tenant_id, &name)?;
            store::audit::record(
                c,
                &tenant_id,
                &actor,
                AuditAction::GroupCreated,
                Some(&name),
                Some(&group.id),
            )?;
            Ok(group)
        })
        .await?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::to_value(group).unwrap_or_default(),
    ))
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
        .write(move |c| {
            store::users::find(c, &tenant_id, &user_id)?.ok_or(StoreError::NotFound)?;
            store::groups::add_member(c, &tenant_id, &group_id, &user_id)?;
            store::audit::record(
                c,
                &tenant_id,
                &actor,
                AuditAction::GroupMemberAdded,
                Some(&user_id),
                Some(&group_id),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
        } => ("user", u),
        NewAssignment {
            user_id: None,
            group_id: Some(g),
        } => ("group", g),
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
            let app = store::apps::find(c, &tenant_id, &client_id)?.ok_or(StoreError::NotFound)?;
            let exists = match kind {
                "user" => store::users::find(c, &tenant_id, &principal)?.is_some(),
                _ => store::groups::find(c, &tenant_id, &principal)?.is_some(),
            };
            if !exists {
                return Err(StoreError::NotFound);
            }
            store::groups::assign_app(c, &tenant_id, &app.id, kind, &principal)?;
            store::audit::record(
                c,
                &tenant_id,
                &actor,
                AuditAction::AppAssigned,
                Some(&principal),
                Some(&client_id),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

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
    let next = found.older.map(|c| c.to_string());
    Ok(json(
        StatusCode::OK,
        serde_json::json!({ "events": found.events, "next": next }),
    ))
}
