//! The console's Keys section (administrators): the tenant's signing keys
//! and their states, a rotation scheduled after pre-publication, and a
//! forced rotation only after a confirmation that says what it costs;
//! through the same functions as `GET /api/v1/keys` and
//! `POST /api/v1/keys/rotation` (`admin::api::keys`, `tokens/rotation.rs`),
//! audited as the console user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeDelta};

use super::ActionForm;
use super::frame::{Confirm, Console, Frame, Section, back_to};
use super::overview::NoticeQuery;
use crate::admin::api::keys as shared;
use crate::admin::provision::ProvisionError;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::tokens::rotation::{KeyState, KeyStatus, RotationError, Switch};

/// A signing key as the list shows it.
struct KeyView {
    kid: String,
    alg: String,
    state: &'static str,
    published_since: String,
    signs_from: String,
    retired_at: String,
    removed_at: String,
}

/// A moment as the console shows it.
fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn when_scheduled(at: Option<NaiveDateTime>) -> String {
    at.map(when).unwrap_or_else(|| "Not scheduled".to_owned())
}

impl From<&KeyStatus> for KeyView {
    fn from(key: &KeyStatus) -> KeyView {
        KeyView {
            kid: key.kid.clone(),
            alg: key.alg.clone(),
            state: match key.state {
                KeyState::Next => "Next: published, not signing yet",
                KeyState::Current => "Current: signing",
                KeyState::Retired => "Retired: no longer signs, still published",
            },
            published_since: when(key.created_at),
            signs_from: when(key.signs_from),
            retired_at: when_scheduled(key.signs_until),
            removed_at: when_scheduled(key.published_until),
        }
    }
}

/// A length of time in words, in its largest unit: exact ("1 hour") or
/// rounded ("about 10 minutes" for 602 seconds).
fn span(d: TimeDelta) -> String {
    const UNITS: [(i64, &str); 4] = [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let s = d.num_seconds().max(0);
    let (size, unit) = UNITS
        .into_iter()
        .find(|(size, _)| s >= *size)
        .unwrap_or((1, "second"));
    let (n, about) = match s % size {
        0 => (s / size, ""),
        rest => (s / size + i64::from(rest * 2 >= size), "about "),
    };
    format!("{about}{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage<'a> {
    tenant_name: &'a str,
    frame: &'a Frame,
    keys: Vec<KeyView>,
    /// Whether a next key is waiting (a rotation is scheduled).
    pending: bool,
    prepublish: String,
    retention: String,
    jwks_uri: String,
}

pub async fn get_keys(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> PageResult<HttpResponse> {
    let notice = query.notice.as_deref();
    match Console::open(&state, &path, &req, Section::Keys, notice).await? {
        Ok(console) => keys_page(&state, &console, StatusCode::OK).await,
        Err(sign_in) => Ok(sign_in),
    }
}

async fn keys_page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
) -> PageResult<HttpResponse> {
    let keys = shared::statuses(state, &console.ctx.tenant.id).await?;
    let settings = &state.settings;
    let page = KeysPage {
        tenant_name: console.tenant_name(),
        frame: &console.frame,
        pending: keys.iter().any(|k| k.state == KeyState::Next),
        keys: keys.iter().map(KeyView::from).collect(),
        prepublish: span(settings.key_rotation.prepublish),
        retention: span(settings.key_retention()),
        jwks_uri: format!("{}{}", console.ctx.issuer, crate::routes::JWKS),
    };
    Ok(console.render(status, &page))
}

/// The confirmation of a rotation without pre-publication.
fn confirm_now(state: &AppState, console: &Console) -> Confirm {
    let max_age = TimeDelta::from_std(state.settings.jwks_max_age).unwrap_or(TimeDelta::MAX);
    Confirm {
        question: "Rotate the signing key now?".into(),
        consequence: format!(
            "The new key signs at once, without being published first. Apps and relying parties that cached this organization's keys (the JWKS) will see an unknown kid and may reject new tokens until they fetch the JWKS again (up to {}). Do this only if the current key may be compromised; a rotation already scheduled is replaced.",
            span(max_age)
        ),
        action: format!("{}/rotate-now", Section::Keys.path()),
        button: "Rotate now",
        cancel: Section::Keys.url(&console.ctx),
    }
}

/// `POST /admin/keys/{action}`: `rotate` (the new key is published now and
/// signs after the pre-publication), or `rotate-now` (forced, after the
/// confirmation page).
pub async fn post_key_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    form: web::Form<ActionForm>,
) -> PageResult<HttpResponse> {
    let (slug, action) = path.into_inner();
    let section = Section::Keys;
    let mut console =
        match Console::open_form(&state, &slug, &req, section, &form.csrf_token).await? {
            Ok(console) => console,
            Err(sign_in) => return Ok(sign_in),
        };
    let (switch, forced, notice) = match action.as_str() {
        "rotate" => (Switch::AfterPrepublication, false, "key_scheduled"),
        "rotate-now" if !form.confirmed() => {
            return Ok(console.confirm(&confirm_now(&state, &console)));
        }
        "rotate-now" => (Switch::Now, true, "key_rotated"),
        _ => {
            let keys = section.url(&console.ctx);
            return Err(console.missing("There is no such action.", "Keys", keys));
        }
    };
    let actor = console.user.inviter.actor();
    match shared::rotate(&state, &console.ctx, switch, forced, actor).await {
        Ok(_) => Ok(back_to(&console.ctx, section, notice)),
        Err(ProvisionError::Rotation(RotationError::Store(e)) | ProvisionError::Store(e)) => {
            Err(e.into())
        }
        Err(ProvisionError::Rotation(refused)) => {
            let status = match refused {
                RotationError::Pending { .. } => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            console.refuse(format!("Not rotated: {refused}."));
            keys_page(&state, &console, status).await
        }
        Err(other) => Err(PageError::server(console.tenant_name(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::span;
    use chrono::TimeDelta;

    #[test]
    fn spans_read_as_words() {
        assert_eq!(span(TimeDelta::hours(1)), "1 hour");
        assert_eq!(span(TimeDelta::seconds(90)), "about 2 minutes");
        assert_eq!(span(TimeDelta::seconds(602)), "about 10 minutes");
        assert_eq!(span(TimeDelta::seconds(2)), "2 seconds");
        assert_eq!(span(TimeDelta::days(2)), "2 days");
    }
}
