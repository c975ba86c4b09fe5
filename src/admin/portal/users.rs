//! The console's users: members and guests in one list, searched by email
//! or name and filtered by type, state and home, a page of 50 at a time;
//! and the form that creates a member (`provision::add_member`, as the CLI).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::frame::{Console, Frame, Section};
use super::people::{self, home_label, standing_label, type_label};
use crate::admin::provision::{self, MemberRequest};
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::users::{User, UserFilter};
use crate::store::{self, StoreError};

/// Users on one page of the list.
const PAGE_SIZE: i64 = 50;
/// The longest search text taken.
const MAX_SEARCH: usize = 200;

/// The list's GET form, as typed: every field text, so a bad value is
/// told on the page rather than refused by the extractor.
#[derive(Deserialize, Default)]
pub struct UsersQuery {
    notice: Option<String>,
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    user_type: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    home: String,
    #[serde(default)]
    page: String,
}

struct Row {
    id: String,
    email: String,
    name: String,
    kind: &'static str,
    state: &'static str,
    home: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    query: &'a UsersQuery,
    issuers: Vec<String>,
    rows: Vec<Row>,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
    /// What the create form held when it was refused.
    draft: MemberDraft,
}

#[derive(Default)]
struct MemberDraft {
    email: String,
    name: String,
    admin: bool,
}

pub async fn get_users(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<UsersQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Users, notice).await? {
        Ok(console) => list(&state, console, &query, MemberDraft::default()).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// The filter the query asks for, or why it cannot be read.
fn filter_of(query: &UsersQuery) -> Result<(UserFilter, i64), String> {
    let page = match query.page.as_str() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| format!("{p:?} is not a page number."))?,
    };
    let text = query.q.trim();
    if text.chars().count() > MAX_SEARCH {
        return Err(format!("Search for at most {MAX_SEARCH} characters."));
    }
    let filter = UserFilter {
        user_type: people::parse_type(&query.user_type)?,
        standing: people::parse_standing(&query.state)?,
        home: people::parse_home(&query.home),
        text: (!text.is_empty()).then(|| text.to_owned()),
    };
    Ok((filter, page))
}

async fn list(
    state: &AppState,
    mut console: Console,
    query: &UsersQuery,
    draft: MemberDraft,
) -> PageResult<HttpResponse> {
    let mut status = if console.frame.problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (filter, page) = filter_of(query).unwrap_or_else(|problem| {
        console.refuse(problem);
        status = StatusCode::BAD_REQUEST;
        (UserFilter::default(), 1)
    });
    let tenant_id = console.ctx.tenant.id.clone();
    let (mut users, issuers) = state
        .db
        .read(move |c| {
            let offset = (page - 1) * PAGE_SIZE;
            Ok((
                store::users::search(c, &tenant_id, &filter, offset, PAGE_SIZE + 1)?,
                store::users::home_issuers(c, &tenant_id, 100)?,
            ))
        })
        .await?;
    let more = users.len() as i64 > PAGE_SIZE;
    users.truncate(PAGE_SIZE as usize);
    let base = Section::Users.url(&console.ctx);
    let page = UsersPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        query,
        issuers,
        rows: users.iter().map(row).collect(),
        page,
        previous: (page > 1).then(|| page_link(&base, query, page - 1)),
        next: more.then(|| page_link(&base, query, page + 1)),
        draft,
    };
    Ok(console.render(status, &page))
}

fn row(user: &User) -> Row {
    Row {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.display_name.clone(),
        kind: type_label(user.user_type),
        state: standing_label(user.standing()),
        home: home_label(user),
    }
}

/// The same search and filters, another page.
fn page_link(base: &str, query: &UsersQuery, page: i64) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("q", query.q.as_str()),
        ("type", &query.user_type),
        ("state", &query.state),
        ("home", &query.home),
    ] {
        if !value.is_empty() {
            form.append_pair(name, value);
        }
    }
    form.append_pair("page", &page.to_string());
    format!("{base}?{}", form.finish())
}

#[derive(Deserialize)]
pub struct NewMemberForm {
    csrf_token: String,
    email: String,
    name: String,
    password: String,
    admin: Option<String>,
}

/// `POST /admin/users`: a member with a password here, audited as the
/// administrator who made them; then their page.
pub async fn post_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<NewMemberForm>,
) -> PageResult<HttpResponse> {
    let form = form.into_inner();
    let mut console =
        match Console::open_form(&state, &path, &req, Section::Users, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let draft = MemberDraft {
        email: form.email.clone(),
        name: form.name.clone(),
        admin: form.admin.is_some(),
    };
    match create(&state, &console, form).await? {
        Ok(user) => {
            let to = format!(
                "{}/{}?notice=user_created",
                Section::Users.url(&console.ctx),
                user.id
            );
            Ok(see_other(&to, Vec::new()))
        }
        Err(problem) => {
            console.refuse(problem);
            list(&state, console, &UsersQuery::default(), draft).await
        }
    }
}

/// The member, or why they were not created (shown on the form).
async fn create(
    state: &AppState,
    console: &Console,
    form: NewMemberForm,
) -> PageResult<Result<User, String>> {
    let name = console.tenant_name();
    let new = match MemberRequest::check(
        &form.email,
        &form.name,
        &form.password,
        form.admin.is_some(),
    ) {
        Ok(new) => new,
        Err(e) => return Ok(Err(format!("Not created: {e}."))),
    };
    let hash = state
        .hasher
        .hash(form.password)
        .await
        .map_err(|busy| busy.page(name))?
        .map_err(|e| PageError::server(name, e.to_string()))?;
    let (tenant_id, actor) = (console.ctx.tenant.id.clone(), console.user.inviter.actor());
    let created = state
        .db
        .write(move |c| provision::add_member(c, &tenant_id, &new, &hash, &actor))
        .await;
    match created {
        Ok(user) => Ok(Ok(user)),
        Err(StoreError::Conflict(_)) => Ok(Err(
            "Not created: a user with this email already exists here.".into(),
        )),
        Err(e) => Err(PageError::from(e)),
    }
}
