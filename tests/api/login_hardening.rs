//! Log-in and sign-up against hostile input (issue 22): spraying one
//! password over many usernames, fields sent twice, every spelling of an
//! API key, `next` addresses that lead off the site or cannot be a header,
//! stolen session cookies, and many log-ins at once.

use std::num::NonZeroU32;

use reqwest::multipart::Form;
use reqwest::{Client, Method, Response};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, location, post_form, session_cookie, sign_up, spawn_app, spawn_app_with,
    status_and_json,
};

const DUPLICATE: &str = "This field was sent more than once. Send it only once.";

fn quota(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("not zero")
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

/// A token request for `username` as if from `address` (the app trusts
/// `X-Forwarded-For`).
async fn try_token(app: &TestApp, address: &str, username: &str, password: &str) -> Response {
    app.api
        .post(app.url("/api/v1/tokens/"))
        .header("X-Forwarded-For", address)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn one_address_spraying_a_password_over_many_usernames_is_stopped() {
    let app = spawn_app_with(|config| {
        config.trust_proxy = true;
        config.login_attempts_per_address_per_hour = quota(5);
    })
    .await;
    let mut statuses = Vec::new();
    let mut refused = None;
    for n in 0..150 {
        let response = try_token(&app, "203.0.113.7", &format!("user{n}"), "Summer2026!").await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429]);
    let refused = refused.expect("a 429");
    let wait = retry_after(&refused);
    assert!(
        (600..=720).contains(&wait),
        "one attempt back every 12 minutes: {wait}"
    );
    let (_, body) = status_and_json(refused).await;
    assert_eq!(
        body,
        json!({ "detail": format!("Request was throttled. Expected available in {wait} seconds.") })
    );

    // The dashboard's log-in form from that address is told why, in words.
    let response = app
        .api
        .post(app.url("/fn/log_in"))
        .header("X-Forwarded-For", "203.0.113.7")
        .header("Accept", "application/json")
        .form(&[("username", "someone"), ("password", "x"), ("next", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.expect("body");
    assert!(
        body.contains("Too many log-in attempts from your network. Please wait"),
        "{body}"
    );
    // Signing up counts too; another address is not affected.
    let response = app
        .api
        .post(app.url("/api/v1/users/"))
        .header("X-Forwarded-For", "203.0.113.7")
        .json(&json!({ "username": "newbie", "email": "newbie@example.com", "password": PASSWORD }))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 429);
    let response = try_token(&app, "198.51.100.1", "user0", "Summer2026!").await;
    assert_eq!(response.status(), 400);
}

/// A token request with this urlencoded body.
async fn token_from_form(app: &TestApp, body: &str) -> (u16, Value) {
    let response = app
        .api
        .post(app.url("/api/v1/tokens/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    status_and_json(response).await
}

#[tokio::test]
async fn a_username_sent_twice_is_refused_not_counted_against_another() {
    let app = spawn_app_with(|config| config.login_attempts_per_hour = quota(3)).await;
    app.create_user("ada").await;
    let password = PASSWORD.replace(' ', "+");

    // A decoy first, the real target last: the limiter used to count the
    // decoy while the handler tried the target.
    let (status, body) = token_from_form(
        &app,
        &format!("username=decoy&username=ada&password={password}"),
    )
    .await;
    assert_eq!(
        (status, body),
        (400, json!({ "username": [DUPLICATE] })),
        "no key for a doubled field"
    );
    let (status, body) = token_from_form(
        &app,
        &format!("username=ada&password=wrong&password={password}"),
    )
    .await;
    assert_eq!((status, body), (400, json!({ "password": [DUPLICATE] })));
    let (status, body) = token_from_form(&app, "username=ada&user%6Eame=bob&password=x").await;
    assert_eq!((status, body), (400, json!({ "username": [DUPLICATE] })));

    // JSON with a key twice.
    let response = app
        .api
        .post(app.url("/api/v1/tokens/"))
        .header("Content-Type", "application/json")
        .body(format!(
            r#"{{"username": "decoy", "username": "ada", "password": "{PASSWORD}"}}"#
        ))
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body), (400, json!({ "username": [DUPLICATE] })));

    // Multipart with a field twice.
    let form = Form::new()
        .text("username", "decoy")
        .text("username", "ada")
        .text("password", PASSWORD);
    let response = app
        .api
        .post(app.url("/api/v1/tokens/"))
        .multipart(form)
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body), (400, json!({ "username": [DUPLICATE] })));

    // Sign-up through the API: nobody is made.
    let response = app
        .api
        .post(app.url("/api/v1/users/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=eve&email=eve@example.com&email=eve2@example.com&password={password}"
        ))
        .send()
        .await
        .expect("request");
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body), (400, json!({ "email": [DUPLICATE] })));
    let (status, _) = token_from_form(&app, &format!("username=eve&password={password}")).await;
    assert_eq!(status, 400, "eve was not signed up");

    // The dashboard's forms answer in the server function's error shape.
    for (path, body) in [
        (
            "/fn/log_in",
            format!("username=decoy&username=ada&password={password}&next="),
        ),
        (
            "/fn/sign_up",
            format!(
                "username=zed&username=zed2&email=zed@example.com&password={password}&password_confirm={password}&next="
            ),
        ),
    ] {
        let browser = app.browser();
        let response = browser
            .post(app.url(path))
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(
            body,
            json!({ "Invalid": { "fields": { "username": [DUPLICATE] }, "values": {} } }),
            "{path}"
        );
        let page = browser
            .get(app.url("/dashboard"))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), 303, "{path}: nobody was signed in");
    }

    // None of it counted against Ada: of her three attempts, signing up
    // took one, so two remain.
    let (status, _) = token_from_form(&app, "username=ada&password=wrong").await;
    assert_eq!(status, 400);
    assert_eq!(app.token_for("ada").await.len(), 44);
    let (status, _) = token_from_form(&app, "username=ada&password=wrong").await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn every_spelling_of_one_key_shares_one_allowance() {
    let app = spawn_app_with(|config| config.api_rate_per_key = quota(5)).await;
    let (_, key) = app.user_with_token("ada").await;
    let (_, other) = app.user_with_token("bob").await;
    let spellings = [
        format!("Token {key}"),
        format!("Token  {key}"),
        format!("token {key}"),
        format!("Bearer {key}"),
        format!("bearer {key}"),
    ];
    for spelling in &spellings {
        let response = app.get_with_auth("/api/v1/me/", spelling).await;
        assert_eq!(response.status(), 200, "{spelling}");
    }
    for spelling in &spellings {
        let response = app.get_with_auth("/api/v1/me/", spelling).await;
        assert_eq!(
            response.status(),
            429,
            "{spelling} is the same key, its allowance spent"
        );
        assert!(retry_after(&response) >= 1);
    }
    let response = app
        .with_key(Method::GET, "/api/v1/me/", &other)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "another key has its own allowance");
}

/// Logs `username` in from a plain form (no JavaScript) with this `next`.
async fn log_in_with_next(app: &TestApp, client: &Client, username: &str, next: &str) -> Response {
    post_form(
        app,
        client,
        "/fn/log_in",
        "/login",
        &[
            ("username", username),
            ("password", PASSWORD),
            ("next", next),
        ],
    )
    .await
}

#[tokio::test]
async fn next_only_leads_to_this_site_and_never_drops_the_connection() {
    let app = spawn_app_with(|config| config.login_attempts_per_hour = quota(100)).await;
    app.create_user("ada").await;
    let off_site = [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/account\r\nSet-Cookie: stolen=1",
        "/\\evil.example",
        "/account\\..\\x",
        "//evil.example",
        "///evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/ /evil.example",
        "/account\u{0}",
        "/account\u{7f}",
        "/account\u{2028}",
    ];
    for next in off_site {
        // Without JavaScript: a 302 the browser follows.
        let response = log_in_with_next(&app, &app.browser(), "ada", next).await;
        assert_eq!(response.status(), 302, "{next:?}");
        assert_eq!(location(&response), "/dashboard", "{next:?}");
        // From the page's script: the address in the Location header.
        let response = app
            .browser()
            .post(app.url("/fn/log_in"))
            .header("Accept", "application/json")
            .form(&[("username", "ada"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .expect("the connection stays up");
        assert_eq!(response.status(), 200, "{next:?}");
        assert_eq!(location(&response), "/dashboard", "{next:?}");
    }
    // A path of this site is kept; letters beyond ASCII are encoded.
    let response = log_in_with_next(&app, &app.browser(), "ada", "/account?tab=keys").await;
    assert_eq!(location(&response), "/account?tab=keys");
    let response = log_in_with_next(&app, &app.browser(), "ada", "/assistants/café").await;
    assert_eq!(location(&response), "/assistants/caf%C3%A9");

    // Signing up with such a `next` too.
    let response = post_form(
        &app,
        &app.browser(),
        "/fn/sign_up",
        "/signup",
        &[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("next", "/\n/evil.example"),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), "/dashboard");

    // Control characters in query parameters of pages: answered, no panic.
    for path in [
        "/login?next=%0A%0D%09/evil.example",
        "/signup?next=/%5C%5Cevil.example",
        "/dashboard?x=%0D%0ASet-Cookie:%20a=b",
        "/account?next=%00",
    ] {
        let response = app
            .api
            .get(app.url(path))
            .send()
            .await
            .expect("the connection stays up");
        assert!(
            [200, 303].contains(&response.status().as_u16()),
            "{path}: {}",
            response.status()
        );
        let to = location(&response);
        assert!(
            to.is_empty() || to.starts_with("/login?next=/"),
            "{path} → {to}"
        );
        assert!(!to.contains(['\r', '\n']), "{path} → {to}");
    }
    // The log-in page carries a safe `next` into its sign-up link.
    let html = app
        .api
        .get(app.url("/login?next=//evil.example"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        !html.contains("/signup?next=//evil"),
        "the link to sign up does not carry an off-site next"
    );
}

/// Requests made with only this cookie: whether it reaches the account page
/// and a server function that needs a signed-in user.
async fn cookie_signs_in(app: &TestApp, cookie: &str) -> (u16, u16) {
    let page = app
        .api
        .get(app.url("/account"))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("page");
    let function = app
        .api
        .post(app.url("/fn/create_api_key"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .form(&[("name", "from a stolen cookie")])
        .send()
        .await
        .expect("post");
    (page.status().as_u16(), function.status().as_u16())
}

#[tokio::test]
async fn a_copy_of_the_cookie_signs_nobody_in_after_logging_in_again() {
    let app = spawn_app().await;
    let browser = app.browser();
    let stolen = session_cookie(&sign_up(&app, &browser, "ada").await);
    assert!(!stolen.is_empty());
    assert_eq!(
        cookie_signs_in(&app, &stolen).await,
        (200, 200),
        "it worked"
    );

    // Ada logs in again from the same browser, still signed in.
    let response = log_in_with_next(&app, &browser, "ada", "").await;
    assert_eq!(location(&response), "/dashboard");
    let fresh = session_cookie(&response);
    assert!(!fresh.is_empty(), "a new session id");
    assert_ne!(fresh, stolen);

    assert_eq!(
        cookie_signs_in(&app, &stolen).await,
        (303, 401),
        "the old cookie is refused"
    );
    assert_eq!(cookie_signs_in(&app, &fresh).await, (200, 200));
    let page = browser.get(app.url("/account")).send().await.expect("page");
    assert_eq!(page.status(), 200, "the browser itself stays signed in");
}

#[tokio::test]
async fn a_copy_of_the_cookie_signs_nobody_in_after_a_password_change() {
    let app = spawn_app().await;
    let browser = app.browser();
    let stolen = session_cookie(&sign_up(&app, &browser, "ada").await);
    assert_eq!(cookie_signs_in(&app, &stolen).await, (200, 200));

    let response = post_form(
        &app,
        &browser,
        "/fn/change_password",
        "/account",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a much longer passphrase"),
            ("new_password_confirm", "a much longer passphrase"),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    let fresh = session_cookie(&response);
    assert!(!fresh.is_empty(), "a new session id");
    assert_ne!(fresh, stolen);

    assert_eq!(
        cookie_signs_in(&app, &stolen).await,
        (303, 401),
        "the old cookie is refused"
    );
    let page = browser.get(app.url("/account")).send().await.expect("page");
    assert_eq!(page.status(), 200, "this browser stays signed in");
}

#[tokio::test]
async fn many_log_ins_and_sign_ups_at_once_all_succeed() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let login = json!({ "username": "ada", "password": PASSWORD });
    let logins = (0..12).map(|_| app.post_json("/api/v1/tokens/", &login));
    let new_users: Vec<Value> = (0..6)
        .map(|n| {
            json!({
                "username": format!("user{n}"),
                "email": format!("user{n}@example.com"),
                "password": PASSWORD,
            })
        })
        .collect();
    let signups = new_users
        .iter()
        .map(|user| app.post_json("/api/v1/users/", user));
    let (logins, signups) = tokio::join!(
        futures::future::join_all(logins),
        futures::future::join_all(signups)
    );
    let statuses: Vec<u16> = logins.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200; 12]);
    let statuses: Vec<u16> = signups.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [201; 6]);
}
