//! The console's Federation page (a page of the Identity providers section):
//! the upstream where members sign in; set or change it, remove it after
//! confirming, test its connection, through the same functions as
//! `PUT/DELETE /api/v1/federation` and `portico federation`
//! (`admin::api::providers`, audited as the console user).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::ActionForm;
use super::connection::{self, ConnectionView, Outcome};
use super::frame::{Confirm, Console, Frame, Section};
use super::overview::NoticeQuery;
use super::provider_form::{Fields, ProviderForm, refusal};
use super::providers::redirect_uri;
use crate::admin::api::providers::{self as shared, Refusal};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store;
use crate::store::idps::IdentityProvider;

/// The page's own path (its navigation entry is Identity providers).
const PATH: &str = "/admin/federation";

#[derive(Template)]
#[template(path = "console/federation.html")]
struct FederationPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    /// Members sign in at the upstream.
    federated: bool,
    /// The upstream as stored, when there is one.
    upstream: Option<Fields>,
    redirect_uri: String,
    kind: &'static str,
    form: Fields,
    connection: Option<ConnectionView>,
}

async fn upstream(state: &AppState, console: &Console) -> PageResult<Option<IdentityProvider>> {
    let tenant_id = console.ctx.tenant.id.clone();
    Ok(state
        .db
        .read(move |c| store::idps::upstream(c, &tenant_id))
        .await?)
}

pub async fn get_federation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Providers, notice).await? {
        Ok(console) => federation_page(&state, &console, None, None, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// The page; the form shows `typed` (after a refusal) or the upstream.
async fn federation_page(
    state: &AppState,
    console: &Console,
    typed: Option<Fields>,
    connection: Option<ConnectionView>,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let upstream = upstream(state, console).await?;
    let form = typed
        .or_else(|| upstream.as_ref().map(Fields::from))
        .unwrap_or_default();
    let page = FederationPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        federated: console.ctx.tenant.auth_mode.signs_in_upstream(),
        upstream: upstream.as_ref().map(Fields::from),
        redirect_uri: redirect_uri(&console.ctx),
        kind: "upstream",
        form,
        connection,
    };
    Ok(console.render(status, &page))
}

/// `POST /admin/federation`: sets or changes the upstream. An empty secret
/// keeps the stored one while the issuer stays the same.
pub async fn post_federation(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<ProviderForm>,
) -> PageResult<HttpResponse> {
    let section = Section::Providers;
    let mut console =
        match Console::open_form(&state, &path, &req, section, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let current = upstream(&state, &console).await?;
    // The first upstream changes how every member signs in: the form asks
    // for a tick that says so, and nothing is saved without it.
    let result = if current.is_none() && !form.understood() {
        Err(Refusal::Invalid(
            "tick the box to confirm that every member will sign in at the upstream".into(),
        ))
    } else {
        kept_secret(&state, &form, current.as_ref())
    };
    let result = match result {
        Ok(secret) => {
            let mut spec = form.spec();
            spec.client_secret = spec.client_secret.or(secret);
            let actor = console.user.inviter.actor();
            shared::set_upstream(&state, &console.ctx, spec, actor).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(federation_done(&console, "federated")),
        Err(e) => {
            console.refuse(format!("Upstream not saved: {}.", refusal(e)?));
            let typed = form.fields(current.is_some_and(|c| c.client_secret_sealed.is_some()));
            federation_page(&state, &console, Some(typed), None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// The stored upstream's secret, when the form keeps it: no new secret
/// typed, not asked to remove it, and the same issuer.
fn kept_secret(
    state: &AppState,
    form: &ProviderForm,
    current: Option<&IdentityProvider>,
) -> Result<Option<String>, Refusal> {
    let spec = form.spec();
    let Some(current) = current.filter(|c| c.issuer == spec.issuer.trim()) else {
        return Ok(None);
    };
    let Some(sealed) = &current.client_secret_sealed else {
        return Ok(None);
    };
    if spec.client_secret.is_some() || form.removes_secret() {
        return Ok(None);
    }
    let sealer = state.settings.sealer.as_ref().ok_or(Refusal::NoSecretKey)?;
    sealer.open(&current.id, sealed).map(Some).map_err(|_| {
        Refusal::Invalid("the stored client secret cannot be opened; enter it again".into())
    })
}

/// Back to the federation page with a notice.
fn federation_done(console: &Console, notice: &str) -> HttpResponse {
    let base = crate::routes::tenant_path(&console.ctx.tenant.slug);
    crate::pages::see_other(&format!("{base}{PATH}?notice={notice}"), Vec::new())
}

/// `POST /admin/federation/{action}`: `test` the upstream's connection, or
/// `remove` it (after the confirmation page).
pub async fn post_federation_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, action) = path.into_inner();
    let section = Section::Providers;
    let console = match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let page = format!("{}{PATH}", console.frame.base);
    let Some(current) = upstream(&state, &console).await? else {
        let message = "This organization has no upstream identity provider.";
        return Err(console.missing(message, "Federation", page));
    };
    match action.as_str() {
        "test" => {
            let tested = connection::test(&state.settings, &current.display_name, &current.issuer);
            let connection = Some(tested.await);
            federation_page(&state, &console, None, connection, StatusCode::OK).await
        }
        "remove" if !form.confirmed() => Ok(console.confirm(&Confirm {
            question: format!("Stop signing members in at {}?", current.display_name),
            consequence: "Members sign in here with passwords again. Members who came from the upstream have no password here until an administrator sets one, so they cannot sign in meanwhile.".into(),
            action: format!("{PATH}/remove"),
            button: "Remove the upstream",
            cancel: page,
        })),
        "remove" => {
            let actor = console.user.inviter.actor();
            shared::remove_upstream(&state, &console.ctx, actor).await?;
            Ok(federation_done(&console, "unfederated"))
        }
        _ => Err(console.missing("There is no such action.", "Federation", page)),
    }
}
