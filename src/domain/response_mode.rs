//! How an authorization response goes back to the client: in the redirect
//! URI's query (RFC 6749 §4.1.2) or as a form posted to it (OAuth 2.0 Form
//! Post Response Mode §2), with `state` and `iss` (RFC 9207) either way.

use super::text_enum::text_enum;
use super::{ErrorCode, RedirectUri};

text_enum! {
    /// `response_mode` (OAuth 2.0 Multiple Response Types §2.1).
    pub enum ResponseMode as "response mode" {
        Query = "query",
        FormPost = "form_post",
    }
}

impl ResponseMode {
    /// The mode a request asked for; `query` when it named none. A mode this
    /// server does not support is an error (OIDC Core §3.1.2.2), and so is a
    /// form post to a redirect URI a browser cannot post a form to.
    pub fn requested(
        asked: Option<&str>,
        redirect_uri: &RedirectUri,
    ) -> Result<ResponseMode, String> {
        let Some(asked) = asked else {
            return Ok(ResponseMode::Query);
        };
        let mode: ResponseMode = asked
            .parse()
            .map_err(|_| format!("unsupported response_mode {asked:?}"))?;
        if mode == ResponseMode::FormPost && redirect_uri.http_origin().is_none() {
            return Err("form_post needs an http(s) redirect URI".into());
        }
        Ok(mode)
    }
}

/// Where and how the answer to one authorization request goes back.
#[derive(Clone, Debug)]
pub struct ReturnTo {
    pub redirect_uri: RedirectUri,
    pub mode: ResponseMode,
    pub state: Option<String>,
    /// The issuer, sent as `iss` (RFC 9207 §2).
    pub issuer: String,
}

impl ReturnTo {
    /// The success response (RFC 6749 §4.1.2).
    pub fn code(&self, code: &str) -> AuthorizationResponse {
        self.response(vec![("code", code.to_owned())])
    }

    /// An error response (RFC 6749 §4.1.2.1) with the code's public description.
    pub fn error(&self, code: ErrorCode) -> AuthorizationResponse {
        self.error_described(code, code.description())
    }

    /// An error response with a description of its own.
    pub fn error_described(&self, code: ErrorCode, description: &str) -> AuthorizationResponse {
        self.response(vec![
            ("error", code.as_str().to_owned()),
            ("error_description", description.to_owned()),
        ])
    }

    fn response(&self, mut params: Vec<(&'static str, String)>) -> AuthorizationResponse {
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        params.push(("iss", self.issuer.clone()));
        AuthorizationResponse {
            redirect_uri: self.redirect_uri.clone(),
            mode: self.mode,
            params,
        }
    }
}

/// One authorization response, ready to be delivered in its mode.
#[derive(Clone, Debug)]
pub struct AuthorizationResponse {
    pub redirect_uri: RedirectUri,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl AuthorizationResponse {
    pub fn is_form_post(&self) -> bool {
        self.mode == ResponseMode::FormPost
    }

    /// The redirect URI with the parameters in its query (query mode).
    pub fn query_url(&self) -> String {
        let params: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.redirect_uri.with_query(&params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_query_or_form_post_to_a_web_address() {
        let web = RedirectUri::parse("https://app.example/cb").unwrap();
        let native = RedirectUri::parse("com.example.app:/cb").unwrap();
        assert_eq!(ResponseMode::requested(None, &web), Ok(ResponseMode::Query));
        assert_eq!(
            ResponseMode::requested(Some("form_post"), &web),
            Ok(ResponseMode::FormPost)
        );
        assert_eq!(
            ResponseMode::requested(Some("query"), &native),
            Ok(ResponseMode::Query)
        );
        assert!(ResponseMode::requested(Some("form_post"), &native).is_err());
        assert!(ResponseMode::requested(Some("fragment"), &web).is_err());
        assert!(ResponseMode::requested(Some("query.jwt"), &web).is_err());
    }

    #[test]
    fn responses_carry_state_and_issuer() {
        let back = ReturnTo {
            redirect_uri: RedirectUri::parse("https://app.example/cb?x=1").unwrap(),
            mode: ResponseMode::Query,
            state: Some("a b".into()),
            issuer: "https://id.example/t/acme".into(),
        };
        let url = back.code("c1").query_url();
        assert!(url.starts_with("https://app.example/cb?x=1&code=c1&state=a+b&iss="));
        let error = back.error(ErrorCode::AccessDenied);
        assert_eq!(error.params[0], ("error", "access_denied".to_owned()));
    }
}
