//! One group in the console (`/admin/groups/{id}`): its members, with
//! forms to rename it, add a member by email and take one out (after
//! asking), and the apps assigned to it. Every change goes through
//! `admin::groups`, as the API's.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ActionForm;
use super::frame::{Confirm, Console, Frame, Section};
use super::groups::{NameForm, no_such_group, why_not};
use super::overview::NoticeQuery;
use super::people::{standing_label, type_label};
use crate::admin::groups::{self, GroupError};
use crate::domain::{Email, TenantId};
use crate::pages::{PageResult, see_other};
use crate::state::AppState;
use crate::store::{self, DbConn};

/// The most members the page lists.
const SHOWN: i64 = 200;

struct Member {
    id: String,
    email: String,
    name: String,
    kind: &'static str,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct GroupPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    id: &'a str,
    name: &'a str,
    members: Vec<Member>,
    /// More members than listed.
    more: bool,
    apps: Vec<String>,
}

pub async fn get_group(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let notice = query.notice.as_deref();
    match Console::open(&state, &slug, &req, Section::Groups, notice).await? {
        Ok(console) => group_page(&state, &console, id).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn group_page(state: &AppState, console: &Console, id: String) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let found = state
        .db
        .read(move |c| {
            let Some(group) = store::groups::find(c, &tenant_id, &id)? else {
                return Ok(None);
            };
            let members = store::users::in_group(c, &tenant_id, &id, SHOWN + 1)?;
            let apps = store::groups::apps_of_group(c, &tenant_id, &id)?;
            Ok(Some((group, members, apps)))
        })
        .await?;
    let (group, mut members, apps) = found.ok_or_else(|| no_such_group(console))?;
    let more = members.len() as i64 > SHOWN;
    members.truncate(SHOWN as usize);
    let status = match console.frame.problem {
        Some(_) => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    };
    let page = GroupPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        id: &group.id,
        name: &group.name,
        members: members
            .into_iter()
            .map(|u| Member {
                kind: type_label(u.user_type),
                state: standing_label(u.standing()),
                id: u.id,
                email: u.email,
                name: u.display_name,
            })
            .collect(),
        more,
        apps: apps.into_iter().map(|a| a.name).collect(),
    };
    Ok(console.render(status, &page))
}

/// Back to the group, saying what was done.
fn back_to_group(console: &Console, id: &str, notice: &str) -> HttpResponse {
    let to = format!("{}/{id}?notice={notice}", Section::Groups.url(&console.ctx));
    see_other(&to, Vec::new())
}

/// After a change: back to the group, or its page telling why not.
async fn answer(
    state: &AppState,
    mut console: Console,
    id: String,
    done: Result<(), GroupError>,
    notice: &str,
) -> PageResult<HttpResponse> {
    match done {
        Ok(()) => Ok(back_to_group(&console, &id, notice)),
        Err(e) => {
            let why = why_not(&console, e)?;
            console.refuse(why);
            group_page(state, &console, id).await
        }
    }
}

/// A change to group `id` by the signed-in administrator, through
/// `admin::groups` (`f` is given the tenant, the group and the actor);
/// then back to the group saying `notice`, or its page telling why not.
async fn change<F>(
    state: &AppState,
    req: &HttpRequest,
    (slug, id): (String, String),
    csrf_token: &str,
    notice: &str,
    f: F,
) -> PageResult<HttpResponse>
where
    F: FnOnce(&mut DbConn, &TenantId, &str, &str) -> Result<(), GroupError> + Send + 'static,
{
    let console = match Console::open_form(state, &slug, req, Section::Groups, csrf_token).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let (tenant_id, actor, group_id) = (
        console.ctx.tenant.id.clone(),
        console.user.inviter.actor(),
        id.clone(),
    );
    let done = state
        .db
        .write_as(move |c| f(c, &tenant_id, &group_id, &actor))
        .await;
    answer(state, console, id, done, notice).await
}

/// `POST /admin/groups/{id}/rename`.
pub async fn post_rename(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<NameForm>,
) -> PageResult<HttpResponse> {
    let name = form.name.clone();
    change(
        &state,
        &req,
        path.into_inner(),
        &form.csrf_token,
        "group_renamed",
        move |c, t, g, actor| groups::rename(c, t, g, &name, actor).map(drop),
    )
    .await
}

#[derive(Deserialize)]
pub struct MemberForm {
    csrf_token: String,
    email: String,
}

/// `POST /admin/groups/{id}/members`: adds the user with that email.
pub async fn post_member(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<MemberForm>,
) -> PageResult<HttpResponse> {
    let email = Email::parse(&form.email).ok();
    change(
        &state,
        &req,
        path.into_inner(),
        &form.csrf_token,
        "group_member_added",
        move |c, t, g, actor| {
            let email = email.ok_or(GroupError::NoUser)?;
            let user =
                store::users::find_by_email(c, t, email.as_str())?.ok_or(GroupError::NoUser)?;
            groups::add_member(c, t, g, &user.id, actor)
        },
    )
    .await
}

/// `POST /admin/groups/{id}/members/{user_id}/remove`: asks first.
pub async fn post_remove_member(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, user_id) = path.into_inner();
    if form.confirmed() {
        let notice = "group_member_removed";
        return change(
            &state,
            &req,
            (slug, id),
            &form.csrf_token,
            notice,
            move |c, t, g, actor| groups::remove_member(c, t, g, &user_id, actor),
        )
        .await;
    }
    match Console::open_form(&state, &slug, &req, Section::Groups, &form.csrf_token).await? {
        Ok(console) => ask_to_remove(&state, &console, &id, &user_id).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn ask_to_remove(
    state: &AppState,
    console: &Console,
    id: &str,
    user_id: &str,
) -> PageResult<HttpResponse> {
    let (tenant_id, group_id, member_id) = (
        console.ctx.tenant.id.clone(),
        id.to_owned(),
        user_id.to_owned(),
    );
    let (group, user) = state
        .db
        .read(move |c| {
            Ok((
                store::groups::find(c, &tenant_id, &group_id)?,
                store::users::find(c, &tenant_id, &member_id)?,
            ))
        })
        .await?;
    let group = group.ok_or_else(|| no_such_group(console))?;
    let email = user.map(|u| u.email).unwrap_or_else(|| user_id.to_owned());
    Ok(console.confirm(&Confirm {
        question: format!("Remove {email} from {}?", group.name),
        consequence:
            "The apps assigned to the group are no longer theirs through it; they stay a user here."
                .into(),
        action: format!("/admin/groups/{id}/members/{user_id}/remove"),
        button: "Remove from group",
        cancel: format!("{}/{id}", Section::Groups.url(&console.ctx)),
    }))
}
