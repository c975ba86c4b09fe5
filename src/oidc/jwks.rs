//! The tenant's JSON Web Key Set (RFC 7517 §5): the next key (published
//! before it signs), the current key, and retired keys whose tokens may
//! still be live. Its max-age is the one the pre-publication is checked
//! against (`Settings::check_key_rotation`).

use actix_web::{HttpResponse, web};

use super::error::OAuthResult;
use crate::state::AppState;

pub async fn get_jwks(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> OAuthResult<HttpResponse> {
    let ctx = super::tenant(&state, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((
            "Cache-Control",
            format!("public, max-age={}", state.settings.jwks_max_age.as_secs()),
        ))
        .body(ctx.jwks.clone()))
}
