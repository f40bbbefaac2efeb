//! What the browser is told about safety: security headers on every
//! response, a Content-Security-Policy the pages satisfy (their scripts
//! carry its nonce), cross-site posts refused, and the health probes.

use crate::helpers::{PASSWORD, spawn_app, status_and_json};

#[tokio::test]
async fn pages_have_a_policy_whose_nonce_their_scripts_carry() {
    let app = spawn_app().await;
    let response = app.api.get(app.url("/login")).send().await.expect("page");
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"))
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        !policy.contains("'unsafe-inline' 'wasm"),
        "no inline scripts allowed: {policy}"
    );
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let html = response.text().await.expect("html");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("<script type=\"module\" nonce=\"{nonce}\""))
            .count()
            + html.matches(&format!("<script nonce=\"{nonce}\"")).count(),
        scripts,
        "every script carries the nonce: {html}"
    );

    // A new nonce for every page.
    let again = app.api.get(app.url("/login")).send().await.expect("page");
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
}

#[tokio::test]
async fn every_other_response_allows_nothing_and_cannot_be_framed() {
    let app = spawn_app().await;
    for path in ["/api/v1/me/", "/healthz", "/embed.js", "/api/v1/nothing/"] {
        let response = app.api.get(app.url(path)).send().await.expect("request");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
    }
}

#[tokio::test]
async fn server_functions_and_forms_refuse_posts_from_other_sites() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    let log_in = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut request = app
            .browser()
            .post(app.url("/fn/log_in"))
            .header("Accept", "application/json")
            .form(&[("username", "ada"), ("password", PASSWORD), ("next", "")]);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("Sec-Fetch-Site", site);
        }
        request.send()
    };
    let response = log_in(Some("https://evil.example"), None)
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.text().await.unwrap(),
        "Cross-site requests are refused."
    );
    let response = log_in(None, Some("cross-site")).await.expect("post");
    assert_eq!(response.status(), 403);
    let own = Box::leak(app.url("").into_boxed_str());
    let response = log_in(Some(own), Some("same-origin")).await.expect("post");
    assert_ne!(response.status(), 403, "the site's own posts pass");
    // The API authenticates by key, not cookie: other sites' posts are its normal use.
    let response = app
        .api
        .post(app.url("/api/v1/tokens/"))
        .header("Origin", "https://integrator.example")
        .json(&serde_json::json!({"username": "ada", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn probes_say_alive_and_ready() {
    let app = spawn_app().await;
    let (status, body) =
        status_and_json(app.api.get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) =
        status_and_json(app.api.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
}

#[tokio::test]
async fn the_api_reference_page_may_load_its_own_stylesheet_and_nothing_else() {
    let app = spawn_app().await;
    let response = app
        .api
        .get(app.url("/api/docs"))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
    );
    let html = response.text().await.expect("html");
    assert!(html.contains(r#"<link rel="stylesheet" href="/api/docs/style.css">"#));
}
