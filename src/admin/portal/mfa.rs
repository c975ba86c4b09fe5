//! The portal's strong-authentication forms for administrators: the
//! authentication policy and resetting a user's second factors, through the
//! same functions as the API and the CLI (`admin::mfa`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::form_caller;
use super::frame::{Section, back_to};
use super::settings::{not_admin, save_form};
use crate::admin::mfa;
use crate::domain::MfaRequired;
use crate::pages::{PageError, PageResult};
use crate::state::AppState;
use crate::store;

#[derive(Deserialize)]
pub struct AuthPolicyForm {
    csrf_token: String,
    mfa_required: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf_token: String,
    email: String,
}

pub async fn post_auth_policy(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<AuthPolicyForm>,
) -> PageResult<HttpResponse> {
    let parsed = MfaRequired::parse(&form.mfa_required)
        .ok_or_else(|| format!("{:?} is not a valid choice", form.mfa_required));
    save_form(
        &state,
        &path,
        &req,
        &form.csrf_token,
        parsed,
        ("Authentication policy", "auth_policy"),
        |c, tenant_id, required, actor| mfa::save_policy(c, tenant_id, *required, actor),
    )
    .await
}

pub async fn post_reset(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    form: web::Form<ResetForm>,
) -> PageResult<HttpResponse> {
    let (ctx, user) = match form_caller(&state, &path, &req, &form.csrf_token).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if !user.is_admin {
        return Err(not_admin(&ctx));
    }
    let Ok(email) = crate::domain::Email::parse(&form.email) else {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            &ctx.tenant.display_name,
            "Not reset",
            "Enter a valid email address.",
        ));
    };
    let (tenant_id, actor, email) = (
        ctx.tenant.id.clone(),
        user.inviter.actor(),
        email.as_str().to_owned(),
    );
    let reset = state
        .db
        .write(
            move |c| match store::users::find_by_email(c, &tenant_id, &email)? {
                Some(target) => mfa::reset_factors(c, &tenant_id, &target.id, &actor),
                None => Ok(false),
            },
        )
        .await?;
    if !reset {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            &ctx.tenant.display_name,
            "Not found",
            "There is no user with that email address here.",
        ));
    }
    Ok(back_to(&ctx, Section::Policies, "mfa_reset"))
}
