//! The console's apps (administrators): the registered apps, and the form
//! that registers one through `admin::provision::register`, as the API and
//! the CLI do. The new app's secret is shown on the page that answers the
//! form, once; no later page shows it. The app's own page: `apps_detail.rs`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use crate::admin::client_auth::ClientAuthError;
use crate::admin::provision::{self, AppSettings, AppSpec};
use crate::domain::{ClientType, GrantType, HomeUrl, Permission};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store::apps::Client;
use crate::store::{self, StoreError};

/// The admin API permissions an app's own tokens may carry, in form order.
pub(super) const PERMISSIONS: [Permission; 4] = [
    Permission::InvitationsInvite,
    Permission::UsersReadWrite,
    Permission::PoliciesReadWrite,
    Permission::TokensIntrospect,
];

pub(super) fn grant_label(grant: GrantType) -> &'static str {
    match grant {
        GrantType::AuthorizationCode => "Sign-in (authorization code)",
        GrantType::RefreshToken => "Refresh tokens",
        GrantType::ClientCredentials => "Its own tokens (client credentials)",
        GrantType::TokenExchange => "Token exchange",
        GrantType::DeviceCode => "Devices (device code)",
    }
}

pub(super) fn permission_label(permission: Permission) -> &'static str {
    match permission {
        Permission::InvitationsInvite => "Invite guests (Invitations.Invite)",
        Permission::UsersReadWrite => "Manage users and groups (Users.ReadWrite)",
        Permission::PoliciesReadWrite => "Manage policies and apps' settings (Policies.ReadWrite)",
        Permission::TokensIntrospect => "Introspect other apps' tokens (Tokens.Introspect)",
    }
}

pub(super) fn type_label(client_type: ClientType) -> &'static str {
    match client_type {
        ClientType::Confidential => "Confidential (has a secret)",
        ClientType::Public => "Public (no secret; PKCE)",
    }
}

/// The grants of an app, in words.
pub(super) fn grants_text(app: &Client) -> String {
    let labels: Vec<_> = app.grant_types.iter().map(|g| grant_label(*g)).collect();
    labels.join(", ")
}

struct AppRow {
    /// The app's page under the tenant.
    path: String,
    name: String,
    client_id: String,
    kind: &'static str,
    grants: String,
    assignment_required: &'static str,
}

/// A checkbox of the form.
struct Choice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// The URIs of a textarea, one a line (blank lines and spaces around
/// them ignored), as the registration and settings forms take them.
pub(super) fn uri_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the registration form shows: empty, or what was typed last time.
struct RegisterForm {
    csrf_token: String,
    /// The new app's client id, chosen when the form is shown: posting the
    /// same form again (a reload) finds the app it registered instead of
    /// registering a second one.
    client_id: String,
    name: String,
    public: bool,
    redirect_uris: String,
    grants: Vec<GrantType>,
    permissions: Vec<Permission>,
    assignment_required: bool,
    home_url: String,
    /// A grant or permission this server does not have, if one was posted.
    unknown: Option<String>,
}

impl Default for RegisterForm {
    fn default() -> RegisterForm {
        RegisterForm {
            csrf_token: String::new(),
            client_id: uuid::Uuid::new_v4().to_string(),
            name: String::new(),
            public: false,
            redirect_uris: String::new(),
            grants: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            permissions: Vec::new(),
            assignment_required: false,
            home_url: String::new(),
            unknown: None,
        }
    }
}

impl RegisterForm {
    /// The posted fields; repeated ones (the checkboxes) each count. An
    /// unknown grant or permission is kept to be refused, not dropped.
    fn parse(fields: Vec<(String, String)>) -> RegisterForm {
        let mut form = RegisterForm {
            grants: Vec::new(),
            ..RegisterForm::default()
        };
        for (name, value) in fields {
            match name.as_str() {
                "csrf_token" => form.csrf_token = value,
                "client_id" => form.client_id = value,
                "name" => form.name = value,
                "client_type" => form.public = value == "public",
                "redirect_uris" => form.redirect_uris = value,
                "assignment_required" => form.assignment_required = true,
                "home_url" => form.home_url = value,
                "grant" => match GrantType::ALL.into_iter().find(|g| g.as_str() == value) {
                    Some(grant) => form.grants.push(grant),
                    None => form.unknown = Some(format!("unknown grant {value:?}")),
                },
                "permission" => match PERMISSIONS.into_iter().find(|p| p.as_str() == value) {
                    Some(permission) => form.permissions.push(permission),
                    None => form.unknown = Some(format!("unknown permission {value:?}")),
                },
                _ => {}
            }
        }
        form
    }

    /// The registration it asks for, checked as on every path.
    fn checked(&self) -> Result<(provision::CheckedApp, AppSettings), String> {
        if let Some(why) = &self.unknown {
            return Err(why.clone());
        }
        if self.grants.is_empty() {
            return Err("choose at least one grant".into());
        }
        // As the form was shown: a UUID in its usual spelling.
        let canonical = uuid::Uuid::parse_str(&self.client_id).map(|id| id.to_string());
        if canonical.as_ref() != Ok(&self.client_id) {
            return Err("this form is out of date: open the apps page again".into());
        }
        let spec = AppSpec {
            client_id: Some(self.client_id.clone()),
            name: self.name.clone(),
            redirect_uris: uri_lines(&self.redirect_uris),
            post_logout_redirect_uris: Vec::new(),
            public: self.public,
            first_party: false,
            grants: self.grants.clone(),
            permissions: self.permissions.clone(),
        };
        let app = spec.checked()?;
        let home_url = match self.home_url.trim() {
            "" => None,
            url => Some(HomeUrl::parse(url)?),
        };
        let settings = AppSettings {
            assignment_required: self.assignment_required,
            home_url,
            ..AppSettings::default()
        };
        Ok((app, settings))
    }

    fn grant_choices(&self) -> Vec<Choice> {
        GrantType::ALL
            .into_iter()
            .map(|g| Choice {
                value: g.as_str(),
                label: grant_label(g),
                checked: self.grants.contains(&g),
            })
            .collect()
    }

    fn permission_choices(&self) -> Vec<Choice> {
        PERMISSIONS
            .into_iter()
            .map(|p| Choice {
                value: p.as_str(),
                label: permission_label(p),
                checked: self.permissions.contains(&p),
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "console/apps.html")]
struct AppsPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    apps: Vec<AppRow>,
    form: &'a RegisterForm,
    grants: Vec<Choice>,
    permissions: Vec<Choice>,
}

pub async fn get_apps(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Apps, notice).await? {
        Ok(console) => apps_page(&state, &console, &RegisterForm::default(), StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn apps_page(
    state: &AppState,
    console: &Console,
    form: &RegisterForm,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let apps = state
        .db
        .read(move |c| store::apps::list(c, &tenant_id))
        .await?;
    let page = AppsPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        apps: apps
            .iter()
            .map(|a| AppRow {
                path: super::apps_detail::app_path(&a.client_id),
                name: a.name.clone(),
                client_id: a.client_id.clone(),
                kind: match a.client_type {
                    ClientType::Confidential => "Confidential",
                    ClientType::Public => "Public",
                },
                grants: grants_text(a),
                assignment_required: if a.assignment_required { "Yes" } else { "No" },
            })
            .collect(),
        form,
        grants: form.grant_choices(),
        permissions: form.permission_choices(),
    };
    Ok(console.render(status, &page))
}

pub async fn post_app(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    fields: web::Form<Vec<(String, String)>>,
) -> PageResult<HttpResponse> {
    let form = RegisterForm::parse(fields.into_inner());
    let csrf = &form.csrf_token;
    let mut console = match Console::open_form(&state, &path, &req, Section::Apps, csrf).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (app, settings) = match form.checked() {
        Ok(registration) => registration,
        Err(why) => {
            console.refuse(why);
            return apps_page(&state, &console, &form, StatusCode::BAD_REQUEST).await;
        }
    };
    let actor = console.user.inviter.actor();
    let client_id = form.client_id.clone();
    match provision::register_on(&state, &console.ctx.tenant.id, (app, settings), actor).await {
        Ok(registered) => {
            let shown = super::apps_secret::SecretShown::registered(&registered);
            Ok(super::apps_secret::secret_page(&console, &shown))
        }
        // The same form again (a reload of the page with the secret): the
        // app it registered, whose secret is not shown twice.
        Err(ClientAuthError::Store(StoreError::Conflict(_)))
            if super::apps_detail::find_app(&state, &console.ctx, &client_id)
                .await
                .is_ok() =>
        {
            let notice = "app_registered_before";
            Ok(super::apps_detail::back_to_app(
                &console.ctx,
                &client_id,
                notice,
            ))
        }
        Err(e) => Err(super::apps_secret::failed(&console, e)),
    }
}
