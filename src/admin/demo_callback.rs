//! `/demo/callback`, where the demo app (and any test app registered with
//! it) gets its authorization response: a page that names the tenant that
//! answered (RFC 9207 `iss`) and shows the exact curl command that redeems
//! the code. Everything shown comes from the query string, so it is
//! escaped, and a code is put into the command only if it looks like one
//! this server issues (no shell metacharacters can ride along).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::admin::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use crate::pages::{PageResult, render};
use crate::routes;
use crate::state::AppState;

/// The demo app's redirect URI, under the public URL.
pub const DEMO_CALLBACK: &str = "/demo/callback";

/// Longer than any code this server issues.
const MAX_CODE_LEN: usize = 128;

#[derive(Template)]
#[template(path = "demo_callback.html")]
struct CallbackPage<'a> {
    tenant_name: &'a str,
    /// The answering tenant's start page, when it is a tenant here.
    home: Option<String>,
    code: Option<&'a str>,
    state: Option<&'a str>,
    issuer: Option<&'a str>,
    error: Option<&'a str>,
    error_description: Option<&'a str>,
    /// The redeeming command, when there is a code to redeem.
    command: Option<String>,
}

/// Only the characters of this server's codes (base64url).
fn plausible_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The curl command that redeems `code` at `issuer`'s token endpoint; the
/// demo app's credentials where `--demo` registered it (with its published
/// secret), placeholders elsewhere.
fn redeem_command(issuer: &str, demo_tenant: bool, code: &str, public_url: &str) -> String {
    let credentials = match demo_tenant {
        true => format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}"),
        false => "CLIENT_ID:CLIENT_SECRET".to_owned(),
    };
    format!(
        "curl -s -u {credentials} -d grant_type=authorization_code -d code={code} \\\n     --data-urlencode redirect_uri={public_url}{DEMO_CALLBACK} {issuer}{}",
        routes::TOKEN
    )
}

pub async fn get_demo_callback(
    state: web::Data<AppState>,
    query: web::Query<HashMap<String, String>>,
) -> PageResult<HttpResponse> {
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let issuer = param("iss");
    let slug = issuer.and_then(|iss| state.tenants.slug_of_issuer(iss));
    let tenant = match slug {
        Some(slug) => state.tenants.get(slug).await?,
        None => None,
    };
    let code = param("code");
    let command = match (&tenant, code) {
        (Some(ctx), Some(code)) if plausible_code(code) => {
            let demo = state.tenants.client(&ctx.tenant.id, DEMO_CLIENT_ID).await?;
            let public_url = &state.settings.public_url;
            Some(redeem_command(
                &ctx.issuer,
                demo.is_some(),
                code,
                public_url,
            ))
        }
        _ => None,
    };
    let page = CallbackPage {
        tenant_name: tenant
            .as_ref()
            .map_or("Portico", |t| &t.tenant.display_name),
        home: tenant.as_ref().map(|t| routes::tenant_path(&t.tenant.slug)),
        code,
        state: param("state"),
        issuer,
        error: param("error"),
        error_description: param("error_description"),
        command,
    };
    Ok(render(StatusCode::OK, &page, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_characters_reach_the_command() {
        assert!(plausible_code("Xy_9-abcDEF"));
        for bad in ["", "a b", "x;rm -rf ~", "$(id)", "a'b", "a\nb"] {
            assert!(!plausible_code(bad), "{bad:?}");
        }
        assert!(!plausible_code(&"a".repeat(MAX_CODE_LEN + 1)));
    }

    #[test]
    fn the_command_names_the_token_endpoint_and_the_callback() {
        let cmd = redeem_command("http://h/t/contoso", true, "CODE1", "http://h");
        assert!(cmd.contains("-u contoso-demo-app:demo-secret-do-not-use-in-production"));
        assert!(cmd.contains("-d code=CODE1 "));
        assert!(cmd.ends_with("redirect_uri=http://h/demo/callback http://h/t/contoso/token"));
        let other = redeem_command("http://h/t/fabrikam", false, "C", "http://h");
        assert!(other.contains("-u CLIENT_ID:CLIENT_SECRET"));
    }
}
