//! Item 12: the email-first step tells a stranger nothing about a guest's state.

use super::*;

// ---- item 12: the email step tells no guest state ----

/// The email step's answer with the random parts (flow state, nonce, PKCE
/// challenge, cookie values) left out.
async fn answer_shape(b: &B2b, browser: &reqwest::Client, email: &str) -> (String, String) {
    let page = login_page(b, browser).await;
    let response = email_step(b, browser, &page, email).await;
    let status = response.status().as_u16();
    let cookies: Vec<String> = response
        .cookies()
        .map(|c| format!("{} path={:?}", c.name(), c.path()))
        .collect();
    let mut url = response
        .headers()
        .get("location")
        .map(|l| url::Url::parse(l.to_str().unwrap()).unwrap());
    let params: Vec<(String, String)> = url
        .as_ref()
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| {
                    let keep = matches!(k.as_ref(), "client_id" | "redirect_uri" | "scope");
                    (
                        k.into_owned(),
                        if keep { v.into_owned() } else { "…".into() },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(u) = url.as_mut() {
        u.set_query(None);
    }
    let body = response.text().await.unwrap();
    let shape = format!("{status} {url:?} {params:?} {cookies:?} {body}");
    // Where it sends the browser, without the query.
    let location = url.map(|u| u.to_string()).unwrap_or_default();
    (shape, location)
}

#[tokio::test]
async fn the_email_step_answers_alike_for_every_guest_state_and_the_home_tells_the_state() {
    let b = b2b().await;
    let (pending, blocked, removed, expired) = (
        "pending@proseware.example",
        "blocked@proseware.example",
        "removed@proseware.example",
        "expired@proseware.example",
    );
    for who in [pending, blocked, removed, expired] {
        b.app.member("proseware", who);
    }
    for who in [GUEST, blocked, removed, expired] {
        let link = b.invite(who, Target::Tenant);
        let (_, landing) = b.redeem(&link, who).await;
        assert!(matches!(landing, Landing::Page(200, _)), "{landing:?}");
    }
    b.invite(pending, Target::Tenant);
    let tenant = b.contoso();
    guests::act_on_guest(&b.app.db, &tenant, "test", blocked, GuestAction::Block).unwrap();
    guests::act_on_guest(&b.app.db, &tenant, "test", removed, GuestAction::Remove).unwrap();
    exec_either(
        &b.app,
        &format!(
            "UPDATE users SET access_expires_at = created_at WHERE user_type = 'guest' AND email = '{expired}'"
        ),
        &format!(
            "UPDATE users SET access_expires_at = created_at WHERE user_type = 'guest' AND email = '{expired}'"
        ),
    );

    // Before any credential: the same answer for every one of them, and for
    // an address of the same home that never was a guest.
    let (accepted_shape, home) = answer_shape(&b, &b.app.browser(), GUEST).await;
    assert!(
        home.starts_with(&b.app.issuer("proseware")),
        "the email step sends a guest to the home: {accepted_shape}"
    );
    for who in [
        pending,
        blocked,
        removed,
        expired,
        "other@proseware.example",
    ] {
        let (shape, _) = answer_shape(&b, &b.app.browser(), who).await;
        assert_eq!(
            shape, accepted_shape,
            "{who} is told apart before signing in"
        );
    }

    // After signing in at the home, each learns where they stand.
    for (who, expected) in [
        (pending, "not been accepted"),
        (blocked, "has been removed"),
        (removed, "no access to Contoso Ltd"),
        (expired, "has expired"),
    ] {
        let browser = b.app.browser();
        let page = login_page(&b, &browser).await;
        let response = email_step(&b, &browser, &page, who).await;
        assert_eq!(response.status(), 303);
        let landing = drive(&b.app, &browser, &location(&response), who, PASSWORD).await;
        let Landing::Page(403, page) = landing else {
            panic!("{who}: {landing:?}")
        };
        assert!(page.contains(expected), "{who}: {page}");
    }
    // The accepted guest gets through.
    let (url, _) = authorize_url(&b.app, "contoso", &b.web, "openid", &[]);
    let Landing::Away(back) = drive(&b.app, &b.app.browser(), &url, GUEST, PASSWORD).await else {
        panic!("the accepted guest is refused")
    };
    assert!(query_param(&back, "code").is_some(), "{back}");
}

#[tokio::test]
async fn passcode_guests_get_a_passcode_whatever_their_state_and_learn_it_after() {
    let b = b2b().await;
    let (pending, blocked) = ("pat@freemail.example", "bo@freemail.example");
    passcode_guest(&b, KIM).await;
    passcode_guest(&b, blocked).await;
    b.invite(pending, Target::Tenant);
    let tenant = b.contoso();
    guests::act_on_guest(&b.app.db, &tenant, "test", blocked, GuestAction::Block).unwrap();

    // Before any credential: a passcode page, alike for all three.
    let mut shapes = Vec::new();
    for who in [KIM, pending, blocked] {
        let browser = b.app.browser();
        let page = login_page(&b, &browser).await;
        let response = email_step(&b, &browser, &page, who).await;
        let status = response.status().as_u16();
        assert_eq!(status, 303, "{who} is told apart before any credential");
        let to = location(&response);
        let cookies: Vec<String> = response.cookies().map(|c| c.name().to_owned()).collect();
        let (path, _id) = to.rsplit_once('/').unwrap();
        shapes.push(format!("{status} {path} {cookies:?}"));
        // After the code: where each stands.
        let mails = if who == pending { 1 } else { 2 };
        let code = code_in(&b.mail.wait_for(who, mails).await);
        let page_url = b.app.absolute(&to);
        let response = submit_code(&browser, &page_url, &hidden(&page, "csrf_token"), &code).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        match who {
            KIM => assert_eq!(status, 303, "{text}"),
            w if w == pending => {
                assert_eq!(status, 403);
                assert!(text.contains("not been accepted"), "{text}");
            }
            _ => {
                assert_eq!(status, 403);
                assert!(text.contains("has been removed"), "{text}");
            }
        }
    }
    assert!(
        shapes[0].starts_with("303 /t/contoso/passcode"),
        "{shapes:?}"
    );
    assert!(
        shapes.iter().all(|s| *s == shapes[0]),
        "told apart before any credential: {shapes:?}"
    );
}
