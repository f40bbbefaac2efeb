//! Web pages as documents, against a small site served by the test itself
//! on 127.0.0.1 (the app runs with `--allow-private-fetch` for it): pages
//! with navigation, headers, footers and a cookie banner around their
//! main text, a sitemap, a `robots.txt`, a redirect, pages that change or
//! disappear between two syncs, `ETag`s, and hostile pages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app_with, status_and_json};

/// What the site answers for one path.
#[derive(Clone)]
enum Reply {
    Page {
        html: String,
        etag: Option<String>,
    },
    Text {
        content_type: &'static str,
        body: String,
    },
    Redirect(String),
    /// A body of this many bytes.
    Huge(usize),
    /// A first piece, then nothing, forever.
    Endless,
}

#[derive(Default)]
struct Site {
    replies: HashMap<String, Reply>,
    /// Requests by path.
    requests: HashMap<String, usize>,
    /// 304s answered by path.
    not_modified: HashMap<String, usize>,
}

type Shared = Arc<Mutex<Site>>;

/// The test's own site: its address and its state, changeable between syncs.
struct TestSite {
    address: String,
    site: Shared,
}

impl TestSite {
    async fn start() -> Self {
        let site = Shared::default();
        let router = axum::Router::new().fallback(serve).with_state(site.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { address, site }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    fn set(&self, path: &str, reply: Reply) {
        self.site
            .lock()
            .unwrap()
            .replies
            .insert(path.to_owned(), reply);
    }

    fn page(&self, path: &str, html: &str) {
        self.set(
            path,
            Reply::Page {
                html: html.to_owned(),
                etag: None,
            },
        );
    }

    fn remove(&self, path: &str) {
        self.site.lock().unwrap().replies.remove(path);
    }

    fn requests(&self, path: &str) -> usize {
        let site = self.site.lock().unwrap();
        site.requests.get(path).copied().unwrap_or(0)
    }

    fn not_modified(&self, path: &str) -> usize {
        let site = self.site.lock().unwrap();
        site.not_modified.get(path).copied().unwrap_or(0)
    }
}

async fn serve(State(site): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_owned();
    let reply = {
        let mut site = site.lock().unwrap();
        *site.requests.entry(path.clone()).or_default() += 1;
        site.replies.get(&path).cloned()
    };
    match reply {
        None => (StatusCode::NOT_FOUND, "no such page").into_response(),
        Some(Reply::Page { html, etag }) => {
            if let Some(etag) = &etag
                && headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v.as_bytes() == etag.as_bytes())
            {
                *site.lock().unwrap().not_modified.entry(path).or_default() += 1;
                return StatusCode::NOT_MODIFIED.into_response();
            }
            let mut response =
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
            if let Some(etag) = etag {
                response
                    .headers_mut()
                    .insert(header::ETAG, etag.parse().unwrap());
            }
            response
        }
        Some(Reply::Text { content_type, body }) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Some(Reply::Redirect(to)) => {
            (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response()
        }
        Some(Reply::Huge(size)) => {
            let body = format!("<html><body><p>{}</p></body></html>", "x".repeat(size));
            ([(header::CONTENT_TYPE, "text/html")], body).into_response()
        }
        Some(Reply::Endless) => {
            use futures::StreamExt;
            let first = futures::stream::once(async {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<html><body><p>Never"))
            });
            let stream = first.chain(futures::stream::pending());
            (
                [(header::CONTENT_TYPE, "text/html")],
                Body::from_stream(stream),
            )
                .into_response()
        }
    }
}

/// A page whose main text is `main`, around it a header, navigation with
/// `links`, a cookie banner and a footer.
fn page(title: &str, main: &str, links: &[&str]) -> String {
    let nav: String = links
        .iter()
        .map(|link| format!("<a href=\"{link}\">{link}</a> "))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body>\
         <header><p>Headerword site masthead</p></header>\
         <nav>{nav} Navword menu</nav>\
         <div class=\"cookie-banner\"><p>Cookieword: we use cookies, accept them all.</p></div>\
         <main><h1>{title}</h1><p>{main}</p></main>\
         <footer><p>Footerword copyright notice</p></footer></body></html>"
    )
}

/// The app, allowed to fetch the test's own site, quickly.
async fn app_for_the_site() -> TestApp {
    spawn_app_with(|config| {
        config.allow_private_fetch = true;
        config.fetch_interval_ms = 0;
        config.fetch_timeout_secs = 2;
        config.fetch_max_mb = 1;
    })
    .await
}

/// Ada, her key and an empty assistant.
async fn ada_with_assistant(app: &TestApp) -> (String, i64) {
    let (_, token) = app.user_with_token("ada").await;
    let assistant = empty_assistant(app, &token).await;
    (token, assistant)
}

/// A new assistant without documents; its id.
async fn empty_assistant(app: &TestApp, token: &str) -> i64 {
    let (status, assistant) = app
        .call(
            token,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Docs helper", "company_name": "Acme", "instructions": "Answer from the docs."})),
        )
        .await;
    assert_eq!(status, 201, "{assistant}");
    assistant["id"].as_i64().unwrap()
}

/// Adds a source; its JSON.
async fn add_source(app: &TestApp, token: &str, assistant: i64, body: Value) -> Value {
    let path = format!("/api/v1/assistants/{assistant}/sources/");
    let (status, source) = app.call(token, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{source}");
    source
}

/// The app, Ada's assistant and a source added to it (for the test's site).
async fn app_with_source(body: Value) -> (TestApp, String, i64, Value) {
    let app = app_for_the_site().await;
    let (token, assistant) = ada_with_assistant(&app).await;
    let source = add_source(&app, &token, assistant, body).await;
    (app, token, assistant, source)
}

/// Waits for a source's sync to end after `since` (its `last_synced_at`
/// before), then for its documents to be read; the source, with its pages.
async fn synced(app: &TestApp, token: &str, source: &Value, since: &Value) -> Value {
    let path = source["absolute_url"].as_str().unwrap().to_owned();
    let mut seen = Value::Null;
    for _ in 0..300 {
        let (status, now) = app.call(token, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{now}");
        if now["status"] != "syncing" && now["last_synced_at"] != *since {
            let assistant = path.split('/').nth(4).unwrap().parse().unwrap();
            app.wait_until_ready(token, assistant).await;
            return now;
        }
        seen = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sync did not end: {seen}");
}

async fn search(app: &TestApp, token: &str, assistant: i64, q: &str) -> Vec<Value> {
    let path = format!("/api/v1/assistants/{assistant}/search/?q={q}&k=10");
    let (status, found) = app.call(token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{found}");
    found["results"].as_array().unwrap().clone()
}

async fn documents(app: &TestApp, token: &str, assistant: i64) -> Vec<Value> {
    let path = format!("/api/v1/assistants/{assistant}/documents/");
    let (_, list) = app.call(token, Method::GET, &path, None).await;
    list.as_array().unwrap().clone()
}

fn document_at<'a>(documents: &'a [Value], url: &str) -> &'a Value {
    documents
        .iter()
        .find(|d| d["web"]["url"] == url)
        .unwrap_or_else(|| panic!("no document from {url}: {documents:#?}"))
}

#[tokio::test]
async fn a_site_is_crawled_within_robots_txt_and_only_its_main_text_is_indexed() {
    let site = TestSite::start().await;
    site.set(
        "/robots.txt",
        Reply::Text {
            content_type: "text/plain",
            body: "User-agent: *\nDisallow: /private/\n".into(),
        },
    );
    site.page(
        "/",
        &page(
            "Welcome",
            "Welcome to the Zanzibar handbook.",
            &[
                "/guide/install",
                "/guide/billing",
                "/private/secret",
                "/old-guide",
                "https://elsewhere.example/x",
            ],
        ),
    );
    site.page(
        "/guide/install",
        &page(
            "Installing",
            "Install the quokka daemon with one command.",
            &["/", "/guide/deep"],
        ),
    );
    site.page(
        "/guide/billing",
        &page("Billing", "Invoices are sent on the first Tuesday.", &["/"]),
    );
    site.page(
        "/guide/deep",
        &page("Too deep", "Beyond the crawl depth lies the marmoset.", &[]),
    );
    site.page(
        "/private/secret",
        &page("Secret", "Private platypus plans.", &[]),
    );
    site.set("/old-guide", Reply::Redirect("/guide/moved".into()));
    site.page(
        "/guide/moved",
        &page("Moved", "The moved page speaks of wombats.", &[]),
    );

    let (app, token, assistant, source) = app_with_source(
        json!({"kind": "site", "url": site.url("/"), "schedule": "daily", "max_depth": 1}),
    )
    .await;
    assert_eq!(source["kind"], "site");
    assert_eq!(source["schedule"], "daily");
    assert_eq!(source["max_depth"], 1);
    assert_eq!(source["max_pages"], 50);
    let source = synced(&app, &token, &source, &Value::Null).await;
    assert_eq!(source["status"], "idle", "{source}");
    assert_eq!(
        source["summary"],
        json!({"added": 4, "changed": 0, "removed": 0, "unchanged": 0, "failed": 0}),
        "{source}"
    );
    assert_eq!(source["page_count"], 4);
    assert!(
        source["next_sync_at"].is_string(),
        "a daily source is due again"
    );

    // robots.txt was read and its disallowed path never fetched; the
    // crawl stopped at its depth and stayed on the site's host.
    assert_eq!(site.requests("/robots.txt"), 1);
    assert_eq!(site.requests("/private/secret"), 0);
    assert_eq!(site.requests("/guide/deep"), 0);

    let docs = documents(&app, &token, assistant).await;
    assert_eq!(docs.len(), 4, "{docs:#?}");
    let install = document_at(&docs, &site.url("/guide/install"));
    assert_eq!(install["name"], "Installing");
    assert_eq!(install["web"]["outcome"], "added");
    assert!(install["web"]["checked_at"].is_string());
    // The redirect's document is where the page was found.
    let moved = document_at(&docs, &site.url("/guide/moved"));
    assert_eq!(moved["name"], "Moved");

    // The main text is found; what was around it is not.
    let found = search(&app, &token, assistant, "quokka daemon").await;
    assert_eq!(found[0]["document"], "Installing", "{found:#?}");
    assert_eq!(
        search(&app, &token, assistant, "wombats").await[0]["document"],
        "Moved"
    );
    for word in [
        "Cookieword",
        "Navword",
        "Headerword",
        "Footerword",
        "platypus",
        "marmoset",
    ] {
        assert!(
            search(&app, &token, assistant, word).await.is_empty(),
            "{word} was indexed"
        );
    }

    // A chat's sources link to the page.
    let (status, chat) = app
        .call(
            &token,
            Method::POST,
            "/api/v1/chat/",
            Some(json!({"assistant_id": assistant})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, answer) = app
        .call(
            &token,
            Method::PUT,
            &format!("/api/v1/chat/{}/", chat["id"]),
            Some(
                json!({"assistant_id": assistant, "input": "How do I install the quokka daemon?"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["sources"][0]["document"], "Installing", "{answer}");
    assert_eq!(answer["sources"][0]["url"], site.url("/guide/install"));

    // The source's detail lists its pages.
    let pages = source["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 4, "{pages:#?}");
    assert!(
        pages
            .iter()
            .all(|p| p["outcome"] == "added" && p["document_id"].is_i64())
    );
}

#[tokio::test]
async fn a_sync_reindexes_changed_pages_removes_gone_ones_and_leaves_unchanged_ones() {
    let site = TestSite::start().await;
    let sitemap = |paths: &[&str]| {
        let urls: String = paths
            .iter()
            .map(|p| format!("<url><loc>{}</loc></url>", site.url(p)))
            .collect();
        Reply::Text {
            content_type: "application/xml",
            body: format!(
                "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
            ),
        }
    };
    site.set(
        "/sitemap.xml",
        sitemap(&["/steady", "/same", "/changing", "/doomed"]),
    );
    site.page(
        "/same",
        &page("Same", "No validators, the same quetzal.", &[]),
    );
    site.set(
        "/steady",
        Reply::Page {
            html: page("Steady", "The steady page describes the albatross.", &[]),
            etag: Some("\"v1\"".into()),
        },
    );
    site.page(
        "/changing",
        &page("Changing", "Version one mentions the pelican.", &[]),
    );
    site.page(
        "/doomed",
        &page("Doomed", "The doomed page mentions the dodo.", &[]),
    );

    let (app, token, assistant, source) = app_with_source(
        json!({"kind": "sitemap", "url": site.url("/sitemap.xml"), "schedule": "never"}),
    )
    .await;
    let first = synced(&app, &token, &source, &Value::Null).await;
    assert_eq!(first["summary"]["added"], 4, "{first}");
    assert_eq!(first["next_sync_at"], Value::Null, "never: only on demand");
    let before = documents(&app, &token, assistant).await;
    let steady_before = document_at(&before, &site.url("/steady")).clone();
    let same_before = document_at(&before, &site.url("/same")).clone();
    assert_eq!(search(&app, &token, assistant, "pelican").await.len(), 1);

    // The site changes: one page is rewritten, one disappears.
    site.page(
        "/changing",
        &page("Changing", "Version two mentions the flamingo.", &[]),
    );
    site.remove("/doomed");
    let path = format!("{}sync/", source["absolute_url"].as_str().unwrap());
    let (status, asked) = app.call(&token, Method::POST, &path, None).await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["status"], "syncing");
    let second = synced(&app, &token, &source, &first["last_synced_at"]).await;
    assert_eq!(
        second["summary"],
        json!({"added": 0, "changed": 1, "removed": 1, "unchanged": 2, "failed": 0}),
        "{second}"
    );
    assert_eq!(second["page_count"], 3);

    // The changed page says what it says now, and no longer what it said.
    let found = search(&app, &token, assistant, "flamingo").await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["document"], "Changing");
    assert!(search(&app, &token, assistant, "pelican").await.is_empty());
    // The page gone took its document with it.
    assert!(search(&app, &token, assistant, "dodo").await.is_empty());
    let after = documents(&app, &token, assistant).await;
    assert_eq!(after.len(), 3, "{after:#?}");
    assert!(after.iter().all(|d| d["web"]["url"] != site.url("/doomed")));
    assert_eq!(
        document_at(&after, &site.url("/changing"))["web"]["outcome"],
        "changed"
    );
    // The unchanged page answered 304 to its ETag and was not read again.
    assert_eq!(site.not_modified("/steady"), 1);
    let steady = document_at(&after, &site.url("/steady"));
    assert_eq!(steady["id"], steady_before["id"]);
    assert_eq!(steady["web"]["outcome"], "unchanged");
    assert_ne!(
        steady["web"]["checked_at"],
        steady_before["web"]["checked_at"]
    );
    assert_eq!(search(&app, &token, assistant, "albatross").await.len(), 1);
    // Without validators, the same content (its hash) leaves it as it was.
    let same = document_at(&after, &site.url("/same"));
    assert_eq!(same["id"], same_before["id"]);
    assert_eq!(same["web"]["outcome"], "unchanged");
    assert_eq!(site.requests("/same"), 2);
}

#[tokio::test]
async fn hostile_pages_and_redirects_fail_alone() {
    let site = TestSite::start().await;
    // A sitemap index naming a plain-text sitemap.
    site.set(
        "/sitemap_index.xml",
        Reply::Text {
            content_type: "application/xml",
            body: format!(
                "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>{}</loc></sitemap></sitemapindex>",
                site.url("/sitemap.txt")
            ),
        },
    );
    let listed: Vec<String> = [
        "/fine",
        "/huge",
        "/endless",
        "/loop",
        "/to-file",
        "/to-credentials",
    ]
    .iter()
    .map(|path| site.url(path))
    .collect();
    site.set(
        "/sitemap.txt",
        Reply::Text {
            content_type: "text/plain",
            body: listed.join("\n"),
        },
    );
    site.set("/loop", Reply::Redirect("/loop".into()));
    site.set("/to-file", Reply::Redirect("file:///etc/passwd".into()));
    site.set(
        "/to-credentials",
        Reply::Redirect(site.url("/fine").replace("http://", "http://user:secret@")),
    );
    site.page(
        "/fine",
        &page("Fine", "A fine page about the capybara.", &[]),
    );
    site.set("/huge", Reply::Huge(2 * 1024 * 1024));
    site.set("/endless", Reply::Endless);

    let (app, token, assistant, source) =
        app_with_source(json!({"kind": "sitemap", "url": site.url("/sitemap_index.xml")})).await;
    assert_eq!(source["schedule"], "weekly", "the default schedule");
    let source = synced(&app, &token, &source, &Value::Null).await;
    assert_eq!(source["status"], "idle", "{source}");
    assert_eq!(source["summary"]["added"], 1);
    assert_eq!(source["summary"]["failed"], 5);
    let pages = source["pages"].as_array().unwrap();
    let detail = |path: &str| {
        pages
            .iter()
            .find(|p| p["url"] == site.url(path))
            .map(|p| {
                (
                    p["outcome"].clone(),
                    p["detail"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        detail("/huge"),
        (json!("failed"), "larger than the 1 MB limit".to_owned())
    );
    assert_eq!(
        detail("/endless"),
        (json!("failed"), "no answer within 2 seconds".to_owned())
    );
    assert_eq!(
        detail("/loop"),
        (json!("failed"), "more than 5 redirects".to_owned())
    );
    assert_eq!(
        site.requests("/loop"),
        6,
        "the first request and 5 redirects"
    );
    assert_eq!(
        detail("/to-file"),
        (
            json!("failed"),
            "Only http and https addresses can be fetched (not file:).".to_owned()
        )
    );
    assert_eq!(
        detail("/to-credentials"),
        (
            json!("failed"),
            "Addresses with a user name or password are not fetched.".to_owned()
        )
    );
    assert_eq!(documents(&app, &token, assistant).await.len(), 1);
    assert_eq!(search(&app, &token, assistant, "capybara").await.len(), 1);
}

#[tokio::test]
async fn a_page_that_cannot_be_read_fails_its_source_and_a_removed_source_takes_its_documents() {
    let site = TestSite::start().await;
    site.page("/one", &page("One", "The one page of the okapi.", &[]));
    let app = app_for_the_site().await;
    let (token, assistant) = ada_with_assistant(&app).await;
    let kept = add_source(&app, &token, assistant, json!({"url": site.url("/one")})).await;
    assert_eq!(kept["kind"], "page", "the default kind");
    let missing = add_source(
        &app,
        &token,
        assistant,
        json!({"url": site.url("/missing")}),
    )
    .await;
    synced(&app, &token, &kept, &Value::Null).await;
    let missing = synced(&app, &token, &missing, &Value::Null).await;
    assert_eq!(missing["status"], "failed", "{missing}");
    assert_eq!(
        missing["error"],
        "The page could not be read: the server answered 404."
    );

    let (status, list) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{assistant}/sources/"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(search(&app, &token, assistant, "okapi").await.len(), 1);

    let path = kept["absolute_url"].as_str().unwrap();
    let (status, _) = app.call(&token, Method::DELETE, path, None).await;
    assert_eq!(status, 204);
    assert!(documents(&app, &token, assistant).await.is_empty());
    assert!(search(&app, &token, assistant, "okapi").await.is_empty());
    let (status, _) = app.call(&token, Method::GET, path, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn private_addresses_and_other_schemes_are_refused_with_the_reason() {
    let app = crate::helpers::spawn_app().await;
    let (token, assistant) = ada_with_assistant(&app).await;
    let path = format!("/api/v1/assistants/{assistant}/sources/");
    let refused = |body: Value| {
        let (app, token, path) = (&app, &token, &path);
        async move {
            let (status, error) = app.call(token, Method::POST, path, Some(body)).await;
            assert_eq!(status, 400, "{error}");
            error
        }
    };
    assert_eq!(
        refused(json!({"url": "http://127.0.0.1:9/page"})).await,
        json!({"url": ["127.0.0.1 is a private address (127.0.0.1); this server does not fetch private addresses."]})
    );
    let localhost = refused(json!({"url": "http://localhost:9/"})).await;
    let message = localhost["url"][0].as_str().unwrap();
    assert!(
        message.starts_with("localhost resolves to a private address (")
            && message.ends_with("this server does not fetch private addresses."),
        "{message}"
    );
    assert_eq!(
        refused(json!({"url": "http://[::ffff:10.0.0.1]/"})).await["url"][0],
        "[::ffff:a00:1] is a private address (::ffff:10.0.0.1); this server does not fetch private addresses."
    );
    assert_eq!(
        refused(json!({"url": "file:///etc/passwd"})).await,
        json!({"url": ["Only http and https addresses can be fetched (not file:)."]})
    );
    assert_eq!(
        refused(json!({"url": "ftp://example.com/"})).await,
        json!({"url": ["Only http and https addresses can be fetched (not ftp:)."]})
    );
    let long = format!("https://example.com/{}", "a".repeat(2000));
    assert_eq!(
        refused(json!({"url": long})).await,
        json!({"url": ["Ensure this field has no more than 2000 characters."]})
    );
    assert_eq!(
        refused(json!({"url": "http://user:pw@example.com/"})).await,
        json!({"url": ["Addresses with a user name or password are not fetched."]})
    );
    assert_eq!(
        refused(json!({})).await,
        json!({"url": ["This field is required."]})
    );
    let wrong = refused(json!({
        "url": "file:///x", "kind": "book", "schedule": "hourly", "max_pages": 501, "max_depth": 6,
        "include": ["docs"]
    }))
    .await;
    assert_eq!(
        wrong["kind"],
        json!(["\"book\" is not a valid choice (page, sitemap or site)."])
    );
    assert_eq!(
        wrong["schedule"],
        json!(["\"hourly\" is not a valid choice (daily, weekly or never)."])
    );
    assert_eq!(
        wrong["max_pages"],
        json!(["Ensure this value is a whole number from 1 to 500."])
    );
    assert_eq!(
        wrong["max_depth"],
        json!(["Ensure this value is a whole number from 0 to 5."])
    );
    assert!(
        wrong["include"][0]
            .as_str()
            .unwrap()
            .contains("must start with /")
    );
    assert!(wrong["url"].is_array());
    // Nothing was stored.
    let (_, list) = app.call(&token, Method::GET, &path, None).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn sources_are_their_owners_a_read_key_cannot_add_one_and_there_is_a_limit() {
    let site = TestSite::start().await;
    site.page("/", &page("Home", "Home of the axolotl.", &[]));
    let app = app_for_the_site().await;
    let (token, assistant) = ada_with_assistant(&app).await;
    let path = format!("/api/v1/assistants/{assistant}/sources/");
    let source = add_source(
        &app,
        &token,
        assistant,
        json!({"url": site.url("/"), "schedule": "never"}),
    )
    .await;
    let source_path = source["absolute_url"].as_str().unwrap().to_owned();

    let (status, made) = status_and_json(
        app.post_json(
            "/api/v1/tokens/",
            &json!({"username": "ada", "password": PASSWORD, "scope": "read"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let read = made["token"].as_str().unwrap();
    let (status, _) = app.call(read, Method::GET, &path, None).await;
    assert_eq!(status, 200, "a read key reads");
    let (status, error) = app
        .call(
            read,
            Method::POST,
            &path,
            Some(json!({"url": site.url("/")})),
        )
        .await;
    assert_eq!(status, 403, "{error}");
    let (status, _) = app
        .call(read, Method::POST, &format!("{source_path}sync/"), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.call(read, Method::DELETE, &source_path, None).await;
    assert_eq!(status, 403);

    let (_, bob) = app.user_with_token("bob").await;
    for (method, target) in [
        (Method::GET, path.clone()),
        (Method::POST, path.clone()),
        (Method::GET, source_path.clone()),
        (Method::POST, format!("{source_path}sync/")),
        (Method::DELETE, source_path.clone()),
    ] {
        let (status, body) = app
            .call(
                &bob,
                method.clone(),
                &target,
                Some(json!({"url": site.url("/")})),
            )
            .await;
        assert_eq!(status, 404, "{method} {target}: {body}");
        assert_eq!(body, json!({"detail": "Not found."}));
    }

    // Twenty sources at most per assistant (the first is there already).
    for n in 1..20 {
        add_source(
            &app,
            &token,
            assistant,
            json!({"url": site.url(&format!("/p{n}")), "schedule": "never"}),
        )
        .await;
    }
    let (status, error) = app
        .call(
            &token,
            Method::POST,
            &path,
            Some(json!({"url": site.url("/more")})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        json!({"non_field_errors": ["An assistant can have at most 20 web sources. Remove one first."]})
    );
}

#[tokio::test]
async fn the_dashboard_adds_syncs_and_removes_web_sources_with_plain_forms() {
    use crate::helpers::{location, page as html_page, post_form, sign_up};

    let site = TestSite::start().await;
    site.page(
        "/handbook",
        &page("Handbook", "The handbook explains the gerbil policy.", &[]),
    );
    let app = app_for_the_site().await;
    let ada = app.browser();
    sign_up(&app, &ada, "ada").await;
    let token = app.token_for("ada").await;
    let id = empty_assistant(&app, &token).await.to_string();
    let documents = format!("/assistants/{id}/documents");

    // A refused address comes back beside its field, with what was typed.
    let response = post_form(
        &app,
        &ada,
        "/fn/add_web_source",
        &documents,
        &[
            ("assistant_id", &id),
            ("url", "ftp://example.com/x"),
            ("kind", "page"),
            ("schedule", "daily"),
        ],
    )
    .await;
    let back = location(&response);
    let (_, html) = html_page(&app, &ada, back.trim_start_matches(&app.address)).await;
    assert!(
        html.contains("Only http and https addresses can be fetched (not ftp:)."),
        "{html}"
    );
    assert!(
        html.contains("ftp://example.com/x"),
        "what was typed is kept"
    );

    let handbook = site.url("/handbook");
    let response = post_form(
        &app,
        &ada,
        "/fn/add_web_source",
        &documents,
        &[
            ("assistant_id", &id),
            ("url", &handbook),
            ("kind", "page"),
            ("schedule", "daily"),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), format!("{documents}?saved=source"));
    let (_, sources) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/assistants/{id}/sources/"),
            None,
        )
        .await;
    synced(&app, &token, &sources[0], &Value::Null).await;

    // The source and its page's document are listed, the document linking
    // to its page and saying when it was checked.
    let (status, html) = html_page(&app, &ada, &documents).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"source-row\""), "{html}");
    assert!(html.contains("Up to date") && html.contains("1 page") && html.contains("1 added"));
    assert!(
        html.contains(&format!("href=\"{handbook}\"")) && html.contains(">Handbook</a>"),
        "{html}"
    );
    assert!(
        html.contains("checked ") && html.contains(" · added"),
        "{html}"
    );

    let source_id = sources[0]["id"].to_string();
    let response = post_form(
        &app,
        &ada,
        "/fn/sync_web_source",
        &documents,
        &[("assistant_id", &id), ("id", &source_id)],
    )
    .await;
    assert_eq!(location(&response), format!("{documents}?saved=sync"));
    let (_, asked) = app
        .call(
            &token,
            Method::GET,
            sources[0]["absolute_url"].as_str().unwrap(),
            None,
        )
        .await;
    synced(&app, &token, &asked, &sources[0]["last_synced_at"]).await;

    // Bob cannot remove Ada's source; Ada can, and its document goes with it.
    let bob = app.browser();
    sign_up(&app, &bob, "bob").await;
    let response = bob
        .post(app.url("/fn/remove_web_source"))
        .form(&[("assistant_id", id.as_str()), ("id", source_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = post_form(
        &app,
        &ada,
        "/fn/remove_web_source",
        &documents,
        &[("assistant_id", &id), ("id", &source_id)],
    )
    .await;
    assert_eq!(
        location(&response),
        format!("{documents}?saved=source-removed")
    );
    let (_, html) = html_page(&app, &ada, &documents).await;
    assert!(html.contains("No web sources yet."), "{html}");
    assert!(!html.contains("Handbook"));
}

#[tokio::test]
async fn the_website_chat_and_the_openai_api_link_a_web_page_source() {
    use crate::widget::{SITE, Visitor, done_event, key_of, owner, publish};

    let site = TestSite::start().await;
    site.page(
        "/kiwi",
        &page(
            "Kiwi care",
            "Kiwi birds forage in deep leaf litter at night.",
            &[],
        ),
    );
    let app = app_for_the_site().await;
    let owner = owner(&app, "ada").await;
    let source = add_source(
        &app,
        &owner.token,
        owner.assistant_id,
        json!({"url": site.url("/kiwi")}),
    )
    .await;
    synced(&app, &owner.token, &source, &Value::Null).await;

    let key = key_of(&publish(&app, &owner, 20, 500).await);
    let visitor = Visitor::on(SITE);
    let token = visitor.token(&app, &key).await;
    let response = visitor
        .ask(&app, &key, &token, "Where do kiwi birds forage?")
        .await;
    assert_eq!(response.status(), 200);
    let done = done_event(&response.text().await.unwrap());
    assert_eq!(done["sources"][0]["document"], "Kiwi care", "{done}");
    assert_eq!(done["sources"][0]["url"], site.url("/kiwi"));

    let (_, assistant) = app
        .call(
            &owner.token,
            Method::GET,
            &format!("/api/v1/assistants/{}/", owner.assistant_id),
            None,
        )
        .await;
    let model = assistant["openai_id"].as_str().unwrap();
    let (status, completion) = app
        .call(
            &owner.token,
            Method::POST,
            "/v1/chat/completions",
            Some(json!({"model": model, "messages": [{"role": "user", "content": "Where do kiwi birds forage?"}]})),
        )
        .await;
    assert_eq!(status, 200, "{completion}");
    let sources = completion["sources"].as_array().expect("sources");
    assert!(
        sources.iter().any(|s| s["url"] == site.url("/kiwi")),
        "{completion}"
    );
    // An uploaded file's passage has no address.
    for source in sources {
        let expected = if source["document"] == "Kiwi care" {
            json!(site.url("/kiwi"))
        } else {
            Value::Null
        };
        assert_eq!(source["url"], expected, "{source}");
    }
}

#[tokio::test]
async fn a_start_page_that_redirects_to_another_site_is_crawled_there_under_its_robots_txt() {
    // As `http://example.com/` sends to `https://www.example.com/`: here
    // two sites on two ports.
    let old = TestSite::start().await;
    let new = TestSite::start().await;
    old.set("/", Reply::Redirect(new.url("/")));
    new.set(
        "/robots.txt",
        Reply::Text {
            content_type: "text/plain",
            body: "User-agent: AIConvoKit\nDisallow: /drafts/\n".into(),
        },
    );
    new.page(
        "/",
        &page(
            "Home",
            "The new home of the pangolin.",
            &["/about", "/drafts/x"],
        ),
    );
    new.page("/about", &page("About", "About the tapir team.", &[]));
    new.page(
        "/drafts/x",
        &page("Draft", "An unfinished narwhal draft.", &[]),
    );

    let (app, token, assistant, source) =
        app_with_source(json!({"kind": "site", "url": old.url("/")})).await;
    let source = synced(&app, &token, &source, &Value::Null).await;
    assert_eq!(source["summary"]["added"], 2, "{source}");
    assert_eq!(new.requests("/robots.txt"), 1);
    assert_eq!(
        new.requests("/drafts/x"),
        0,
        "its own robots.txt is honoured"
    );
    let docs = documents(&app, &token, assistant).await;
    document_at(&docs, &new.url("/"));
    document_at(&docs, &new.url("/about"));
    assert_eq!(search(&app, &token, assistant, "tapir").await.len(), 1);
}
