//! The console's frame: its sections in navigation order, who may open each,
//! and what every console page carries (the person, the CSRF token, a notice).

use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::auth::{Access, PortalUser, portal_user};
use crate::browser::csrf;
use crate::pages::{PageError, PageResult, render, see_other, tenant_page};
use crate::routes;
use crate::state::AppState;
use crate::tokens::TenantContext;

/// A part of the console, with a page of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Overview,
    Users,
    Groups,
    Apps,
    Invitations,
    Providers,
    Policies,
    Keys,
    Audit,
}

impl Section {
    /// Every section, in the order of the navigation.
    pub const ALL: [Section; 9] = [
        Section::Overview,
        Section::Users,
        Section::Groups,
        Section::Apps,
        Section::Invitations,
        Section::Providers,
        Section::Policies,
        Section::Keys,
        Section::Audit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Users => "Users",
            Section::Groups => "Groups",
            Section::Apps => "Apps",
            Section::Invitations => "Invitations",
            Section::Providers => "Identity providers",
            Section::Policies => "Policies",
            Section::Keys => "Keys",
            Section::Audit => "Audit log",
        }
    }

    /// The section's path under the tenant (`/admin`, `/admin/users`, ...).
    pub fn path(self) -> &'static str {
        match self {
            Section::Overview => "/admin",
            Section::Users => "/admin/users",
            Section::Groups => "/admin/groups",
            Section::Apps => "/admin/apps",
            Section::Invitations => "/admin/invitations",
            Section::Providers => "/admin/identity-providers",
            Section::Policies => "/admin/policies",
            Section::Keys => "/admin/keys",
            Section::Audit => "/admin/audit",
        }
    }

    /// The section's name in its path (`overview` for the first page).
    pub fn name(self) -> &'static str {
        self.path().strip_prefix("/admin/").unwrap_or("overview")
    }

    /// The section of that [`Section::name`].
    pub fn named(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether someone who is not an administrator may open it: the overview
    /// and the invitations (to invite, and to see their own).
    pub fn for_members(self) -> bool {
        matches!(self, Section::Overview | Section::Invitations)
    }

    /// The section's address in this tenant.
    pub fn url(self, ctx: &TenantContext) -> String {
        format!("{}{}", routes::tenant_path(&ctx.tenant.slug), self.path())
    }
}

/// A link of the navigation.
pub struct NavLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// What the console layout (`console.html`) shows around every section.
pub struct Frame {
    /// The tenant's path (`/t/{slug}`), the start of every link and form.
    pub base: String,
    pub user_email: String,
    pub is_admin: bool,
    pub csrf_token: String,
    pub nav: Vec<NavLink>,
    /// What the last action did.
    pub notice: Option<String>,
    /// Why the last form was not taken (the page answers 400 with it).
    pub problem: Option<String>,
}

/// A console page being answered: the tenant, the person, the frame.
pub struct Console {
    pub(super) ctx: Arc<TenantContext>,
    pub(super) user: PortalUser,
    pub(super) frame: Frame,
    cookie: Option<Cookie<'static>>,
}

impl Console {
    /// Opens `section` for the signed-in person: `Err` holds the redirect
    /// that signs them in; a section they may not see is a 403 page that
    /// leads back to the overview.
    pub async fn open(
        state: &AppState,
        slug: &str,
        req: &HttpRequest,
        section: Section,
        notice: Option<&str>,
    ) -> PageResult<Result<Console, HttpResponse>> {
        let ctx = tenant_page(&state.tenants, slug).await?;
        let user = match portal_user(state, &ctx, req, section).await? {
            Access::SignedIn(user) => user,
            Access::SignIn(redirect) => return Ok(Err(redirect)),
        };
        if !user.is_admin && !section.for_members() {
            return Err(not_allowed(&ctx));
        }
        let base = routes::tenant_path(&ctx.tenant.slug);
        let (csrf_token, cookie) = csrf::token(req, &base, state.settings.secure_cookies());
        let nav = Section::ALL
            .into_iter()
            .filter(|s| user.is_admin || s.for_members())
            .map(|s| NavLink {
                label: s.label(),
                href: format!("{base}{}", s.path()),
                current: s == section,
            })
            .collect();
        let frame = Frame {
            base,
            user_email: user.email.clone(),
            is_admin: user.is_admin,
            csrf_token,
            nav,
            notice: notice.map(|key| notice_text(key).to_owned()),
            problem: None,
        };
        Ok(Ok(Console {
            ctx,
            user,
            frame,
            cookie,
        }))
    }

    /// [`Console::open`] for a form: its CSRF token must match first.
    pub async fn open_form(
        state: &AppState,
        slug: &str,
        req: &HttpRequest,
        section: Section,
        csrf_token: &str,
    ) -> PageResult<Result<Console, HttpResponse>> {
        let ctx = tenant_page(&state.tenants, slug).await?;
        if !csrf::verify(req, csrf_token) {
            return Err(PageError::csrf(&ctx.tenant.display_name));
        }
        Console::open(state, slug, req, section, None).await
    }

    pub fn tenant_name(&self) -> &str {
        &self.ctx.tenant.display_name
    }

    /// Says what was done, in place of the notice from the address.
    pub fn say(&mut self, notice: impl Into<String>) {
        self.frame.notice = Some(notice.into());
    }

    /// Says why a form was not taken.
    pub fn refuse(&mut self, problem: impl Into<String>) {
        self.frame.problem = Some(problem.into());
    }

    /// The page, with the CSRF cookie when the person had none.
    pub fn render<T: Template>(&self, status: StatusCode, page: &T) -> HttpResponse {
        render(status, page, self.cookie.clone().into_iter().collect())
    }
}

/// After a form: back to a section, which says what was done (`notice`, a
/// key of [`notice_text`]).
pub fn back_to(ctx: &TenantContext, section: Section, notice: &str) -> HttpResponse {
    see_other(&format!("{}?notice={notice}", section.url(ctx)), Vec::new())
}

/// What a section says after a form, by the key in its `notice` query; an
/// unknown key says only that it was done (the text is never taken from
/// the address).
pub fn notice_text(key: &str) -> &'static str {
    match key {
        "invited" => "Invitation sent.",
        "resent" => "Invitation sent again with a new link.",
        "revoked" => "Invitation revoked.",
        "policy" => "Collaboration policy saved.",
        "cross_tenant" => "Cross-tenant access saved.",
        "auth_policy" => "Authentication policy saved.",
        "mfa_reset" => "Second factors reset: the user enrols again when next required.",
        "user_created" => "Member created.",
        "user_blocked" => "User blocked: their sessions ended and their tokens were revoked.",
        "user_unblocked" => "User unblocked.",
        "user_removed" => "User removed: their sessions ended and their tokens were revoked.",
        "sessions_ended" => "All their sessions ended.",
        "group_created" => "Group created.",
        "group_renamed" => "Group renamed.",
        "group_member_added" => "Added to the group.",
        "group_member_removed" => "Removed from the group.",
        "idp_added" => "Identity provider added.",
        "idp_saved" => "Identity provider saved.",
        "idp_deleted" => "Identity provider deleted.",
        "federated" => "Upstream saved: members sign in there from their next sign-in.",
        "unfederated" => "Upstream removed: members sign in here with passwords.",
        "key_scheduled" => {
            "Rotation scheduled: the new key is published now and signs from the time shown."
        }
        "key_rotated" => "Key rotated: the new key signs from now on.",
        "app_settings" => "App settings saved.",
        "app_unchanged" => "Nothing to change: the settings were already so.",
        "app_registered_before" => {
            "This form had registered the app already: here it is. Its secret was shown then and is not shown again; rotate it if it was not copied."
        }
        "app_assigned" => "Group assigned to the app.",
        "app_unassigned" => "Assignment removed.",
        _ => "Done.",
    }
}

/// A section for administrators only, opened by someone else.
pub fn not_allowed(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        &ctx.tenant.display_name,
        "No access",
        "Only administrators of this organization can open this part of the console.",
    )
    .way("Go to the console's overview", Section::Overview.url(ctx))
}

/// A destructive action asks first: what will happen, and a form that posts
/// the same action again with `confirm=yes`.
pub struct Confirm {
    /// The question, as a heading ("Block guest@example.org?").
    pub question: String,
    /// What doing it means ("Their sessions end at once.").
    pub consequence: String,
    /// The path the form posts to (under the tenant, from `frame.base`).
    pub action: String,
    /// The button's words ("Block").
    pub button: &'static str,
    /// Where "Cancel" leads (a section or detail page).
    pub cancel: String,
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    confirm: &'a Confirm,
}

impl Console {
    /// The confirmation page of a destructive action (nothing was done yet).
    pub fn confirm(&self, confirm: &Confirm) -> HttpResponse {
        let page = ConfirmPage {
            tenant_name: self.tenant_name(),
            frame: &self.frame,
            confirm,
        };
        self.render(StatusCode::OK, &page)
    }
}

impl Console {
    /// A 404 page for something this console does not have (an unknown
    /// action or item), with the way back (`label`, `href`).
    pub fn missing(&self, message: &str, label: &str, href: String) -> PageError {
        PageError::new(
            StatusCode::NOT_FOUND,
            self.tenant_name(),
            "Not found",
            message,
        )
        .way(label, href)
    }
}

/// A stored time as the console shows it: `2026-12-02 14:05 UTC`.
pub fn when(at: &chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
