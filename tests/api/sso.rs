//! Single sign-on against a real OpenID provider: npm `oidc-provider` (the
//! certified reference implementation) run from `end2end/oidc-provider.mjs`,
//! reached through a proxy of this test that can alter the provider's
//! answers (an ID token tampered with, or one from another sign-in). The
//! flow is driven as a browser without JavaScript does: redirects followed
//! by hand, the provider's sign-in form posted, cookies kept.
//!
//! Needs Node.js and `end2end/node_modules` (`cd end2end && npm ci`, which
//! `.ci/setup.sh` runs).

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use aiconvokit::config::Config;
use aiconvokit::model::sign_in::{PASSWORD_LOGIN_OFF, PASSWORD_SIGNUP_OFF};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response as AxumResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{
    PASSWORD, TestApp, location, page, post_form, session_cookie, spawn_app_on, spawn_app_with,
    status_and_json,
};

const CLIENT_ID: &str = "aiconvokit-test";
const CLIENT_SECRET: &str = "test-client-secret-not-for-production";
const PROVIDER_NAME: &str = "Test ID";

/// What the proxy does to the provider's token answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tamper {
    Nothing,
    /// Changes the ID token's claims (`sub`), keeping its signature.
    Payload,
    /// Changes one character of the ID token's signature.
    Signature,
    /// Sends the ID token of the first sign-in again (signed, but for
    /// another nonce).
    ReplayFirst,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: Client,
    tamper: Arc<Mutex<Tamper>>,
    first_id_token: Arc<Mutex<Option<String>>>,
}

/// The provider (a node process) behind the test's proxy.
struct Provider {
    /// The issuer: the proxy's address.
    issuer: String,
    tamper: Arc<Mutex<Tamper>>,
    _node: tokio::process::Child,
}

impl Provider {
    /// Starts the provider behind a proxy listening on `proxy`, for an app
    /// whose callback is `redirect_uri`.
    async fn start(proxy: TcpListener, redirect_uri: &str, claims_in_id_token: bool) -> Self {
        let end2end = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end");
        assert!(
            end2end.join("node_modules/oidc-provider").is_dir(),
            "the SSO tests need the OpenID provider from npm: run `cd end2end && npm ci`"
        );
        let issuer = format!("http://{}", proxy.local_addr().expect("addr"));
        let mut node = tokio::process::Command::new("node")
            .arg(end2end.join("oidc-provider.mjs"))
            .env("OIDC_PORT", "0")
            .env("OIDC_ISSUER", &issuer)
            .env("OIDC_REDIRECT_URIS", redirect_uri)
            .env(
                "OIDC_CLAIMS_IN_ID_TOKEN",
                if claims_in_id_token { "1" } else { "0" },
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (Node.js is needed for the SSO tests)");
        let stdout = node.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the provider starts within 30 s")
            .expect("read")
            .expect("the provider says where it listens");
        let port = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        // The provider writes notes as it goes: they are read and dropped.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let tamper = Arc::new(Mutex::new(Tamper::Nothing));
        let state = Proxy {
            upstream: format!("http://127.0.0.1:{port}"),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            tamper: tamper.clone(),
            first_id_token: Arc::new(Mutex::new(None)),
        };
        let router = axum::Router::new().fallback(forward).with_state(state);
        tokio::spawn(async move { axum::serve(proxy, router).await });
        Self {
            issuer,
            tamper,
            _node: node,
        }
    }

    fn tamper(&self, how: Tamper) {
        *self.tamper.lock().expect("lock") = how;
    }
}

/// Passes a request to the provider as it came (its `Host` too, so the
/// provider names the proxy in its addresses), and its answer back,
/// altered as the test asks.
async fn forward(State(proxy): State<Proxy>, request: Request) -> AxumResponse {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = proxy
        .client
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return AxumResponse::builder()
            .status(502)
            .body(Body::from("the provider is gone"))
            .expect("response");
    };
    let mut response = AxumResponse::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    let mut bytes = answer.bytes().await.expect("body").to_vec();
    if parts.uri.path() == "/token" {
        bytes = alter_token_answer(&proxy, &bytes);
    }
    response.body(Body::from(bytes)).expect("response")
}

fn alter_token_answer(proxy: &Proxy, bytes: &[u8]) -> Vec<u8> {
    let Ok(mut answer) = serde_json::from_slice::<Value>(bytes) else {
        return bytes.to_vec();
    };
    let Some(id_token) = answer["id_token"].as_str().map(str::to_owned) else {
        return bytes.to_vec();
    };
    let first = proxy
        .first_id_token
        .lock()
        .expect("lock")
        .get_or_insert_with(|| id_token.clone())
        .clone();
    let parts: Vec<&str> = id_token.split('.').collect();
    let altered = match *proxy.tamper.lock().expect("lock") {
        Tamper::Nothing => return bytes.to_vec(),
        Tamper::Payload => {
            let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("payload");
            let mut claims: Value = serde_json::from_slice(&payload).expect("claims");
            claims["sub"] = json!("mallory");
            let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
            format!("{}.{payload}.{}", parts[0], parts[2])
        }
        Tamper::Signature => {
            // A character in the middle: the last one may carry only
            // padding bits, which decoders ignore.
            let mut signature: Vec<char> = parts[2].chars().collect();
            let middle = signature.len() / 2;
            signature[middle] = if signature[middle] == 'A' { 'B' } else { 'A' };
            let signature: String = signature.into_iter().collect();
            format!("{}.{}.{signature}", parts[0], parts[1])
        }
        Tamper::ReplayFirst => first,
    };
    answer["id_token"] = json!(altered);
    serde_json::to_vec(&answer).expect("json")
}

/// How a test's server is set up.
struct Setup {
    claims_in_id_token: bool,
    adjust: fn(&mut Config),
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            claims_in_id_token: false,
            adjust: |_| {},
        }
    }
}

/// The app, configured for single sign-on, and its provider.
async fn spawn_with_sso(setup: Setup) -> (TestApp, Provider) {
    let app_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", app_listener.local_addr().expect("addr"));
    let proxy = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let provider = Provider::start(
        proxy,
        &format!("{address}/auth/oidc/callback"),
        setup.claims_in_id_token,
    )
    .await;
    let issuer = provider.issuer.clone();
    let app = spawn_app_on(
        app_listener,
        tempfile::tempdir().expect("temp dir"),
        move |config| {
            configure_sso(config, &address, &issuer);
            (setup.adjust)(config);
        },
    )
    .await;
    (app, provider)
}

fn configure_sso(config: &mut Config, address: &str, issuer: &str) {
    config.public_url = Some(address.to_owned());
    config.sso.oidc_issuer = Some(issuer.to_owned());
    config.sso.oidc_client_id = Some(CLIENT_ID.to_owned());
    config.sso.oidc_client_secret = Some(CLIENT_SECRET.to_owned());
    config.sso.oidc_name = PROVIDER_NAME.to_owned();
}

/// Resolves a `Location` against the address it answered.
fn resolve(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|base| base.join(location))
        .expect("a valid Location")
        .to_string()
}

/// The query parameter `name` of `url`.
fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Clicks "Sign in with …" and returns the provider's address it leads to.
async fn start(app: &TestApp, browser: &Client, next: &str) -> String {
    let response = browser
        .get(app.url(&format!("/auth/oidc/start?next={next}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 303, "start redirects to the provider");
    location(&response)
}

/// Goes through the provider's pages as `login` and returns the address it
/// sends the browser back to (the app's callback, not yet visited).
async fn through_provider(app: &TestApp, browser: &Client, mut url: String, login: &str) -> String {
    for _ in 0..10 {
        if url.starts_with(&app.address) {
            return url;
        }
        let response = browser.get(&url).send().await.expect("provider request");
        if response.status().is_redirection() {
            url = resolve(&url, &location(&response));
            continue;
        }
        let status = response.status();
        let html = response.text().await.expect("body");
        assert_eq!(status, 200, "the provider's page: {html}");
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("a sign-in form: {html}"));
        let action = resolve(&url, &action.replace("&amp;", "&"));
        let response = browser
            .post(&action)
            .form(&[
                ("prompt", "login"),
                ("login", login),
                ("password", "any password"),
            ])
            .send()
            .await
            .expect("sign-in form");
        assert!(response.status().is_redirection(), "{}", response.status());
        url = resolve(&action, &location(&response));
    }
    panic!("the provider never sent the browser back: {url}");
}

/// The whole sign-in as `login`: the app's answer to the callback.
async fn sign_in(app: &TestApp, browser: &Client, login: &str, next: &str) -> Response {
    let provider = start(app, browser, next).await;
    let callback = through_provider(app, browser, provider, login).await;
    browser.get(&callback).send().await.expect("callback")
}

/// The problem code the log-in page is sent with.
fn sso_error(response: &Response) -> Option<String> {
    assert_eq!(response.status(), 303, "back to a page");
    param(&resolve("http://x/", &location(response)), "sso_error")
}

async fn signed_in_as(app: &TestApp, browser: &Client) -> Option<String> {
    let (status, html) = page(app, browser, "/dashboard").await;
    if status != 200 {
        return None;
    }
    let start = html.find("Welcome, ").expect("a greeting") + "Welcome, ".len();
    Some(
        html[start..]
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The status of a log-in through the API with this password.
async fn api_log_in(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let body = json!({"username": username, "password": password});
    status_and_json(app.post_json("/api/v1/tokens/", &body).await).await
}

/// Signs up through the API with this email.
async fn api_sign_up(app: &TestApp, username: &str, email: &str) -> (u16, Value) {
    let body = json!({"username": username, "email": email, "password": PASSWORD});
    status_and_json(app.post_json("/api/v1/users/", &body).await).await
}

#[tokio::test]
async fn signing_in_through_the_provider_makes_an_account_and_signs_in() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    let browser = app.browser();
    let response = browser
        .get(app.url("/auth/oidc/start?next=/account"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 303);
    let started_session = session_cookie(&response);
    let provider = location(&response);
    assert_eq!(
        param(&provider, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(param(&provider, "code_challenge").is_some_and(|c| c.len() >= 43));
    assert!(param(&provider, "state").is_some_and(|s| s.len() >= 16));
    assert!(param(&provider, "nonce").is_some_and(|n| n.len() >= 16));
    assert!(param(&provider, "scope").is_some_and(|s| s.contains("openid") && s.contains("email")));
    assert_eq!(param(&provider, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(
        param(&provider, "redirect_uri"),
        Some(app.url("/auth/oidc/callback"))
    );

    let callback = through_provider(&app, &browser, provider, "ada").await;
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/account",
        "back where the person wanted to go"
    );
    let signed_in_session = session_cookie(&response);
    assert!(!signed_in_session.is_empty());
    assert!(
        !started_session.is_empty(),
        "the sign-in under way is in a session"
    );
    assert_ne!(
        signed_in_session, started_session,
        "a new session id at sign-in"
    );
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
    let (_, html) = page(&app, &browser, "/account").await;
    assert!(html.contains("ada@example.com"), "the provider's email");

    // Signing in again (another browser) finds the same account.
    let other = app.browser();
    let response = sign_in(&app, &other, "ada", "/dashboard").await;
    assert_eq!(location(&response), "/dashboard");
    assert_eq!(signed_in_as(&app, &other).await.as_deref(), Some("ada"));

    // The account has no password anyone could use.
    for password in ["any password", PASSWORD, "!sso-no-password!"] {
        assert_eq!(api_log_in(&app, "ada", password).await.0, 400);
    }
}

#[tokio::test]
async fn a_verified_email_finds_the_existing_account_without_regard_to_case() {
    let (app, _provider) = spawn_with_sso(Setup {
        // The email comes in the ID token here, from userinfo elsewhere.
        claims_in_id_token: true,
        ..Setup::default()
    })
    .await;
    let (status, _) = api_sign_up(&app, "ghopper", "grace.hopper@example.com").await;
    assert_eq!(status, 201);
    let browser = app.browser();
    // The provider says Grace.Hopper@Example.COM.
    let response = sign_in(&app, &browser, "grace", "/dashboard").await;
    assert_eq!(location(&response), "/dashboard");
    assert_eq!(
        signed_in_as(&app, &browser).await.as_deref(),
        Some("ghopper")
    );
    // Her password still works too.
    assert_eq!(api_log_in(&app, "ghopper", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_new_account_gets_a_free_username_from_the_email() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    // "ada" is taken by someone with another email.
    let (status, _) = api_sign_up(&app, "ada", "someone.else@example.com").await;
    assert_eq!(status, 201);
    let browser = app.browser();
    sign_in(&app, &browser, "ada", "").await;
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada-2"));
}

#[tokio::test]
async fn an_unverified_or_missing_email_is_refused() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    let browser = app.browser();
    let response = sign_in(&app, &browser, "eve", "/dashboard").await;
    assert_eq!(sso_error(&response).as_deref(), Some("unverified_email"));
    assert_eq!(signed_in_as(&app, &browser).await, None);
    let (_, html) = page(&app, &browser, &location(&response)).await;
    assert!(
        html.contains("Your email address at Test ID is not verified."),
        "the log-in page says why"
    );

    let other = app.browser();
    let response = sign_in(&app, &other, "nomail", "/dashboard").await;
    assert_eq!(sso_error(&response).as_deref(), Some("no_email"));
    assert_eq!(signed_in_as(&app, &other).await, None);
}

#[tokio::test]
async fn a_wrong_replayed_or_foreign_state_is_refused() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    let browser = app.browser();
    let provider = start(&app, &browser, "/dashboard").await;
    let callback = through_provider(&app, &browser, provider, "ada").await;
    let state = param(&callback, "state").expect("state");

    let wrong = callback.replace(&format!("state={state}"), "state=not-the-state");
    let response = browser.get(&wrong).send().await.expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("state"));
    let twice = format!("{callback}&state={state}");
    let response = browser.get(&twice).send().await.expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("state"));
    let without = callback.replace(&format!("state={state}"), "");
    let response = browser.get(&without).send().await.expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("state"));
    assert_eq!(signed_in_as(&app, &browser).await, None);

    // Another browser (an attacker's link) has no such sign-in under way.
    let stranger = app.browser();
    let response = stranger.get(&callback).send().await.expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("state"));
    assert_eq!(signed_in_as(&app, &stranger).await, None);

    // The right answer still works once, then never again.
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(location(&response), "/dashboard");
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("state"));
}

#[tokio::test]
async fn a_tampered_or_replayed_id_token_is_refused() {
    let (app, provider) = spawn_with_sso(Setup::default()).await;
    // A first sign-in, whose ID token the proxy keeps.
    let first = app.browser();
    let response = sign_in(&app, &first, "ada", "/dashboard").await;
    assert_eq!(location(&response), "/dashboard");

    for tamper in [Tamper::Payload, Tamper::Signature, Tamper::ReplayFirst] {
        provider.tamper(tamper);
        let browser = app.browser();
        let response = sign_in(&app, &browser, "grace", "/dashboard").await;
        assert_eq!(
            sso_error(&response).as_deref(),
            Some("rejected"),
            "{tamper:?}"
        );
        assert_eq!(signed_in_as(&app, &browser).await, None, "{tamper:?}");
    }
    provider.tamper(Tamper::Nothing);
    let browser = app.browser();
    sign_in(&app, &browser, "grace", "/dashboard").await;
    assert_eq!(
        signed_in_as(&app, &browser).await.as_deref(),
        Some("Grace.Hopper")
    );
}

#[tokio::test]
async fn the_provider_refusing_is_explained() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    let browser = app.browser();
    let provider = start(&app, &browser, "/dashboard").await;
    let state = param(&provider, "state").expect("state");
    let response = browser
        .get(app.url(&format!(
            "/auth/oidc/callback?error=access_denied&state={state}"
        )))
        .send()
        .await
        .expect("callback");
    assert_eq!(sso_error(&response).as_deref(), Some("denied"));
    let (_, html) = page(&app, &browser, &location(&response)).await;
    assert!(html.contains("Signing in with Test ID was cancelled or refused."));
}

#[tokio::test]
async fn without_account_creation_only_existing_accounts_sign_in() {
    let (app, _provider) = spawn_with_sso(Setup {
        adjust: |config| config.sso.oidc_create_accounts = false,
        ..Setup::default()
    })
    .await;
    let browser = app.browser();
    let response = sign_in(&app, &browser, "ada", "/dashboard").await;
    assert_eq!(sso_error(&response).as_deref(), Some("no_account"));
    assert_eq!(signed_in_as(&app, &browser).await, None);
    app.create_user("ada").await;
    sign_in(&app, &browser, "ada", "/dashboard").await;
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn the_server_starts_while_the_provider_is_down_and_finds_it_later() {
    let app_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", app_listener.local_addr().expect("addr"));
    // An address where nothing listens yet.
    let proxy_address = {
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        reserved.local_addr().expect("addr")
    };
    let issuer = format!("http://{proxy_address}");
    let app = spawn_app_on(
        app_listener,
        tempfile::tempdir().expect("temp dir"),
        |config| configure_sso(config, &address, &issuer),
    )
    .await;
    let browser = app.browser();
    let (status, html) = page(&app, &browser, "/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sign in with Test ID"));
    let response = browser
        .get(app.url("/auth/oidc/start"))
        .send()
        .await
        .expect("request");
    assert_eq!(sso_error(&response).as_deref(), Some("unavailable"));
    let (_, html) = page(&app, &browser, &location(&response)).await;
    assert!(html.contains("Test ID cannot be reached right now."));

    let proxy = TcpListener::bind(proxy_address).await.expect("bind again");
    let _provider = Provider::start(proxy, &app.url("/auth/oidc/callback"), false).await;
    // Failed discoveries are not retried more often than every 2 s.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let response = sign_in(&app, &browser, "ada", "/dashboard").await;
    assert_eq!(location(&response), "/dashboard");
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn the_log_in_and_sign_up_pages_offer_single_sign_on_when_configured() {
    let (app, _provider) = spawn_with_sso(Setup::default()).await;
    let browser = app.browser();
    for path in ["/login?next=/account", "/signup?next=/account"] {
        let (status, html) = page(&app, &browser, path).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(r#"href="/auth/oidc/start?next=/account""#),
            "{path}: a plain link that keeps where to go"
        );
        assert!(html.contains("Sign in with Test ID"), "{path}");
        assert!(
            html.contains(r#"name="password""#),
            "{path}: passwords still work"
        );
    }

    let plain = spawn_app_with(|_| {}).await;
    let (_, html) = page(&plain, &browser, "/login").await;
    assert!(
        !html.contains("/auth/oidc/start"),
        "no SSO unless configured"
    );
    for path in ["/auth/oidc/start", "/auth/oidc/callback?code=a&state=b"] {
        let response = browser.get(plain.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn with_password_log_in_off_only_single_sign_on_signs_in() {
    let (app, _provider) = spawn_with_sso(Setup {
        adjust: |config| config.sso.password_login = false,
        ..Setup::default()
    })
    .await;
    // The API: 403 in the API's `detail` shape.
    let (status, body) = api_log_in(&app, "ada", PASSWORD).await;
    assert_eq!(status, 403);
    assert_eq!(body, json!({"detail": PASSWORD_LOGIN_OFF}));
    let (status, body) = api_sign_up(&app, "ada", "ada@example.com").await;
    assert_eq!(status, 403);
    assert_eq!(body, json!({"detail": PASSWORD_SIGNUP_OFF}));

    // The pages: only the SSO button.
    let browser = app.browser();
    for path in ["/login", "/signup"] {
        let (_, html) = page(&app, &browser, path).await;
        assert!(html.contains("Sign in with Test ID"), "{path}");
        assert!(
            !html.contains(r#"name="password""#),
            "{path}: no password field"
        );
    }

    // The forms, posted anyway: refused, and the page says why.
    let response = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[("username", "ada"), ("password", PASSWORD), ("next", "")],
    )
    .await;
    assert_eq!(response.status(), 302);
    let (_, html) = page(
        &app,
        &browser,
        location(&response).trim_start_matches(&app.address),
    )
    .await;
    assert!(
        html.contains(PASSWORD_LOGIN_OFF),
        "the log-in page explains"
    );
    let response = post_form(
        &app,
        &browser,
        "/fn/sign_up",
        "/signup",
        &[
            ("username", "ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("next", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(signed_in_as(&app, &browser).await, None);
    // From script: 403.
    let response = browser
        .post(app.url("/fn/log_in"))
        .form(&[("username", "ada"), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);

    // Single sign-on still signs in, and makes the account.
    sign_in(&app, &browser, "ada", "/dashboard").await;
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn a_new_account_joins_the_operators_default_workspace_with_its_role() {
    let (app, _provider) = spawn_with_sso(Setup {
        adjust: |config| {
            // The lead's personal workspace is 1; the team's, made next, 2.
            config.sso.oidc_default_workspace = Some(2);
            config.sso.oidc_default_role = aiconvokit::sso::settings::DefaultRole::Editor;
        },
        ..Setup::default()
    })
    .await;
    let lead = app.browser();
    let response = crate::helpers::sign_up(&app, &lead, "lead").await;
    assert!(response.status().is_redirection());
    let (status, team) =
        crate::helpers::call_server_fn(&app, &lead, "create_workspace", &[("name", "Team")]).await;
    assert_eq!((status, team), (200, json!(2)));

    let browser = app.browser();
    let response = browser
        .get(app.url("/auth/oidc/start?next=/dashboard"))
        .send()
        .await
        .expect("request");
    let callback = through_provider(&app, &browser, location(&response), "ada").await;
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(location(&response), "/dashboard");
    let (_, workspaces) =
        crate::helpers::call_server_fn(&app, &browser, "list_workspaces", &[]).await;
    let current = workspaces
        .as_array()
        .expect("list")
        .iter()
        .find(|w| w["current"] == true)
        .expect("a current workspace")
        .clone();
    assert_eq!(current["name"], "Team", "{workspaces}");
    assert_eq!(current["role"], "editor");
    // The lead sees them join, and their sign-in.
    let (_, events) = crate::helpers::call_server_fn(&app, &lead, "audit_log", &[]).await;
    let actions: Vec<&str> = events
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"member.joined"), "{actions:?}");
    let signed_in = events
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["action"] == "account.signed_in" && e["detail"] == "single sign-on");
    assert!(signed_in.is_some(), "{events}");
}
