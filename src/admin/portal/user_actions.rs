//! The console's buttons on a user (`POST /admin/users/{id}/{action}`), for
//! administrators, through the same functions as the API and the CLI:
//! block, unblock and remove (`b2b::removal`), reset a guest's redemption
//! (`b2b::invitation`), end every session (`admin::logout`) and reset the
//! second factors (`admin::mfa`). All but unblocking ask first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ActionForm;
use super::frame::{Confirm, Console, Section, back_to};
use super::user::{no_such_user, user_page};
use crate::admin::{logout, mfa};
use crate::b2b::invitation::{self, InviteError};
use crate::b2b::removal::{self, RemovalError};
use crate::domain::GuestAction;
use crate::pages::{PageError, PageResult, see_other};
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{self, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UserAction {
    Removal(GuestAction),
    ResetRedemption,
    EndSessions,
    ResetFactors,
}

impl UserAction {
    /// The action named by the last word of the path.
    fn named(word: &str) -> Option<UserAction> {
        match word {
            "reset-redemption" => Some(UserAction::ResetRedemption),
            "end-sessions" => Some(UserAction::EndSessions),
            "reset-factors" => Some(UserAction::ResetFactors),
            other => other.parse().ok().map(UserAction::Removal),
        }
    }

    fn word(self) -> &'static str {
        match self {
            UserAction::Removal(action) => action.as_str(),
            UserAction::ResetRedemption => "reset-redemption",
            UserAction::EndSessions => "end-sessions",
            UserAction::ResetFactors => "reset-factors",
        }
    }

    /// The question, what it means, and the button; `None` for what needs
    /// no confirmation (unblocking).
    fn question(self, email: &str) -> Option<(String, &'static str, &'static str)> {
        let (question, consequence, button) = match self {
            UserAction::Removal(GuestAction::Unblock) => return None,
            UserAction::Removal(GuestAction::Block) => (
                format!("Block {email}?"),
                "This ends their sessions at once and revokes their tokens. They cannot sign in until an administrator unblocks them.",
                "Block",
            ),
            UserAction::Removal(GuestAction::Remove) => (
                format!("Remove {email}?"),
                "This deletes the account: their sessions end, their tokens are revoked and their pending invitations are withdrawn. It cannot be undone.",
                "Remove",
            ),
            UserAction::ResetRedemption => (
                format!("Reset the redemption of {email}?"),
                "Their sessions end and they must accept again, with a new link that is emailed to them.",
                "Reset redemption",
            ),
            UserAction::EndSessions => (
                format!("End all sessions of {email}?"),
                "They are signed out everywhere at once, and their apps are told.",
                "End all sessions",
            ),
            UserAction::ResetFactors => (
                format!("Reset the second factors of {email}?"),
                "Their authenticator app, passkeys and recovery codes are removed; they enrol again when next asked for a second factor.",
                "Reset second factors",
            ),
        };
        Some((question, consequence, button))
    }
}

pub async fn post_user_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, id, word) = path.into_inner();
    let console =
        match Console::open_form(&state, &slug, &req, Section::Users, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    // An unknown action names no page, like an unknown user.
    let action = UserAction::named(&word).ok_or_else(|| no_such_user(&console.ctx))?;
    let tenant_id = console.ctx.tenant.id.clone();
    let user = state
        .db
        .read(move |c| store::users::find(c, &tenant_id, &id))
        .await?
        .ok_or_else(|| no_such_user(&console.ctx))?;
    let is_self = console.user.inviter.actor() == format!("user:{}", user.id);
    if is_self && matches!(action, UserAction::Removal(_)) {
        // As the API: an administrator cannot lock themselves out.
        return Err(refused(
            &console,
            &user,
            "You cannot block or remove yourself.",
        ));
    }
    if let Some((question, consequence, button)) = action.question(&user.email)
        && !form.confirmed()
    {
        return Ok(console.confirm(&Confirm {
            question,
            consequence: consequence.to_owned(),
            action: format!("/admin/users/{}/{}", user.id, action.word()),
            button,
            cancel: user_url(&console, &user.id),
        }));
    }
    act(&state, console, user, action).await
}

async fn act(
    state: &AppState,
    mut console: Console,
    user: User,
    action: UserAction,
) -> PageResult<HttpResponse> {
    let (tenant_id, actor) = (console.ctx.tenant.id.clone(), console.user.inviter.actor());
    let id = user.id.clone();
    let notice = match action {
        UserAction::Removal(removal) => {
            let result = state
                .db
                .write_as(move |c| removal::apply(c, &tenant_id, &actor, &user, removal))
                .await;
            match result {
                Ok(()) if removal == GuestAction::Remove => {
                    return Ok(back_to(&console.ctx, Section::Users, "user_removed"));
                }
                Ok(()) => removal_notice(removal),
                Err(RemovalError::NoUser | RemovalError::Store(StoreError::NotFound)) => {
                    return Err(no_such_user(&console.ctx));
                }
                Err(e) => return Err(PageError::server(console.tenant_name(), e.to_string())),
            }
        }
        UserAction::ResetRedemption => {
            let link = reset_redemption(state, &console, user).await?;
            console.say("Redemption reset: the guest must accept again with the new link.");
            return user_page(state, &console, id, Some(&link)).await;
        }
        UserAction::EndSessions => {
            let (target, by) = (id.clone(), actor);
            state
                .db
                .write(move |c| logout::revoke_sessions(c, &tenant_id, &target, &by))
                .await?
                .ok_or_else(|| no_such_user(&console.ctx))?;
            "sessions_ended"
        }
        UserAction::ResetFactors => {
            let (target, by) = (id.clone(), actor);
            let reset = state
                .db
                .write(move |c| mfa::reset_factors(c, &tenant_id, &target, &by))
                .await?;
            if !reset {
                return Err(no_such_user(&console.ctx));
            }
            "mfa_reset"
        }
    };
    let to = format!("{}?notice={notice}", user_url(&console, &id));
    Ok(see_other(&to, Vec::new()))
}

fn removal_notice(action: GuestAction) -> &'static str {
    match action {
        GuestAction::Block => "user_blocked",
        GuestAction::Unblock => "user_unblocked",
        GuestAction::Remove => "user_removed",
    }
}

/// Back to "pending acceptance"; the new redemption link.
async fn reset_redemption(state: &AppState, console: &Console, guest: User) -> PageResult<String> {
    let ctx = console.ctx.clone();
    let (tenant, issuer, inviter, lifetime) = (
        ctx.tenant.clone(),
        ctx.issuer.clone(),
        console.user.inviter.clone(),
        state.settings.invitation_lifetime,
    );
    let (email, back) = (guest.email.clone(), user_url(console, &guest.id));
    let invited = state
        .db
        .write_as(move |c| {
            invitation::reset_redemption(c, &tenant, &issuer, &inviter, &guest, lifetime)
        })
        .await;
    match invited {
        Ok(invited) => Ok(invited.redeem_url),
        Err(InviteError::Invalid(why)) => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            console.tenant_name(),
            "Not reset",
            &format!("{email}: {why}."),
        )
        .way("Back to the user", back)),
        Err(e) => Err(PageError::server(console.tenant_name(), e.to_string())),
    }
}

fn user_url(console: &Console, id: &str) -> String {
    format!("{}/{id}", Section::Users.url(&console.ctx))
}

/// The action cannot be done to this user; the way back to them.
fn refused(console: &Console, user: &User, why: &str) -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        console.tenant_name(),
        "Not done",
        why,
    )
    .way("Back to the user", user_url(console, &user.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_named_by_its_word() {
        for action in [
            UserAction::Removal(GuestAction::Block),
            UserAction::Removal(GuestAction::Unblock),
            UserAction::Removal(GuestAction::Remove),
            UserAction::ResetRedemption,
            UserAction::EndSessions,
            UserAction::ResetFactors,
        ] {
            assert_eq!(UserAction::named(action.word()), Some(action));
        }
        assert_eq!(UserAction::named("delete"), None);
    }

    #[test]
    fn only_unblocking_goes_without_asking() {
        assert!(
            UserAction::Removal(GuestAction::Unblock)
                .question("a@b")
                .is_none()
        );
        assert!(
            UserAction::Removal(GuestAction::Block)
                .question("a@b")
                .is_some()
        );
        assert!(UserAction::EndSessions.question("a@b").is_some());
    }
}
