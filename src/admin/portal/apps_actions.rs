//! The buttons of an app's page: rotate its secret (after confirming; the
//! new secret is shown once), assign a group, and take an assignment away
//! (after confirming), through the same functions as the admin API
//! (`admin::provision::rotate_secret`, `assign`, `unassign`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ActionForm;
use super::apps_detail::{app_href, app_path, back_to_app, find_app, remove_path};
use super::apps_secret::{SecretShown, failed, secret_page};
use super::frame::{Confirm, Console, Section};
use crate::admin::provision;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::apps::assignments::Principal;

/// The console for a form of the apps section, or the sign-in redirect.
async fn open(
    state: &AppState,
    slug: &str,
    req: &HttpRequest,
    csrf_token: &str,
) -> PageResult<Result<Console, HttpResponse>> {
    Console::open_form(state, slug, req, Section::Apps, csrf_token).await
}

pub async fn post_secret(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, client_id) = path.into_inner();
    let console = match open(&state, &slug, &req, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let app = find_app(&state, &console.ctx, &client_id).await?;
    if !form.confirmed() {
        return Ok(console.confirm(&Confirm {
            question: format!("Rotate the secret of {}?", app.name),
            consequence: "A new secret is shown once. The current secret stops working at \
                          once: the app gets no tokens until it is given the new one."
                .into(),
            action: format!("{}/secret", app_path(&client_id)),
            button: "Rotate secret",
            cancel: app_href(&console.ctx, &client_id),
        }));
    }
    let actor = console.user.inviter.actor();
    let secret = provision::rotate_secret_on(&state, &console.ctx.tenant.id, &client_id, actor)
        .await
        .map_err(|e| failed(&console, e))?;
    let shown = SecretShown {
        heading: "New client secret",
        name: app.name,
        client_id,
        secret: Some(secret),
    };
    Ok(secret_page(&console, &shown))
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf_token: String,
    group_id: String,
}

pub async fn post_assign(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<AssignForm>,
) -> PageResult<HttpResponse> {
    let (slug, client_id) = path.into_inner();
    let console = match open(&state, &slug, &req, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (tenant_id, actor, id) = (
        console.ctx.tenant.id.clone(),
        console.user.inviter.actor(),
        client_id.clone(),
    );
    let group_id = form.into_inner().group_id;
    let assigned = state
        .db
        .write(move |c| {
            let principal = (Principal::Group, group_id.as_str());
            provision::assign(c, &tenant_id, &id, principal, &actor)
        })
        .await;
    match assigned {
        Ok(()) => Ok(back_to_app(&console.ctx, &client_id, "app_assigned")),
        Err(StoreError::NotFound) => Err(no_group_or_app(&console, &client_id)),
        Err(e) => Err(e.into()),
    }
}

fn no_group_or_app(console: &Console, client_id: &str) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        console.tenant_name(),
        "Not found",
        "There is no such group or app in this organization.",
    )
    .way("Back to the app", app_href(&console.ctx, client_id))
}

pub async fn post_unassign(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, client_id, kind, principal_id) = path.into_inner();
    let console = match open(&state, &slug, &req, &form.csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let Some(kind) = Principal::parse(&kind) else {
        return Err(no_group_or_app(&console, &client_id));
    };
    let app = find_app(&state, &console.ctx, &client_id).await?;
    if !form.confirmed() {
        let who = match kind {
            Principal::Group => "this group's members",
            Principal::User => "this user",
        };
        let consequence = match app.assignment_required {
            true => format!(
                "{} requires assignment: {who} can no longer sign in to it unless assigned \
                 another way.",
                app.name
            ),
            false => format!(
                "{} does not require assignment today; this matters if it does later.",
                app.name
            ),
        };
        return Ok(console.confirm(&Confirm {
            question: format!("Remove this assignment from {}?", app.name),
            consequence,
            action: remove_path(&client_id, kind, &principal_id),
            button: "Remove assignment",
            cancel: app_href(&console.ctx, &client_id),
        }));
    }
    let (tenant_id, actor, id) = (
        console.ctx.tenant.id.clone(),
        console.user.inviter.actor(),
        client_id.clone(),
    );
    let removed = state
        .db
        .write(move |c| {
            let principal = (kind, principal_id.as_str());
            provision::unassign(c, &tenant_id, &id, principal, &actor)
        })
        .await?;
    match removed {
        true => Ok(back_to_app(&console.ctx, &client_id, "app_unassigned")),
        false => Err(no_group_or_app(&console, &client_id)),
    }
}
