//! The console's Identity providers section (administrators): how members
//! and guests sign in, the guest identity providers (add, edit, delete after
//! confirming, test the connection) through the same functions as
//! `/api/v1/identity-providers` and `portico idp` (`admin::api::providers`,
//! audited as the console user). Federation has its own page
//! (`federation.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::ActionForm;
use super::connection::{self, ConnectionView, Outcome};
use super::frame::{Confirm, Console, Frame, Section, back_to};
use super::overview::NoticeQuery;
use super::policies::settings_view;
use super::provider_form::{Fields, ProviderForm, refusal};
use super::settings::SettingsView;
use crate::admin::api::providers as shared;
use crate::domain::IdpRole;
use crate::pages::{PageError, PageResult};
use crate::routes;
use crate::state::AppState;
use crate::store;
use crate::store::idps::IdentityProvider;
use crate::tokens::TenantContext;

/// A guest identity provider as the list shows it.
struct ProviderRow {
    id: String,
    name: String,
    issuer: String,
    domains: String,
    email_trust: &'static str,
    mfa_trust: &'static str,
}

impl From<&IdentityProvider> for ProviderRow {
    fn from(idp: &IdentityProvider) -> ProviderRow {
        ProviderRow {
            id: idp.id.clone(),
            name: idp.display_name.clone(),
            issuer: idp.issuer.clone(),
            domains: idp.domain_list().collect::<Vec<_>>().join(", "),
            email_trust: match idp.email_verified_trusted {
                true => "Trusted as verified",
                false => "Only when marked verified",
            },
            mfa_trust: match idp.trust_mfa {
                true => "Counts here",
                false => "Does not count here",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "console/providers.html")]
struct ProvidersPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    settings: SettingsView,
    providers: Vec<ProviderRow>,
    /// Where providers send guests back (to register this organization).
    redirect_uri: String,
    kind: &'static str,
    form: Fields,
    connection: Option<ConnectionView>,
}

#[derive(Template)]
#[template(path = "console/provider.html")]
struct ProviderPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    id: &'a str,
    kind: &'static str,
    form: Fields,
}

/// What the section's page shows besides the list.
#[derive(Default)]
struct Extras {
    form: Fields,
    connection: Option<ConnectionView>,
}

pub async fn get_providers(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Providers, notice).await? {
        Ok(console) => providers_page(&state, &console, Extras::default(), StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn providers_page(
    state: &AppState,
    console: &Console,
    extras: Extras,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let (_, settings, idps) = settings_view(state, console).await?;
    let page = ProvidersPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        settings,
        providers: idps
            .iter()
            .filter(|i| i.role == IdpRole::Guests)
            .map(ProviderRow::from)
            .collect(),
        redirect_uri: redirect_uri(&console.ctx),
        kind: "add",
        form: extras.form,
        connection: extras.connection,
    };
    Ok(console.render(status, &page))
}

/// The redirect URI this organization registers at a provider.
pub(super) fn redirect_uri(ctx: &TenantContext) -> String {
    format!("{}{}", ctx.issuer, routes::HOME_CALLBACK)
}

/// `POST /admin/identity-providers`: adds a guest identity provider.
pub async fn post_add(
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
    let (tenant_id, actor) = (&console.ctx.tenant.id, console.user.inviter.actor());
    match shared::add(&state, tenant_id, form.spec(), actor).await {
        Ok(_) => Ok(back_to(&console.ctx, section, "idp_added")),
        Err(e) => {
            console.refuse(format!("Identity provider not added: {}.", refusal(e)?));
            let extras = Extras {
                form: form.fields(false),
                connection: None,
            };
            providers_page(&state, &console, extras, StatusCode::BAD_REQUEST).await
        }
    }
}

/// The tenant's guest identity provider `id`, or the page that says there
/// is none.
async fn guest_provider(
    state: &AppState,
    console: &Console,
    id: &str,
) -> PageResult<IdentityProvider> {
    let (tenant_id, id) = (console.ctx.tenant.id.clone(), id.to_owned());
    state
        .db
        .read(move |c| store::idps::find(c, &tenant_id, &id))
        .await?
        .filter(|idp| idp.role == IdpRole::Guests)
        .ok_or_else(|| no_such_provider(console))
}

fn no_such_provider(console: &Console) -> PageError {
    console.missing(
        "There is no such identity provider.",
        "Identity providers",
        Section::Providers.url(&console.ctx),
    )
}

/// `GET /admin/identity-providers/{id}`: the provider's edit page.
pub async fn get_provider(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let console = match Console::open(&state, &slug, &req, Section::Providers, None).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let idp = guest_provider(&state, &console, &id).await?;
    let page = ProviderPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        id: &idp.id,
        kind: "edit",
        form: Fields::from(&idp),
    };
    Ok(console.render(StatusCode::OK, &page))
}

/// `POST /admin/identity-providers/{id}`: saves the edit form.
pub async fn post_provider(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ProviderForm>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let section = Section::Providers;
    let mut console =
        match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let idp = guest_provider(&state, &console, &id).await?;
    let (tenant_id, actor) = (&console.ctx.tenant.id, console.user.inviter.actor());
    match shared::update(&state, tenant_id, id, form.patch(), actor).await {
        Ok(Some(_)) => Ok(back_to(&console.ctx, section, "idp_saved")),
        Ok(None) => Err(no_such_provider(&console)),
        Err(e) => {
            console.refuse(format!("Identity provider not saved: {}.", refusal(e)?));
            let mut fields = form.fields(idp.client_secret_sealed.is_some());
            fields.issuer = idp.issuer.clone();
            let page = ProviderPage {
                tenant_name: console.tenant_name(),
                frame: &console.frame,
                id: &idp.id,
                kind: "edit",
                form: fields,
            };
            Ok(console.render(StatusCode::BAD_REQUEST, &page))
        }
    }
}

/// `POST /admin/identity-providers/{id}/{action}`: `test` the connection,
/// or `delete` (after the confirmation page).
pub async fn post_provider_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, action) = path.into_inner();
    let section = Section::Providers;
    let console = match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let idp = guest_provider(&state, &console, &id).await?;
    match action.as_str() {
        "test" => {
            let connection = connection::test(&state.settings, &idp.display_name, &idp.issuer);
            let extras = Extras {
                form: Fields::default(),
                connection: Some(connection.await),
            };
            providers_page(&state, &console, extras, StatusCode::OK).await
        }
        "delete" if !form.confirmed() => Ok(console.confirm(&Confirm {
            question: format!("Delete the identity provider {}?", idp.display_name),
            consequence: format!(
                "Guests of {} who accepted their invitations with it can no longer sign in until an administrator resets their redemption; invitations not yet accepted go to the next step of the redemption order.",
                idp.domain_list().collect::<Vec<_>>().join(", ")
            ),
            action: format!("{}/{}/delete", section.path(), idp.id),
            button: "Delete",
            cancel: section.url(&console.ctx),
        })),
        "delete" => {
            let actor = console.user.inviter.actor();
            shared::remove(&state, &console.ctx.tenant.id, idp.id, actor).await?;
            Ok(back_to(&console.ctx, section, "idp_deleted"))
        }
        _ => Err(console.missing(
            "There is no such action.",
            "Identity providers",
            section.url(&console.ctx),
        )),
    }
}
