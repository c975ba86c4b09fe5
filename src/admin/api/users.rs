//! `/api/v1/users`: list, read, block, unblock, remove.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::openapi::{BadRequest, Conflict, Forbidden, NotFound};
use super::{
    ApiResult, Caller, CallerKind, Directory, DirectoryEntry, Problem, UserView, UsersAdmin, answer,
};
use crate::b2b::removal::{self, RemovalError};
use crate::domain::{AuditAction, GuestAction, UserType};
use crate::state::AppState;
use crate::store;
use crate::store::users::User;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only guests or only members.
    #[serde(rename = "type")]
    #[param(value_type = Option<UserType>)]
    user_type: Option<String>,
}

/// A user as the caller may see them: administrators (and a user reading
/// themselves) every field, others a directory entry.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum VisibleUser<'a> {
    User(UserView<'a>),
    Entry(DirectoryEntry<'a>),
}

impl VisibleUser<'_> {
    fn user(u: &User) -> VisibleUser<'_> {
        VisibleUser::User(UserView::of(u))
    }

    fn entry(u: &User) -> VisibleUser<'_> {
        VisibleUser::Entry(DirectoryEntry::of(u))
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList<'a> {
    users: Vec<VisibleUser<'a>>,
}

#[derive(Serialize, ToSchema)]
pub struct ResetRedemption {
    invitation_id: String,
    /// The new redemption link (the earlier one no longer works).
    redeem_url: String,
}

/// Administrators see every field; members see directory entries; guests see
/// what the collaboration policy's guest visibility allows.
#[utoipa::path(
    get, path = "/users", tag = "users",
    params(UserQuery),
    responses(
        (status = 200, description = "The users the caller may see", body = UserList),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
pub async fn get_users(
    query: web::Query<UserQuery>,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let directory = caller.directory(&state).await?;
    let filter = match query.user_type.as_deref().map(str::parse::<UserType>) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => return Err(Problem::bad_request("type must be guest or member")),
    };
    let tenant_id = caller.ctx.tenant.id.clone();
    let users = state
        .db
        .read(move |c| store::users::list(c, &tenant_id, filter))
        .await?;
    let listed: Vec<VisibleUser> = match directory {
        Directory::Admin => users.iter().map(VisibleUser::user).collect(),
        Directory::Everyone => users
            .iter()
            .filter(|u| u.is_active())
            .map(VisibleUser::entry)
            .collect(),
        Directory::Own { .. } => users
            .iter()
            .filter(|u| Some(u.id.as_str()) == caller.user_id())
            .map(VisibleUser::user)
            .collect(),
    };
    Ok(answer(StatusCode::OK, &UserList { users: listed }))
}

#[utoipa::path(
    get, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user, as much as the caller may see", body = VisibleUser),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let is_self = caller.user_id() == Some(id.as_str());
    let directory = caller.directory(&state).await?;
    let tenant_id = caller.ctx.tenant.id.clone();
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| Problem::not_found("user"))?;
    match directory {
        _ if is_self => Ok(answer(StatusCode::OK, &UserView::of(&user))),
        Directory::Admin => Ok(answer(StatusCode::OK, &UserView::of(&user))),
        Directory::Everyone if user.is_active() => {
            Ok(answer(StatusCode::OK, &DirectoryEntry::of(&user)))
        }
        // Not distinguishable from an unknown id.
        Directory::Everyone | Directory::Own { .. } => Err(Problem::not_found("user")),
    }
}

async fn act(
    caller: UsersAdmin,
    state: &AppState,
    id: String,
    action: GuestAction,
) -> ApiResult<HttpResponse> {
    if matches!(&caller.kind, CallerKind::User { user, .. } if user.id == id) {
        return Err(Problem::bad_request("you cannot block or remove yourself"));
    }
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    state
        .db
        .write_as(move |c| {
            let user = store::users::find(c, &tenant_id, &id)?.ok_or(RemovalError::NoUser)?;
            removal::apply(c, &tenant_id, &actor, &user, action)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/users/{id}/block", tag = "users",
    summary = "Block the user: their sessions end and grants are revoked at once",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_block(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    act(caller, &state, id, GuestAction::Block).await
}

#[utoipa::path(
    post, path = "/users/{id}/unblock", tag = "users",
    summary = "Lift a block",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_unblock(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    act(caller, &state, id, GuestAction::Unblock).await
}

#[utoipa::path(
    delete, path = "/users/{id}", tag = "users",
    summary = "Remove the user: sessions end, grants are revoked, the account goes",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn delete_user(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    act(caller, &state, id, GuestAction::Remove).await
}

/// `POST /users/{id}/reset-redemption`: back to `pending_acceptance` with a new link.
#[utoipa::path(
    post, path = "/users/{id}/reset-redemption", tag = "users",
    params(("id" = String, Path, description = "The guest's id")),
    responses(
        (status = 200, description = "The guest must redeem again; the new link", body = ResetRedemption),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
pub async fn post_reset_redemption(
    caller: UsersAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let (tenant, issuer, actor, lifetime) = (
        caller.ctx.tenant.clone(),
        caller.ctx.issuer.clone(),
        caller.as_inviter(),
        state.settings.invitation_lifetime,
    );
    let invited = state
        .db
        .write_as(move |c| {
            let guest = store::users::find(c, &tenant.id, &id)?
                .ok_or(crate::b2b::invitation::InviteError::NotFound)?;
            crate::b2b::invitation::reset_redemption(c, &tenant, &issuer, &actor, &guest, lifetime)
        })
        .await
        .map_err(|e| match e {
            crate::b2b::invitation::InviteError::NotFound => Problem::not_found("user"),
            other => other.into(),
        })?;
    let reset = ResetRedemption {
        invitation_id: invited.invitation.id,
        redeem_url: invited.redeem_url,
    };
    Ok(answer(StatusCode::OK, &reset))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// RFC 3339 time, or null for no end.
    access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `PATCH /users/{id}`: edit a guest's access end.
#[utoipa::path(
    patch, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as it now is", body = UserView),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
pub async fn patch_user(
    body: web::Json<UserPatch>,
    caller: ApiResult<UsersAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let caller = caller?;
    let (_, id) = path.into_inner();
    let expires = body.into_inner().access_expires_at.map(|t| t.naive_utc());
    let (tenant_id, actor) = (caller.ctx.tenant.id.clone(), caller.actor());
    let user = state
        .db
        .write(move |c| {
            if !store::users::set_access_expiry(c, &tenant_id, &id, expires)? {
                return Err(store::StoreError::NotFound);
            }
            let detail = expires
                .map(|t| t.to_string())
                .unwrap_or_else(|| "never".into());
            store::audit::record(
                c,
                &tenant_id,
                &actor,
                AuditAction::UserAccessExpirySet,
                Some(&id),
                Some(&detail),
            )?;
            store::users::find(c, &tenant_id, &id)?.ok_or(store::StoreError::NotFound)
        })
        .await?;
    Ok(answer(StatusCode::OK, &UserView::of(&user)))
}
