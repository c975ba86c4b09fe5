//! An app's page in the console (administrators): what it is registered
//! with, whether it has a secret (never the secret), the settings an
//! administrator changes (through `admin::provision::change_settings`, as
//! `PATCH /api/v1/apps/{client_id}` does), the buttons of `apps_actions.rs`,
//! and who is assigned to it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::apps::{grants_text, permission_label, type_label};
use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use crate::admin::client_auth::ClientAuthError;
use crate::admin::provision::{self, SettingsChange};
use crate::domain::egress::EgressPolicy;
use crate::domain::{ClientType, HomeUrl, RedirectUri, TenantId, TokenAuthMethod};
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::apps::assignments::{self, Principal};
use crate::store::apps::{BackchannelLogout, Client};
use crate::store::{self, DbConn, StoreResult};
use crate::tokens::TenantContext;

/// The app's path under the tenant (`/admin/apps/{client_id}`, the id
/// percent-encoded as one segment).
pub(super) fn app_path(client_id: &str) -> String {
    format!("{}/{}", Section::Apps.path(), segment(client_id))
}

/// `value` percent-encoded as one path segment.
pub(super) fn segment(value: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    encoded.replace('+', "%20")
}

/// Where the Remove button of an assignment posts.
pub(super) fn remove_path(client_id: &str, kind: Principal, principal_id: &str) -> String {
    format!(
        "{}/assignments/{}/{}/remove",
        app_path(client_id),
        kind.as_str(),
        segment(principal_id)
    )
}

/// The app's page in this tenant.
pub(super) fn app_href(ctx: &TenantContext, client_id: &str) -> String {
    format!(
        "{}{}",
        crate::routes::tenant_path(&ctx.tenant.slug),
        app_path(client_id)
    )
}

/// Back to the app's page, which says what was done (a key of
/// `frame::notice_text`).
pub(super) fn back_to_app(ctx: &TenantContext, client_id: &str, notice: &str) -> HttpResponse {
    see_other(
        &format!("{}?notice={notice}", app_href(ctx, client_id)),
        Vec::new(),
    )
}

pub(super) fn no_such_app(ctx: &TenantContext) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        &ctx.tenant.display_name,
        "No such app",
        "This organization has no app with that client id.",
    )
    .way("Go to the apps", Section::Apps.url(ctx))
}

/// The app, or the "no such app" page.
pub(super) async fn find_app(
    state: &AppState,
    ctx: &TenantContext,
    client_id: &str,
) -> PageResult<Client> {
    let (tenant_id, id) = (ctx.tenant.id.clone(), client_id.to_owned());
    state
        .db
        .read(move |c| store::apps::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| no_such_app(ctx))
}

struct AssignmentRow {
    kind: &'static str,
    name: String,
    /// The path its Remove button posts to.
    remove: String,
}

#[derive(Template)]
#[template(path = "console/app.html")]
struct AppPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    app: &'a Client,
    path: String,
    kind: &'static str,
    grants: String,
    permissions: Vec<&'static str>,
    auth_method: &'static str,
    /// Whether "Rotate secret" is offered (a confidential app that signs in
    /// with a secret, not its keys).
    rotatable: bool,
    /// The settings form: as stored, or as typed when it was refused.
    settings: SettingsView,
    assignments: Vec<AssignmentRow>,
    /// The groups not assigned yet: (id, name).
    groups: Vec<(String, String)>,
}

/// What the page shows besides the app: its home page, its assignments
/// with names, and every group.
struct Related {
    home_url: Option<HomeUrl>,
    assignments: Vec<(Principal, String, String)>,
    groups: Vec<store::groups::Group>,
}

fn related(c: &mut DbConn, tenant_id: &TenantId, app: &Client) -> StoreResult<Related> {
    let groups = store::groups::list(c, tenant_id)?;
    let mut named = Vec::new();
    for a in assignments::of_app(c, tenant_id, &app.id)? {
        let name = match a.kind {
            Principal::Group => groups
                .iter()
                .find(|g| g.id == a.principal_id)
                .map(|g| g.name.clone()),
            Principal::User => store::users::find(c, tenant_id, &a.principal_id)?.map(|u| u.email),
        };
        let name = name.unwrap_or_else(|| "(deleted)".into());
        named.push((a.kind, a.principal_id, name));
    }
    Ok(Related {
        home_url: store::apps::home_url_of(c, tenant_id, &app.client_id)?,
        assignments: named,
        groups,
    })
}

pub async fn get_app(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let (slug, client_id) = path.into_inner();
    let notice = query.notice.as_deref();
    match Console::open(&state, &slug, &req, Section::Apps, notice).await? {
        Ok(console) => app_page(&state, &console, &client_id, None, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

pub(super) async fn app_page(
    state: &AppState,
    console: &Console,
    client_id: &str,
    typed: Option<&SettingsForm>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let app = find_app(state, &console.ctx, client_id).await?;
    let (tenant_id, found) = (console.ctx.tenant.id.clone(), app.clone());
    let related = state
        .db
        .read(move |c| related(c, &tenant_id, &found))
        .await?;
    let path = app_path(&app.client_id);
    let assigned: Vec<&str> = related.assignments.iter().map(|a| a.1.as_str()).collect();
    let page = AppPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        kind: type_label(app.client_type),
        grants: grants_text(&app),
        permissions: app
            .permissions
            .iter()
            .map(|p| permission_label(*p))
            .collect(),
        auth_method: auth_label(&app),
        rotatable: app.client_type == ClientType::Confidential
            && app.auth.method != Some(TokenAuthMethod::PrivateKeyJwt),
        settings: match typed {
            Some(form) => SettingsView::typed(form, &app),
            None => SettingsView::stored(&app, related.home_url.as_ref()),
        },
        groups: related
            .groups
            .iter()
            .filter(|g| !assigned.contains(&g.id.as_str()))
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect(),
        assignments: related
            .assignments
            .into_iter()
            .map(|(kind, id, name)| AssignmentRow {
                kind: match kind {
                    Principal::Group => "Group",
                    Principal::User => "User",
                },
                remove: remove_path(&app.client_id, kind, &id),
                name,
            })
            .collect(),
        path,
        app: &app,
    };
    Ok(console.render(status, &page))
}

fn auth_label(app: &Client) -> &'static str {
    match (app.auth.method, app.client_type) {
        (Some(TokenAuthMethod::ClientSecretBasic), _) => "Secret in HTTP Basic",
        (Some(TokenAuthMethod::ClientSecretPost), _) => "Secret in the form",
        (Some(TokenAuthMethod::ClientSecretJwt), _) => "A JWT signed with the secret",
        (Some(TokenAuthMethod::PrivateKeyJwt), _) => "A JWT signed with its own key",
        (Some(TokenAuthMethod::None), _) | (None, ClientType::Public) => "None (public app)",
        (None, ClientType::Confidential) => "Secret in HTTP Basic or in the form",
    }
}

/// The settings form: a box that is not ticked is off.
#[derive(Deserialize)]
pub struct SettingsForm {
    csrf_token: String,
    require_mfa: Option<String>,
    dpop_bound_access_tokens: Option<String>,
    require_par: Option<String>,
    assignment_required: Option<String>,
    #[serde(default)]
    home_url: String,
    /// One URI a line; absent leaves the list as it is.
    redirect_uris: Option<String>,
    post_logout_redirect_uris: Option<String>,
    /// Empty removes the registration; absent leaves it as it is.
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: Option<String>,
}

/// What the settings form shows.
struct SettingsView {
    require_mfa: bool,
    dpop_bound_access_tokens: bool,
    require_par: bool,
    assignment_required: bool,
    home_url: String,
    /// The textareas' contents: one URI a line.
    redirect_uris: String,
    post_logout_redirect_uris: String,
    backchannel_logout_uri: String,
    backchannel_logout_session_required: bool,
}

impl SettingsView {
    fn stored(app: &Client, home_url: Option<&HomeUrl>) -> SettingsView {
        SettingsView {
            require_mfa: app.require_mfa,
            dpop_bound_access_tokens: app.dpop_bound_access_tokens,
            require_par: app.require_pushed_authorization_requests,
            assignment_required: app.assignment_required,
            home_url: home_url.map(|u| u.as_str().to_owned()).unwrap_or_default(),
            redirect_uris: lines(&app.redirect_uris),
            post_logout_redirect_uris: lines(&app.post_logout_redirect_uris),
            backchannel_logout_uri: (app.backchannel_logout.as_ref())
                .map(|l| l.uri.as_str().to_owned())
                .unwrap_or_default(),
            backchannel_logout_session_required: (app.backchannel_logout.as_ref())
                .is_some_and(|l| l.session_required),
        }
    }

    /// As sent (a list not sent shows as stored).
    fn typed(form: &SettingsForm, app: &Client) -> SettingsView {
        let or_stored = |typed: &Option<String>, stored: &[RedirectUri]| {
            typed.clone().unwrap_or_else(|| lines(stored))
        };
        SettingsView {
            require_mfa: form.require_mfa.is_some(),
            dpop_bound_access_tokens: form.dpop_bound_access_tokens.is_some(),
            require_par: form.require_par.is_some(),
            assignment_required: form.assignment_required.is_some(),
            home_url: form.home_url.clone(),
            redirect_uris: or_stored(&form.redirect_uris, &app.redirect_uris),
            post_logout_redirect_uris: or_stored(
                &form.post_logout_redirect_uris,
                &app.post_logout_redirect_uris,
            ),
            backchannel_logout_uri: form.backchannel_logout_uri.clone().unwrap_or_default(),
            backchannel_logout_session_required: form.backchannel_logout_session_required.is_some(),
        }
    }
}

/// URIs one a line, as the textareas show them.
fn lines(uris: &[RedirectUri]) -> String {
    uris.iter()
        .map(RedirectUri::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A textarea's URIs, one a line, when they differ from the app's.
fn changed_uris(
    typed: Option<&str>,
    now: &[RedirectUri],
) -> Result<Option<Vec<RedirectUri>>, String> {
    let Some(typed) = typed else {
        return Ok(None);
    };
    let wanted = provision::parse_redirect_uris(&super::apps::uri_lines(typed))?;
    Ok((wanted != now).then_some(wanted))
}

impl SettingsForm {
    /// Only what differs from the app as it is, so that the audit log
    /// records real changes.
    /// The back-channel logout registration asked for, when it differs.
    fn backchannel(
        &self,
        app: &Client,
        egress: &EgressPolicy,
    ) -> Result<Option<Option<BackchannelLogout>>, String> {
        let Some(uri) = self.backchannel_logout_uri.as_deref() else {
            return Ok(None);
        };
        let uri = Some(uri.trim()).filter(|u| !u.is_empty());
        let session_required = self.backchannel_logout_session_required.is_some();
        if uri.is_none() && session_required {
            return Err(
                "naming the session in logout tokens needs a back-channel logout URI".into(),
            );
        }
        let wanted = crate::admin::logout::registration(uri, session_required, egress)?;
        Ok((wanted != app.backchannel_logout).then_some(wanted))
    }

    fn change(
        &self,
        app: &Client,
        home_url: Option<&HomeUrl>,
        egress: &EgressPolicy,
    ) -> Result<SettingsChange, String> {
        let differs = |now: bool, wanted: &Option<String>| {
            let wanted = wanted.is_some();
            (now != wanted).then_some(wanted)
        };
        let wanted_home = match self.home_url.trim() {
            "" => None,
            url => Some(HomeUrl::parse(url)?),
        };
        Ok(SettingsChange {
            require_mfa: differs(app.require_mfa, &self.require_mfa),
            dpop_bound_access_tokens: differs(
                app.dpop_bound_access_tokens,
                &self.dpop_bound_access_tokens,
            ),
            require_par: differs(app.require_pushed_authorization_requests, &self.require_par),
            assignment_required: differs(app.assignment_required, &self.assignment_required),
            home_url: (wanted_home.as_ref() != home_url).then_some(wanted_home),
            redirect_uris: changed_uris(self.redirect_uris.as_deref(), &app.redirect_uris)?,
            post_logout_redirect_uris: changed_uris(
                self.post_logout_redirect_uris.as_deref(),
                &app.post_logout_redirect_uris,
            )?,
            backchannel_logout: self.backchannel(app, egress)?,
        })
    }
}

pub async fn post_settings(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<SettingsForm>,
) -> PageResult<HttpResponse> {
    let (slug, client_id) = path.into_inner();
    let section = Section::Apps;
    let mut console =
        match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let app = find_app(&state, &console.ctx, &client_id).await?;
    let (tenant_id, id) = (console.ctx.tenant.id.clone(), client_id.clone());
    let home_url = state
        .db
        .read(move |c| store::apps::home_url_of(c, &tenant_id, &id))
        .await?;
    let refused = match form.change(&app, home_url.as_ref(), &state.settings.egress) {
        Err(why) => Some(why),
        Ok(change) if change.is_empty() => {
            return Ok(back_to_app(&console.ctx, &client_id, "app_unchanged"));
        }
        Ok(change) => {
            let (tenant_id, actor, id) = (
                console.ctx.tenant.id.clone(),
                console.user.inviter.actor(),
                client_id.clone(),
            );
            let changed = state
                .db
                .write_as(move |c| provision::change_settings(c, &tenant_id, &id, &change, &actor))
                .await;
            match changed {
                Ok(true) => None,
                Ok(false) | Err(ClientAuthError::NoApp) => return Err(no_such_app(&console.ctx)),
                Err(ClientAuthError::Invalid(why)) => Some(why),
                Err(ClientAuthError::Store(e)) => return Err(e.into()),
            }
        }
    };
    if let Some(why) = refused {
        console.refuse(format!("Settings not saved: {why}."));
        let status = StatusCode::BAD_REQUEST;
        return app_page(&state, &console, &client_id, Some(&form), status).await;
    }
    state
        .tenants
        .forget_client(&console.ctx.tenant.id, &client_id);
    Ok(back_to_app(&console.ctx, &client_id, "app_settings"))
}
