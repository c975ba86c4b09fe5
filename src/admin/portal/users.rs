//! The console's users: the guest accounts with their state, who invited
//! them and where they sign in, and the buttons of `guests.rs`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::frame::{Console, Frame, Section};
use super::overview::NoticeQuery;
use crate::domain::{ExternalState, UserType};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store;
use crate::store::invitations::Invitation;
use crate::store::users::User;

struct GuestRow {
    id: String,
    email: String,
    inviter: String,
    state: &'static str,
    accepted: bool,
    status: &'static str,
    blocked: bool,
    home: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    new_link: Option<&'a str>,
    guests: Vec<GuestRow>,
    policy_summary: String,
}

pub async fn get_users(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Users, notice).await? {
        Ok(console) => users_page(&state, &console, None).await,
        Err(sign_in) => Ok(sign_in),
    }
}

/// The page, with a new redemption link when one was just made.
pub(super) async fn users_page(
    state: &AppState,
    console: &Console,
    new_link: Option<&str>,
) -> PageResult<HttpResponse> {
    let tenant_id = console.ctx.tenant.id.clone();
    let (policy, guests, invitations) = state
        .db
        .read(move |c| {
            Ok((
                store::policies::get(c, &tenant_id)?,
                store::users::list(c, &tenant_id, Some(UserType::Guest))?,
                store::invitations::list(c, &tenant_id)?,
            ))
        })
        .await?;
    let page = UsersPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        new_link,
        guests: guest_rows(guests, &invitations),
        policy_summary: super::policies::summarize(&policy),
    };
    Ok(console.render(StatusCode::OK, &page))
}

fn guest_rows(guests: Vec<User>, invitations: &[Invitation]) -> Vec<GuestRow> {
    guests
        .into_iter()
        .map(|g| GuestRow {
            inviter: invitations
                .iter()
                .find(|i| i.guest_user_id == g.id)
                .map(|i| i.inviter_name.clone())
                .unwrap_or_else(|| "-".into()),
            status: match g.access_state() {
                "blocked" => "Blocked",
                "expired" => "Expired",
                _ => "Active",
            },
            blocked: !g.is_active(),
            state: match g.external_state {
                Some(ExternalState::PendingAcceptance) => "Pending acceptance",
                Some(ExternalState::Accepted) => "Accepted",
                None => "-",
            },
            accepted: g.external_state == Some(ExternalState::Accepted),
            id: g.id,
            email: g.email,
            home: match g.home_issuer.as_deref() {
                Some(crate::b2b::home::MAIL_IDP) => "One-time passcode by email".into(),
                Some(issuer) => issuer.to_owned(),
                None => "-".into(),
            },
        })
        .collect()
}
