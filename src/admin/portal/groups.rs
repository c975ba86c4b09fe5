//! The console's groups (`/admin/groups`): every group with how many
//! members it has, and the form that creates one (`admin::groups`, as the
//! API).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use super::people::when;
use crate::admin::groups::{self, GroupError};
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::{self, StoreError};

struct Row {
    id: String,
    name: String,
    members: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct GroupsPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    rows: Vec<Row>,
    /// The name typed when the form was refused.
    draft: &'a str,
}

pub async fn get_groups(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Groups, notice).await? {
        Ok(console) => list(&state, &console, "").await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn list(state: &AppState, console: &Console, draft: &str) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let (groups, counts) = state
        .db
        .read(move |c| {
            Ok((
                store::groups::list(c, &tenant_id)?,
                store::groups::member_counts(c, &tenant_id)?,
            ))
        })
        .await?;
    let rows = groups
        .into_iter()
        .map(|g| Row {
            members: counts.get(&g.id).copied().unwrap_or(0),
            created: when(g.created_at),
            id: g.id,
            name: g.name,
        })
        .collect();
    let status = match console.frame.problem {
        Some(_) => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    };
    let page = GroupsPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        rows,
        draft,
    };
    Ok(console.render(status, &page))
}

#[derive(Deserialize)]
pub struct NameForm {
    pub(super) csrf_token: String,
    pub(super) name: String,
}

/// `POST /admin/groups`: a new group, then its page.
pub async fn post_group(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<NameForm>,
) -> PageResult<HttpResponse> {
    let mut console =
        match Console::open_form(&state, &path, &req, Section::Groups, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let (tenant_id, actor, name) = (
        console.ctx.tenant.id.clone(),
        console.user.inviter.actor(),
        form.name.clone(),
    );
    let created = state
        .db
        .write_as(move |c| groups::create(c, &tenant_id, &name, &actor))
        .await;
    match created {
        Ok(group) => {
            let to = format!(
                "{}/{}?notice=group_created",
                Section::Groups.url(&console.ctx),
                group.id
            );
            Ok(see_other(&to, Vec::new()))
        }
        Err(e) => {
            let why = why_not(&console, e)?;
            console.refuse(why);
            list(&state, &console, &form.name).await
        }
    }
}

/// What to tell the person whose form was not taken; what they cannot
/// mend is an error page.
pub(super) fn why_not(console: &Console, e: GroupError) -> PageResult<String> {
    match e {
        GroupError::BadName => Ok("A group's name must be 1 to 200 characters.".into()),
        GroupError::Store(StoreError::Conflict(_)) => {
            Ok("There is already a group with this name.".into())
        }
        GroupError::NoUser => Ok("There is no such user here.".into()),
        GroupError::NotMember => Ok("That user is not a member of this group.".into()),
        GroupError::NoGroup => Err(no_such_group(console)),
        GroupError::Store(e) => Err(e.into()),
    }
}

pub(super) fn no_such_group(console: &Console) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        console.tenant_name(),
        "Not found",
        "There is no such group here.",
    )
    .way("Go to the groups", Section::Groups.url(&console.ctx))
}
