//! The console's first page (`GET /admin`): for administrators, how many
//! members, guests, pending invitations, groups and apps the tenant has; for
//! everyone else, what they may do here.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Console, Frame, Section};
use crate::domain::{EffectiveStatus, UserType};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store;

/// The `notice` key a form leaves in the address it returns to.
#[derive(Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

#[derive(Default)]
struct Counts {
    members: usize,
    guests: usize,
    pending: usize,
    groups: usize,
    apps: usize,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    may_invite: bool,
    counts: Counts,
}

pub async fn get_overview(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let console = match Console::open(
        &state,
        &path,
        &req,
        Section::Overview,
        query.notice.as_deref(),
    )
    .await?
    {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (tenant_id, is_admin) = (console.ctx.tenant.id.clone(), console.user.is_admin);
    let (policy, counts) = state
        .db
        .read(move |c| {
            let policy = store::policies::get(c, &tenant_id)?;
            if !is_admin {
                return Ok((policy, Counts::default()));
            }
            let users = store::users::list(c, &tenant_id, None)?;
            let guests = users
                .iter()
                .filter(|u| u.user_type == UserType::Guest)
                .count();
            let counts = Counts {
                members: users.len() - guests,
                guests,
                pending: store::invitations::list(c, &tenant_id)?
                    .iter()
                    .filter(|i| i.effective_status() == EffectiveStatus::Pending)
                    .count(),
                groups: store::groups::list(c, &tenant_id)?.len(),
                apps: store::apps::list(c, &tenant_id)?.len(),
            };
            Ok((policy, counts))
        })
        .await?;
    let page = OverviewPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        may_invite: policy.may_invite(&console.user.inviter),
        counts,
    };
    Ok(console.render(StatusCode::OK, &page))
}
