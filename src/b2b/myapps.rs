//! "My apps": the applications the signed-in person may use in this tenant
//! (the default destination after redeeming an invitation).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::browser::session;
use crate::pages::{PageError, PageResult, render, tenant_page};
use crate::state::AppState;
use crate::store;

#[derive(Template)]
#[template(path = "myapps.html")]
struct MyAppsPage<'a> {
    tenant_name: &'a str,
    user_email: &'a str,
    is_guest: bool,
    apps: Vec<String>,
}

pub async fn get_myapps(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> PageResult<HttpResponse> {
    let ctx = tenant_page(&state.tenants, &path).await?;
    let Some(sess) = session::current(&state, &ctx, &req).await? else {
        return Err(PageError::new(
            StatusCode::UNAUTHORIZED,
            &ctx.tenant.display_name,
            "Not signed in",
            "You are not signed in to this organization. Open an application of this organization to sign in.",
        ));
    };
    let (tenant_id, user_id) = (ctx.tenant.id.clone(), sess.user_id.clone());
    let (user, apps) = state
        .db
        .read(move |c| {
            let user = store::users::find(c, &tenant_id, &user_id)?;
            let assigned = store::groups::assigned_apps(c, &tenant_id, &user_id)?;
            let apps = store::apps::list(c, &tenant_id)?
                .into_iter()
                .filter(|a| !a.assignment_required || assigned.contains(&a.id))
                .filter(|a| a.allows(crate::domain::GrantType::AuthorizationCode))
                .map(|a| a.name)
                .collect::<Vec<_>>();
            Ok((user, apps))
        })
        .await?;
    let user = user.ok_or_else(|| PageError::server(&ctx.tenant.display_name, "user gone"))?;
    let page = MyAppsPage {
        tenant_name: &ctx.tenant.display_name,
        user_email: &user.email,
        is_guest: user.is_guest(),
        apps,
    };
    Ok(render(StatusCode::OK, &page, Vec::new()))
}
