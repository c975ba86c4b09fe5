//! The tenant's JSON Web Key Set (RFC 7517 §5): the active key and retired
//! keys whose tokens may still be live.

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
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body(ctx.jwks.clone()))
}
