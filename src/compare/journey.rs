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
    let mut journey = Journey {
        bases,
        browser,
        origin: bases[0].to_owned(),
    };
    match walk(&mut journey, start, email, password).await {
        Ok(landing) | Err(landing) => landing,
    }
}

/// A browser on its way through `bases`, and the origin relative links
/// resolve against (it moves with every absolute URL followed).
struct Journey<'a> {
    bases: &'a [&'a str],
    browser: &'a reqwest::Client,
    origin: String,
}

impl Journey<'_> {
    fn absolute(&mut self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.origin)
        } else {
            self.origin = origin_of(url);
            url.to_owned()
        }
    }

    async fn get(&mut self, url: &str) -> Result<reqwest::Response, Landing> {
        let url = self.absolute(url);
        self.browser.get(url).send().await.map_err(stuck)
    }

    async fn post(
        &mut self,
        url: &str,
        fields: &[(String, String)],
    ) -> Result<reqwest::Response, Landing> {
        let url = self.absolute(url);
        self.browser
            .post(url)
            .form(fields)
            .send()
            .await
            .map_err(stuck)
    }
}

fn stuck(e: reqwest::Error) -> Landing {
    Landing::Stuck(e.to_string())
}

/// Follows redirects and answers forms; `Err` is a journey that ended early
/// (either way, the value is where it ended).
async fn walk(
    journey: &mut Journey<'_>,
    start: &str,
    email: &str,
    password: &str,
) -> Result<Landing, Landing> {
    let mut response = journey.get(start).await?;
    let mut last_post: Option<String> = None;
    for _ in 0..40 {
        if response.status().is_redirection() {
            let location = next_hop(&response, journey.bases)?;
            response = journey.get(&location).await?;
            last_post = None;
            continue;
        }
        let status = response.status().as_u16();
        let page = response.text().await.map_err(stuck)?;
        let Some(action) = sign_in_form(&page) else {
            return Ok(Landing::Page(status, page));
        };
        // The same form answering its own post means it refused it.
        if last_post.as_deref() == Some(action.as_str()) {
            return Ok(Landing::Stuck(format!(
                "the form {action} came back ({status})"
            )));
        }
        let Some(fields) = filled_in(&page, email, password) else {
            return Ok(Landing::Page(status, page));
        };
        response = journey.post(&action, &fields).await?;
        last_post = Some(action);
    }
    Ok(Landing::Stuck("the journey did not settle".into()))
}

/// Where a redirect leads, unless it leaves all of `bases` (the journey
/// ends there) or has no location.
fn next_hop(response: &reqwest::Response, bases: &[&str]) -> Result<String, Landing> {
    let Some(location) = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
    else {
        return Err(Landing::Stuck("a redirect without a location".into()));
    };
    if !location.starts_with('/') && !bases.iter().any(|b| location.starts_with(b)) {
        return Err(Landing::Away(location));
    }
    Ok(location)
}

/// The action of the sign-in, password, consent or invitation form on `page`.
fn sign_in_form(page: &str) -> Option<String> {
    form_action(page).filter(|a| {
        a.ends_with("/login")
            || a.ends_with("/login/password")
            || a.ends_with("/consent")
            || a.contains("/invite/")
    })
}

/// The form as a person fills it: the hidden fields plus the password, the
/// email or an allowed consent; `None` for a form the journey cannot answer.
fn filled_in(page: &str, email: &str, password: &str) -> Option<Vec<(String, String)>> {
    let mut fields = hidden_fields(page);
    if page.contains("name=\"password\"") {
        fields.push(("password".into(), password.into()));
    } else if page.contains("name=\"email\" type=\"email\"") {
        fields.push(("email".into(), email.into()));
    } else if page.contains("name=\"decision\"") {
        fields.push(("decision".into(), "allow".into()));
    } else if !page.contains("You're invited") {
        return None;
    }
    Some(fields)
}
