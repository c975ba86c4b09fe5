//! One user in the console (`GET /admin/users/{id}`): who they are, their
//! groups and apps, their live sessions, their second factors and their
//! audit trail, with the buttons of `user_actions.rs`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use super::people::{action_label, home_label, methods_label, standing_label, type_label, when};
use crate::domain::{ExternalState, Role, TenantId};
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::users::{Standing, User};
use crate::store::{self, DbConn, StoreResult};

/// How many sessions and audit events the page shows, newest first.
const SHOWN: i64 = 50;

struct Session {
    started: String,
    expires: String,
    methods: String,
}

struct Factor {
    kind: &'static str,
    name: String,
    added: String,
    last_used: String,
}

struct Event {
    at: String,
    action: String,
    actor: String,
    target: String,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    id: &'a str,
    email: &'a str,
    facts: Vec<(&'static str, String)>,
    blocked: bool,
    /// An accepted guest, whose redemption may be reset.
    accepted: bool,
    /// The administrator looking at their own account.
    is_self: bool,
    groups: Vec<(String, String)>,
    apps: Vec<String>,
    sessions: Vec<Session>,
    factors: Vec<Factor>,
    recovery_codes_left: i64,
    events: Vec<Event>,
    new_link: Option<&'a str>,
}

/// Everything the page reads, in one transaction.
struct Detail {
    user: User,
    roles: Vec<Role>,
    groups: Vec<store::groups::Group>,
    apps: Vec<store::groups::AppName>,
    sessions: Vec<store::sessions::Session>,
    factors: Vec<Factor>,
    recovery_codes_left: i64,
    trail: Vec<AuditEvent>,
    /// The emails of the users who acted in the trail, by actor.
    actors: HashMap<String, String>,
}

pub async fn get_user(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let notice = query.notice.as_deref();
    match Console::open(&state, &slug, &req, Section::Users, notice).await? {
        Ok(console) => user_page(&state, &console, id, None).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// There is no such user (any more) in this tenant.
pub(super) fn no_such_user(ctx: &crate::tokens::TenantContext) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        &ctx.tenant.display_name,
        "Not found",
        "There is no such user here.",
    )
    .way("Go to the users", Section::Users.url(ctx))
}

/// The page, with a new redemption link when one was just made.
pub(super) async fn user_page(
    state: &AppState,
    console: &Console,
    id: String,
    new_link: Option<&str>,
) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let detail = state
        .db
        .read(move |c| detail(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| no_such_user(&console.ctx))?;
    let user = &detail.user;
    let page = UserPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        id: &user.id,
        email: &user.email,
        facts: facts(&detail),
        blocked: !user.is_active(),
        accepted: user.external_state == Some(ExternalState::Accepted),
        is_self: console.user.inviter.actor() == format!("user:{}", user.id),
        groups: detail
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect(),
        apps: detail.apps.iter().map(|a| a.name.clone()).collect(),
        sessions: detail.sessions.iter().map(session).collect(),
        factors: detail.factors,
        recovery_codes_left: detail.recovery_codes_left,
        events: events(user, &detail.trail, &detail.actors),
        new_link,
    };
    Ok(console.render(StatusCode::OK, &page))
}

fn detail(c: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<Option<Detail>> {
    let Some(user) = store::users::find(c, tenant_id, id)? else {
        return Ok(None);
    };
    let trail = store::users::trail(c, tenant_id, &user, SHOWN)?;
    let acting: Vec<&str> = trail
        .iter()
        .map(|e| e.actor.as_str())
        .chain(user.invited_by.as_deref())
        .filter_map(|actor| actor.strip_prefix("user:"))
        .collect();
    let actors = store::users::emails_of(c, tenant_id, &acting)?
        .into_iter()
        .map(|(id, email)| (format!("user:{id}"), email))
        .collect();
    Ok(Some(Detail {
        roles: store::users::roles(c, tenant_id, id)?,
        groups: store::groups::named_groups_of(c, tenant_id, id)?,
        apps: store::groups::apps_of_user(c, tenant_id, id)?,
        sessions: store::users::live_sessions(c, tenant_id, id, SHOWN)?,
        factors: factors(c, tenant_id, id)?,
        recovery_codes_left: store::factors::recovery_codes_left(c, tenant_id, id)?,
        trail,
        actors,
        user,
    }))
}

fn factors(c: &mut DbConn, tenant_id: &TenantId, id: &str) -> StoreResult<Vec<Factor>> {
    let mut factors: Vec<Factor> = store::factors::totp(c, tenant_id, id)?
        .filter(|t| t.confirmed)
        .map(|t| Factor {
            kind: "Authenticator app",
            name: "-".into(),
            added: when(t.created_at),
            last_used: "-".into(),
        })
        .into_iter()
        .collect();
    factors.extend(
        store::passkeys::list_for_user(c, tenant_id, id)?
            .into_iter()
            .map(|p| Factor {
                kind: "Passkey",
                name: p.name,
                added: when(p.created_at),
                last_used: p.last_used_at.map(when).unwrap_or_else(|| "Never".into()),
            }),
    );
    Ok(factors)
}

fn facts(detail: &Detail) -> Vec<(&'static str, String)> {
    let user = &detail.user;
    let role = if detail.roles.contains(&Role::Admin) {
        "Administrator"
    } else {
        "None"
    };
    let mut facts = vec![
        ("Email", user.email.clone()),
        ("Name", user.display_name.clone()),
        ("Type", type_label(user.user_type).to_owned()),
        ("State", standing_label(user.standing()).to_owned()),
        ("Signs in with", home_label(user)),
        ("Roles", role.to_owned()),
        ("Created", when(user.created_at)),
    ];
    if let Some(end) = user.access_expires_at {
        let label = match user.standing() {
            Standing::Expired => "Access ended",
            _ => "Access ends",
        };
        facts.push((label, when(end)));
    }
    if let Some(by) = &user.invited_by {
        let by = detail.actors.get(by).cloned().unwrap_or_else(|| by.clone());
        facts.push(("Invited by", by));
    }
    facts
}

fn session(s: &store::sessions::Session) -> Session {
    Session {
        started: when(s.created_at),
        expires: when(s.expires_at),
        methods: methods_label(&s.amr),
    }
}

/// The trail in words: people by email where known (the user's own id,
/// as some events name them, too).
fn events(user: &User, trail: &[AuditEvent], actors: &HashMap<String, String>) -> Vec<Event> {
    let target = |t: Option<&str>| match t {
        Some(id) if id == user.id => user.email.clone(),
        Some(other) => other.to_owned(),
        None => "-".into(),
    };
    trail
        .iter()
        .map(|e| Event {
            at: when(e.at),
            action: action_label(e.action),
            actor: actors
                .get(&e.actor)
                .cloned()
                .unwrap_or_else(|| e.actor.clone()),
            target: target(e.target.as_deref()),
        })
        .collect()
}
