//! The JSON admin API under `/t/{tenant}/api/v1` (DESIGN.md §6): bearer access
//! tokens of the same tenant (RFC 6750), role- or permission-checked, errors as
//! RFC 9457 problem+json. Reference: docs/admin-api.md.

pub mod apps;
mod caller;
pub mod groups;
pub mod invitations;
pub mod keys;
pub mod logout;
pub mod mfa;
pub mod openapi;
pub mod policy;
pub mod providers;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::b2b::invitation::InviteError;
use crate::b2b::removal::RemovalError;
use crate::domain::{ExternalState, IdentitySource, UserStatus, UserType};
use crate::store::StoreError;
use crate::store::users::User;

pub use caller::{Caller, CallerKind, Directory, Inviting, PoliciesAdmin, UsersAdmin};
pub use openapi::RouteTable;

/// Every route of the admin API, each mounted where its `#[utoipa::path]`
/// says and described there (ARCHITECTURE.md, "The admin API").
pub fn routes() -> RouteTable {
    openapi::routes![
        invitations::get_invitations,
        invitations::post_invitation,
        invitations::post_resend,
        invitations::post_revoke,
        users::get_users,
        users::get_user,
        users::patch_user,
        users::delete_user,
        users::post_reset_redemption,
        users::post_block,
        users::post_unblock,
        mfa::post_reset_mfa,
        logout::post_revoke_sessions,
        groups::get_groups,
        groups::post_group,
        groups::patch_group,
        groups::post_group_member,
        groups::delete_group_member,
        groups::post_assignment,
        groups::get_audit,
        apps::get_apps,
        apps::post_app,
        apps::get_app,
        apps::patch_app,
        apps::post_secret,
        apps::delete_assignment,
        logout::put_backchannel,
        policy::get_policy,
        policy::put_policy,
        policy::get_cross_tenant,
        policy::put_cross_tenant,
        mfa::get_auth_policy,
        mfa::put_auth_policy,
        keys::get_keys,
        keys::post_rotation,
        providers::get_providers,
        providers::post_provider,
        providers::patch_provider,
        providers::delete_provider,
        providers::get_federation,
        providers::put_federation,
        providers::delete_federation,
    ]
}

/// The admin API's scope at `path` (`/t/{tenant}/api/v1`): the routes of
/// [`routes`] and their OpenAPI document at `openapi.json`.
pub fn mount(path: &str) -> actix_web::Scope {
    routes().mount(path)
}

/// An RFC 9457 problem.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            title,
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("no such {what}"),
        )
    }

    pub fn forbidden(detail: &str) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "Forbidden", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Invalid request", detail)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .content_type("application/problem+json")
            .insert_header(("Cache-Control", "no-store"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                crate::store::RETRY_AFTER_SECONDS.to_string(),
            ));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                "WWW-Authenticate",
                r#"Bearer realm="portico", error="invalid_token""#,
            ));
        }
        let body = openapi::ProblemBody {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
        };
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::NotFound => Problem::not_found("resource"),
            StoreError::Conflict(what) => Problem::new(StatusCode::CONFLICT, "Conflict", what),
            unavailable if unavailable.is_unavailable() => {
                tracing::warn!(error = %unavailable, "admin API: database unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Temporarily unavailable",
                    "the database cannot be reached; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "admin API storage error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Server error",
                    "the request could not be completed",
                )
            }
        }
    }
}

impl From<InviteError> for Problem {
    fn from(e: InviteError) -> Problem {
        match e {
            InviteError::Invalid(_) => Problem::bad_request(e.to_string()),
            InviteError::AlreadyMember(_)
            | InviteError::AlreadyGuest(_)
            | InviteError::Blocked(_)
            | InviteError::NotPending => {
                Problem::new(StatusCode::CONFLICT, "Conflict", e.to_string())
            }
            InviteError::Forbidden
            | InviteError::MayNotGrant
            | InviteError::DomainNotAllowed(_) => Problem::forbidden(&e.to_string()),
            InviteError::NoTarget(what) => Problem::bad_request(format!("no such {what}")),
            InviteError::NotFound => Problem::not_found("invitation"),
            InviteError::Store(s) => s.into(),
        }
    }
}

impl From<RemovalError> for Problem {
    fn from(e: RemovalError) -> Problem {
        match e {
            RemovalError::NoUser => Problem::not_found("user"),
            RemovalError::NoInvitation => Problem::not_found("invitation"),
            RemovalError::NotPending => {
                Problem::new(StatusCode::CONFLICT, "Conflict", e.to_string())
            }
            RemovalError::Store(s) => s.into(),
        }
    }
}

pub type ApiResult<T> = Result<T, Problem>;

pub fn json(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// `body`, serialized: an answer whose type is also its schema.
pub fn answer<T: serde::Serialize>(status: StatusCode, body: &T) -> HttpResponse {
    json(status, serde_json::to_value(body).unwrap_or_default())
}

/// What non-administrators see of another user.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DirectoryEntry<'a> {
    id: &'a str,
    email: &'a str,
    display_name: &'a str,
    user_type: UserType,
}

impl DirectoryEntry<'_> {
    pub fn of(u: &User) -> DirectoryEntry<'_> {
        DirectoryEntry {
            id: &u.id,
            email: &u.email,
            display_name: &u.display_name,
            user_type: u.user_type,
        }
    }
}

/// The public view of a user (never the password hash).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserView<'a> {
    id: &'a str,
    email: &'a str,
    display_name: &'a str,
    user_type: UserType,
    status: UserStatus,
    /// `active`, `blocked` or `expired`.
    access: &'a str,
    external_state: Option<ExternalState>,
    home_issuer: Option<&'a str>,
    identity_source: IdentitySource,
    invited_by: Option<&'a str>,
    #[schema(format = DateTime)]
    access_expires_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
}

impl UserView<'_> {
    pub fn of(u: &User) -> UserView<'_> {
        UserView {
            id: &u.id,
            email: &u.email,
            display_name: &u.display_name,
            user_type: u.user_type,
            status: u.status,
            access: u.access_state(),
            external_state: u.external_state,
            home_issuer: u.home_issuer.as_deref(),
            identity_source: u.identity_source,
            invited_by: u.invited_by.as_deref(),
            access_expires_at: crate::domain::utc::rfc3339_opt(&u.access_expires_at),
            created_at: crate::domain::utc::rfc3339(&u.created_at),
        }
    }
}
