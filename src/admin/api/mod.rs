//! The JSON admin API under `/t/{tenant}/api/v1` (DESIGN.md §6): bearer access
//! tokens of the same tenant (RFC 6750), role- or permission-checked, errors as
//! RFC 9457 problem+json. Reference: docs/admin-api.md.

pub mod groups;
pub mod invitations;
pub mod policy;
pub mod providers;
pub mod users;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::b2b::invitation::{InviteError, Inviter};
use crate::b2b::removal::RemovalError;
use crate::domain::Permission;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, StoreError};
use crate::tokens::TenantContext;
use crate::tokens::access::{self, AccessError};

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
        response.body(
            serde_json::json!({
                "type": "about:blank",
                "title": self.title,
                "status": self.status.as_u16(),
                "detail": self.detail,
            })
            .to_string(),
        )
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

/// Who is calling, proven by a bearer token of this tenant.
pub struct Caller {
    pub ctx: Arc<TenantContext>,
    pub kind: CallerKind,
}

pub enum CallerKind {
    /// A person, through a first-party app of the tenant.
    User { user: Box<User>, roles: Vec<String> },
    /// An app with client-credentials permissions.
    App {
        client_id: String,
        name: String,
        permissions: Vec<String>,
    },
}

impl Caller {
    fn has(&self, permission: Permission) -> bool {
        match &self.kind {
            CallerKind::App { permissions, .. } => {
                permissions.iter().any(|p| p == permission.as_str())
            }
            CallerKind::User { roles, .. } => roles.iter().any(|r| r == "admin"),
        }
    }

    /// Invitations: users (the collaboration policy decides which) and apps with Invitations.Invite.
    pub fn require_inviter(&self) -> ApiResult<Inviter> {
        match &self.kind {
            CallerKind::App {
                client_id, name, ..
            } if self.has(Permission::InvitationsInvite) => Ok(Inviter::App {
                client_id: client_id.clone(),
                name: name.clone(),
                grants_access: self.has(Permission::UsersReadWrite),
            }),
            CallerKind::User { user, roles } => Ok(Inviter::User {
                id: user.id.clone(),
                name: user.display_name.clone(),
                roles: roles.clone(),
                is_guest: user.user_type == "guest",
            }),
            _ => Err(Problem::forbidden(
                "the Invitations.Invite permission is required",
            )),
        }
    }

    /// The caller as the author of an invitation email (no permission check).
    pub fn as_inviter(&self) -> Inviter {
        match &self.kind {
            CallerKind::App {
                client_id, name, ..
            } => Inviter::App {
                client_id: client_id.clone(),
                name: name.clone(),
                grants_access: self.has(Permission::UsersReadWrite),
            },
            CallerKind::User { user, roles } => Inviter::User {
                id: user.id.clone(),
                name: user.display_name.clone(),
                roles: roles.clone(),
                is_guest: user.user_type == "guest",
            },
        }
    }

    /// Directory administration: admins and apps with Users.ReadWrite.
    pub fn require_users_admin(&self) -> ApiResult<()> {
        if self.has(Permission::UsersReadWrite) {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "the admin role or the Users.ReadWrite permission is required",
            ))
        }
    }

    /// Collaboration policy: admins and apps with Policies.ReadWrite.
    pub fn require_policies_admin(&self) -> ApiResult<()> {
        if self.has(Permission::PoliciesReadWrite) {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "the admin role or the Policies.ReadWrite permission is required",
            ))
        }
    }

    pub fn actor(&self) -> String {
        match &self.kind {
            CallerKind::User { user, .. } => format!("user:{}", user.id),
            CallerKind::App { client_id, .. } => format!("app:{client_id}"),
        }
    }
}

/// Authenticates the bearer token: issued by this tenant (issuer, audience,
/// signature, revocation), to one of its own registered apps; a delegated user
/// token only through an app the tenant marked first-party.
pub async fn caller(state: &AppState, slug: &str, req: &HttpRequest) -> ApiResult<Caller> {
    let unauthorized =
        |detail: &str| Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail);
    let ctx = state
        .tenants
        .get(slug)
        .await?
        .ok_or_else(|| Problem::not_found("tenant"))?;
    let token = access::bearer_token(req)
        .ok_or_else(|| unauthorized("a bearer access token is required"))?;
    let claims = access::validate(state, &ctx, token)
        .await
        .map_err(|e| match e {
            AccessError::Invalid(_) => {
                unauthorized("the access token is invalid, expired, revoked or for another tenant")
            }
            AccessError::Store(s) => s.into(),
        })?;
    let (tenant_id, client_id) = (ctx.tenant.id.clone(), claims.client_id.clone());
    let app = state
        .db
        .read(move |c| store::apps::find(c, &tenant_id, &client_id))
        .await?
        .ok_or_else(|| {
            Problem::forbidden("the token was not issued to an app of this organization")
        })?;
    let kind = match claims.gid {
        None => CallerKind::App {
            client_id: app.client_id,
            name: app.name,
            permissions: claims.roles,
        },
        Some(_) => {
            if !app.first_party {
                return Err(Problem::forbidden(
                    "user tokens are accepted only from first-party apps of this organization",
                ));
            }
            let (tenant_id, sub) = (ctx.tenant.id.clone(), claims.sub.clone());
            let (user, roles) = state
                .db
                .read(move |c| {
                    let user = store::users::find(c, &tenant_id, &sub)?;
                    let roles = store::users::roles(c, &tenant_id, &sub)?;
                    Ok((user, roles))
                })
                .await?;
            let user = user.ok_or_else(|| unauthorized("the user no longer exists"))?;
            CallerKind::User {
                user: Box::new(user),
                roles,
            }
        }
    };
    Ok(Caller { ctx, kind })
}

pub fn json(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// How much of the directory a caller may read through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directory {
    /// Administrators and apps with Users.ReadWrite: everything.
    Admin,
    /// Members (and guests when the policy says "same as members"): every
    /// user's directory entry and every group.
    Everyone,
    /// Guests under "limited" (own profile and own groups) or "restricted"
    /// (own profile only).
    Own { groups: bool },
}

impl Caller {
    /// The caller's view of the directory under the tenant's guest visibility.
    pub async fn directory(&self, state: &AppState) -> ApiResult<Directory> {
        use crate::b2b::policy::GuestVisibility;
        if self.has(Permission::UsersReadWrite) {
            return Ok(Directory::Admin);
        }
        let tenant_id = self.ctx.tenant.id.clone();
        let visibility = state
            .db
            .read(move |c| crate::store::policies::get(c, &tenant_id))
            .await?
            .guest_visibility;
        match &self.kind {
            CallerKind::App { .. } => Err(Problem::forbidden(
                "this app lacks the Users.ReadWrite permission",
            )),
            CallerKind::User { user, .. } if user.user_type != "guest" => Ok(Directory::Everyone),
            CallerKind::User { .. } => Ok(match visibility {
                GuestVisibility::SameAsMembers => Directory::Everyone,
                GuestVisibility::Limited => Directory::Own { groups: true },
                GuestVisibility::Restricted => Directory::Own { groups: false },
            }),
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.kind {
            CallerKind::User { user, .. } => Some(&user.id),
            CallerKind::App { .. } => None,
        }
    }
}

/// What non-administrators see of another user.
pub fn directory_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "user_type": u.user_type,
    })
}

/// The public view of a user (never the password hash).
pub fn user_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "user_type": u.user_type,
        "status": u.status,
        "access": u.access_state(),
        "external_state": u.external_state,
        "home_issuer": u.home_issuer,
        "identity_source": u.identity_source,
        "invited_by": u.invited_by,
        "access_expires_at": u.access_expires_at,
        "created_at": u.created_at,
    })
}
