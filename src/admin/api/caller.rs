//! Who is calling the admin API: a bearer access token of the tenant (RFC 6750
//! §2.1) turned into a [`Caller`], and the permission each handler needs, both
//! as actix extractors so a handler starts with its caller already checked.
//!
//! A handler with a JSON body takes its caller as `ApiResult<…>` after the
//! body: extractors run together, and this keeps a malformed body answered
//! 400 before the token is judged, whatever finishes first.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;

use super::{ApiResult, Problem};
use crate::b2b::invitation::Inviter;
use crate::domain::{Permission, Role};
use crate::state::AppState;
use crate::store;
use crate::store::apps::Client;
use crate::store::users::User;
use crate::tokens::TenantContext;
use crate::tokens::access::{self, AccessError};
use crate::tokens::claims::AccessTokenClaims;

/// Who is calling, proven by a bearer token of this tenant.
pub struct Caller {
    pub ctx: Arc<TenantContext>,
    pub kind: CallerKind,
}

pub enum CallerKind {
    /// A person, through a first-party app of the tenant.
    User { user: Box<User>, roles: Vec<Role> },
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
            CallerKind::User { roles, .. } => roles.contains(&Role::Admin),
        }
    }

    /// Invitations: users (the collaboration policy decides which) and apps with Invitations.Invite.
    pub fn require_inviter(&self) -> ApiResult<Inviter> {
        match &self.kind {
            CallerKind::App { .. } if !self.has(Permission::InvitationsInvite) => Err(
                Problem::forbidden("the Invitations.Invite permission is required"),
            ),
            _ => Ok(self.as_inviter()),
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
                is_guest: user.is_guest(),
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

    /// Only a person with the administrator role, never an app's token,
    /// whatever its permissions: registering apps, their secrets and keys,
    /// and where their codes and logout tokens go would let an app give
    /// itself more permissions or act as another app. `what` names the
    /// change in the refusal.
    pub fn require_person_admin(&self, what: &str) -> ApiResult<()> {
        match &self.kind {
            CallerKind::User { roles, .. } if roles.contains(&Role::Admin) => Ok(()),
            _ => Err(Problem::forbidden(&format!(
                "only administrators (people, not apps) may {what}"
            ))),
        }
    }

    pub fn actor(&self) -> String {
        match &self.kind {
            CallerKind::User { user, .. } => format!("user:{}", user.id),
            CallerKind::App { client_id, .. } => format!("app:{client_id}"),
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.kind {
            CallerKind::User { user, .. } => Some(&user.id),
            CallerKind::App { .. } => None,
        }
    }

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
            CallerKind::User { user, .. } if !user.is_guest() => Ok(Directory::Everyone),
            CallerKind::User { .. } => Ok(match visibility {
                GuestVisibility::SameAsMembers => Directory::Everyone,
                GuestVisibility::Limited => Directory::Own { groups: true },
                GuestVisibility::Restricted => Directory::Own { groups: false },
            }),
        }
    }
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

/// Authenticates the bearer token: issued by this tenant (issuer, audience,
/// signature, revocation), to one of its own registered apps; a delegated user
/// token only through an app the tenant marked first-party.
async fn authenticate(state: &AppState, slug: &str, req: &HttpRequest) -> ApiResult<Caller> {
    let ctx = state
        .tenants
        .get(slug)
        .await?
        .ok_or_else(|| Problem::not_found("tenant"))?;
    let claims = live_token(state, &ctx, req).await?;
    let app = issuing_app(state, &ctx, &claims.client_id).await?;
    let kind = match claims.gid {
        None => CallerKind::App {
            client_id: app.client_id,
            name: app.name,
            permissions: claims.roles,
        },
        Some(_) => delegated_user(state, &ctx, &app, &claims.sub).await?,
    };
    Ok(Caller { ctx, kind })
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
}

/// The bearer token's claims, if this tenant issued it and it is still live.
async fn live_token(
    state: &AppState,
    ctx: &TenantContext,
    req: &HttpRequest,
) -> ApiResult<AccessTokenClaims> {
    let presented = access::presented_token(req)
        .ok_or_else(|| unauthorized("a bearer (or DPoP) access token is required"))?;
    let url = crate::tokens::dpop::request_url(&state.settings.public_url, req);
    let request = access::Request {
        http: req,
        url: &url,
    };
    access::authenticate(
        &state.db,
        &state.tenants,
        ctx,
        &state.dpop,
        presented,
        request,
    )
    .await
    .map_err(|e| match e {
        AccessError::Invalid(_) => {
            unauthorized("the access token is invalid, expired, revoked or for another tenant")
        }
        AccessError::Scheme(_) => unauthorized(
            "a DPoP-bound token needs the DPoP scheme and proof; a bearer token the Bearer scheme",
        ),
        AccessError::Proof(_) => unauthorized("the DPoP proof is missing or invalid"),
        AccessError::Store(s) => s.into(),
    })
}

/// The app of this tenant the token was issued to.
async fn issuing_app(state: &AppState, ctx: &TenantContext, client_id: &str) -> ApiResult<Client> {
    let (tenant_id, client_id) = (ctx.tenant.id.clone(), client_id.to_owned());
    state
        .db
        .read(move |c| store::apps::find(c, &tenant_id, &client_id))
        .await?
        .ok_or_else(|| {
            Problem::forbidden("the token was not issued to an app of this organization")
        })
}

/// The person a delegated token speaks for, with their roles; accepted only
/// through an app the tenant marked first-party.
async fn delegated_user(
    state: &AppState,
    ctx: &TenantContext,
    app: &Client,
    sub: &str,
) -> ApiResult<CallerKind> {
    if !app.first_party {
        return Err(Problem::forbidden(
            "user tokens are accepted only from first-party apps of this organization",
        ));
    }
    let (tenant_id, sub) = (ctx.tenant.id.clone(), sub.to_owned());
    let (user, roles) = state
        .db
        .read(move |c| {
            let user = store::users::find(c, &tenant_id, &sub)?;
            let roles = store::users::roles(c, &tenant_id, &sub)?;
            Ok((user, roles))
        })
        .await?;
    let user = user.ok_or_else(|| unauthorized("the user no longer exists"))?;
    Ok(CallerKind::User {
        user: Box::new(user),
        roles,
    })
}

type Extracting<T> = Pin<Box<dyn Future<Output = ApiResult<T>>>>;

/// The `{tenant}` of `/t/{tenant}/api/v1/…`, decoded as `web::Path` does.
#[derive(Deserialize)]
struct TenantPath {
    tenant: String,
}

impl FromRequest for Caller {
    type Error = Problem;
    type Future = Extracting<Caller>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned();
            let path = req.match_info().load::<TenantPath>();
            let (Some(state), Ok(path)) = (state, path) else {
                return Err(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Server error",
                    "the request could not be completed",
                ));
            };
            authenticate(&state, &path.tenant, &req).await
        })
    }
}

/// What a caller must hold for a handler, checked once at extraction.
pub trait Grant: Sized + 'static {
    fn check(caller: &Caller) -> ApiResult<Self>;
}

/// An authenticated caller holding `G`; reads as the [`Caller`] itself.
pub struct Authorized<G> {
    caller: Caller,
    grant: G,
}

/// Admins and apps with Users.ReadWrite.
pub type UsersAdmin = Authorized<UsersReadWrite>;
/// Admins and apps with Policies.ReadWrite.
pub type PoliciesAdmin = Authorized<PoliciesReadWrite>;
/// Whoever may invite (see [`Caller::require_inviter`]), as the inviter.
pub type Inviting = Authorized<Inviter>;

pub struct UsersReadWrite;
pub struct PoliciesReadWrite;

impl Grant for UsersReadWrite {
    fn check(caller: &Caller) -> ApiResult<Self> {
        caller.require_users_admin().map(|()| UsersReadWrite)
    }
}

impl Grant for PoliciesReadWrite {
    fn check(caller: &Caller) -> ApiResult<Self> {
        caller.require_policies_admin().map(|()| PoliciesReadWrite)
    }
}

impl Grant for Inviter {
    fn check(caller: &Caller) -> ApiResult<Self> {
        caller.require_inviter()
    }
}

impl<G> Authorized<G> {
    pub fn into_parts(self) -> (Caller, G) {
        (self.caller, self.grant)
    }
}

impl<G> Deref for Authorized<G> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<G: Grant> FromRequest for Authorized<G> {
    type Error = Problem;
    type Future = Extracting<Authorized<G>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            let grant = G::check(&caller)?;
            Ok(Authorized { caller, grant })
        })
    }
}
