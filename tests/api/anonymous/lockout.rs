//! Item 10: a stranger cannot lock a guest out of their passcode.

use super::*;

#[tokio::test]
async fn a_stranger_asking_for_a_guests_passcode_neither_cancels_it_nor_locks_the_guest_out() {
    let b = b2b().await;
    passcode_guest(&b, KIM).await;
    let mut mails = 2;

    // The guest asks for a code in browser A.
    let guest = b.app.browser();
    let guest_page = login_page(&b, &guest).await;
    let response = email_step(&b, &guest, &guest_page, KIM).await;
    assert_eq!(response.status(), 303);
    let guest_code_url = b.app.absolute(&location(&response));
    let guest_code = code_in(&b.mail.wait_for(KIM, mails).await);
    mails += 1;

    // A stranger in browser B types the guest's address again and again
    // until refused: the refusal comes from the stranger's own allowance.
    let stranger = b.app.browser();
    let stranger_page = login_page(&b, &stranger).await;
    let mut sent = 0;
    let refused = loop {
        let response = email_step(&b, &stranger, &stranger_page, KIM).await;
        match response.status().as_u16() {
            303 => sent += 1,
            429 => break response.text().await.unwrap(),
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
        assert!(sent <= 10, "the stranger is never refused");
        age_passcodes(&b);
    };
    assert!(sent >= 1, "a browser may ask for a code: {refused}");
    assert!(sent <= 5, "{sent} codes for one browser in an hour");
    b.mail.wait_for(KIM, mails + sent - 1).await;
    mails += sent;

    // The code the guest already holds still works.
    let response = submit_code(
        &guest,
        &guest_code_url,
        &hidden(&guest_page, "csrf_token"),
        &guest_code,
    )
    .await;
    assert_eq!(
        response.status(),
        303,
        "the guest's code was cancelled: {}",
        response.text().await.unwrap()
    );
    assert!(location(&response).contains("/authorize/continue"));

    // And the guest can still get a fresh code (another browser of theirs).
    let again = b.app.browser();
    let page = login_page(&b, &again).await;
    let response = email_step(&b, &again, &page, KIM).await;
    assert_eq!(
        response.status(),
        303,
        "the stranger locked the guest out: {}",
        response.text().await.unwrap()
    );
    let code_url = b.app.absolute(&location(&response));
    let code = code_in(&b.mail.wait_for(KIM, mails).await);
    let response = submit_code(&again, &code_url, &hidden(&page, "csrf_token"), &code).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).contains("/authorize/continue"));
}
