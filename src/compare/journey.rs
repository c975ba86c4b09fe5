//! A browser journey driver for `portico compare`, the tests and the B2B
//! benchmark: follows redirects and fills the sign-in, password and consent
//! forms like a person, across one or more servers.

/// Where a browser journey ended.
#[derive(Debug)]
pub enum Landing {
    /// Redirected off this server (to an app's redirect URI).
    Away(String),
    /// A page that is not a sign-in form (status, body).
    Page(u16, String),
    /// The browser could not go on: a server did not answer, or a form kept
    /// coming back (a refused password, a throttle).
    Stuck(String),
}

fn form_action(page: &str) -> Option<String> {
    let start =
        page.find("<form method=\"post\" action=\"")? + "<form method=\"post\" action=\"".len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[i + "<input type=\"hidden\" name=\"".len()..];
        let field = (|| {
            let name_end = rest.find('"')?;
            let value_start = rest.find("value=\"")? + "value=\"".len();
            let value_end = rest[value_start..].find('"')? + value_start;
            Some((
                rest[..name_end].to_owned(),
                rest[value_start..value_end].to_owned(),
            ))
        })();
        fields.extend(field);
    }
    fields
}

/// The scheme://host:port of an absolute URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(url.len());
    url[..end].to_owned()
}

/// Walks redirects and sign-in pages like a person: types `email` and
/// `password` where asked, allows consent, until the browser leaves this server
/// or lands on another page.
pub async fn drive(
    base: &str,
    browser: &reqwest::Client,
    start: &str,
    email: &str,
    password: &str,
) -> Landing {
    drive_across(&[base], browser, start, email, password).await
}

/// Like [`drive`], across several servers (a guest's home on another server):
/// the journey ends only when the browser leaves all of `bases`.
pub async fn drive_across(
    bases: &[&str],
    browser: &reqwest::Client,
    start: &str,
    email: &str,
    password: &str,
) -> Landing {
    let mut origin = bases[0].to_owned();
    let mut absolute = |url: &str| {
        if url.starts_with('/') {
            format!("{origin}{url}")
        } else {
            origin = origin_of(url);
            url.to_owned()
        }
    };
    let stuck = |e: reqwest::Error| Landing::Stuck(e.to_string());
    let mut response = match browser.get(absolute(start)).send().await {
        Ok(r) => r,
        Err(e) => return stuck(e),
    };
    let mut last_post: Option<String> = None;
    for _ in 0..40 {
        if response.status().is_redirection() {
            let Some(location) = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned)
            else {
                return Landing::Stuck("a redirect without a location".into());
            };
            if !location.starts_with('/') && !bases.iter().any(|b| location.starts_with(b)) {
                return Landing::Away(location);
            }
            response = match browser.get(absolute(&location)).send().await {
                Ok(r) => r,
                Err(e) => return stuck(e),
            };
            last_post = None;
            continue;
        }
        let status = response.status().as_u16();
        let page = match response.text().await {
            Ok(page) => page,
            Err(e) => return stuck(e),
        };
        let Some(action) = form_action(&page).filter(|a| {
            a.ends_with("/login")
                || a.ends_with("/login/password")
                || a.ends_with("/consent")
                || a.contains("/invite/")
        }) else {
            return Landing::Page(status, page);
        };
        // The same form answering its own post means it refused it.
        if last_post.as_deref() == Some(action.as_str()) {
            return Landing::Stuck(format!("the form {action} came back ({status})"));
        }
        let mut fields = hidden_fields(&page);
        if page.contains("name=\"password\"") {
            fields.push(("password".into(), password.into()));
        } else if page.contains("name=\"email\" type=\"email\"") {
            fields.push(("email".into(), email.into()));
        } else if page.contains("name=\"decision\"") {
            fields.push(("decision".into(), "allow".into()));
        } else if !page.contains("You're invited") {
            return Landing::Page(status, page);
        }
        response = match browser.post(absolute(&action)).form(&fields).send().await {
            Ok(r) => r,
            Err(e) => return stuck(e),
        };
        last_post = Some(action);
    }
    Landing::Stuck("the journey did not settle".into())
}
