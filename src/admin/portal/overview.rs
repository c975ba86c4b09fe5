//! The console's first page (`GET /admin`): for administrators, how many
//! members, guests, pending invitations, groups and apps the tenant has (each
//! counted by the database), its newest sign-ins and refusals; for everyone
//! else, their own invitations and the way to invite.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::audit::{EventRow, event_rows};
use super::frame::{Console, Frame, Section, when};
use crate::domain::{Amr, AuditAction, AuthMethod, EffectiveStatus, TenantId, UserType};
use crate::pages::PageResult;
use crate::state::AppState;
use crate::store::audit::{AuditFilter, Page, Start};
use crate::store::counts::TenantCounts;
use crate::store::invitations::InvitationFilter;
use crate::store::{self, DbConn, StoreResult};

/// How many recent sign-ins and refusals the overview lists.
const RECENT: i64 = 10;

/// The `notice` key a form leaves in the address it returns to.
#[derive(Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// A recent sign-in as a person reads it.
struct SignInRow {
    when: String,
    who: String,
    kind: &'static str,
    how: &'static str,
}

/// What administrators see: the tenant at a glance.
struct Administration {
    counts: TenantCounts,
    sign_ins: Vec<SignInRow>,
    refusals: Vec<EventRow>,
}

/// What a member sees: how their own invitations stand.
#[derive(Default)]
struct OwnInvitations {
    pending: i64,
    accepted: i64,
    expired: i64,
    revoked: i64,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    may_invite: bool,
    admin: Option<Administration>,
    own: OwnInvitations,
}

pub async fn get_overview(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    let console = match Console::open(&state, &path, &req, Section::Overview, notice).await? {
        Ok(console) => console,
        Err(sign_in) => return Ok(sign_in),
    };
    let tenant_id = console.ctx.tenant.id.clone();
    let (is_admin, actor) = (console.user.is_admin, console.user.inviter.actor());
    let (policy, admin, own) = state
        .db
        .read(move |c| {
            let policy = store::policies::get(c, &tenant_id)?;
            let admin = match is_admin {
                true => Some(administration(c, &tenant_id)?),
                false => None,
            };
            Ok((policy, admin, own_invitations(c, &tenant_id, &actor)?))
        })
        .await?;
    let page = OverviewPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        may_invite: policy.may_invite(&console.user.inviter),
        admin,
        own,
    };
    Ok(console.render(StatusCode::OK, &page))
}

fn administration(c: &mut DbConn, tenant_id: &TenantId) -> StoreResult<Administration> {
    let refused = AuditFilter {
        actions: AuditAction::REFUSALS.to_vec(),
        ..AuditFilter::default()
    };
    let newest = Page {
        start: Start::Newest,
        size: RECENT,
    };
    let refusals = store::audit::search(c, tenant_id, &refused, &newest)?.events;
    let sign_ins = store::sessions::recent_sign_ins(c, tenant_id, RECENT)?
        .into_iter()
        .map(|s| SignInRow {
            when: when(&s.at),
            kind: match s.user_type {
                UserType::Member => "Member",
                UserType::Guest => "Guest",
            },
            how: how(&s.amr),
            who: s.email,
        })
        .collect();
    Ok(Administration {
        counts: store::counts::tenant_counts(c, tenant_id)?,
        sign_ins,
        refusals: event_rows(c, tenant_id, &refusals)?,
    })
}

fn own_invitations(
    c: &mut DbConn,
    tenant_id: &TenantId,
    actor: &str,
) -> StoreResult<OwnInvitations> {
    let mut count = |status| {
        let filter = InvitationFilter {
            status: Some(status),
            invited_by: Some(actor.to_owned()),
            ..InvitationFilter::default()
        };
        store::invitations::count(c, tenant_id, &filter)
    };
    Ok(OwnInvitations {
        pending: count(EffectiveStatus::Pending)?,
        accepted: count(EffectiveStatus::Redeemed)?,
        expired: count(EffectiveStatus::Expired)?,
        revoked: count(EffectiveStatus::Revoked)?,
    })
}

/// How a session was authenticated, in words (from its stored `amr`).
fn how(amr: &str) -> &'static str {
    let Some(amr) = Amr::parse(amr) else {
        return "Unknown";
    };
    let has = |m| amr.contains(m);
    if has(AuthMethod::Fed) {
        "Through their home organization"
    } else if has(AuthMethod::Hwk) || has(AuthMethod::Swk) {
        match has(AuthMethod::Pwd) {
            true => "Password and passkey",
            false => "Passkey",
        }
    } else if has(AuthMethod::Mfa) {
        "Password and second factor"
    } else if has(AuthMethod::Pwd) {
        "Password"
    } else if has(AuthMethod::Otp) {
        "Emailed passcode"
    } else {
        "Unknown"
    }
}
