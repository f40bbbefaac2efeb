//! Rate limits (governor's GCRA, in memory): the JSON API per key and per
//! client address, and logging in and signing up per address and username
//! (against password guessing). On PostgreSQL, where several servers may
//! share the work, every limit is counted in the database with the same
//! algorithm (one statement per check, in an unlogged table), so that
//! every server sees every request. A refused request gets 429 with
//! `Retry-After`, in the shape its caller reads: DRF's `detail` for the API,
//! a form message for the dashboard's log-in and sign-up.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;

use crate::error::AppError;
use crate::model::NON_FIELD_ERRORS;
use crate::state::AppState;
use crate::widget::http::ClientIp;

/// Posts that try a password or make an account, by path (trailing slash
/// already trimmed). Those with no username in the body (a signed-in user
/// confirming their password) count against the address alone.
const LOGIN_PATHS: [&str; 6] = [
    "/api/v1/tokens",
    "/api/v1/users",
    "/fn/log_in",
    "/fn/sign_up",
    "/fn/change_password",
    "/fn/delete_account",
];
/// The most of a log-in body read to find its username.
const LOGIN_BODY_LIMIT: usize = 64 * 1024;

/// How many requests each limit lets through.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub api_per_key_per_minute: NonZeroU32,
    pub api_per_address_per_minute: NonZeroU32,
    pub logins_per_hour: NonZeroU32,
}

/// The limiters, shared by every request of this server.
#[derive(Debug)]
pub struct Limits {
    api_key: DefaultKeyedRateLimiter<String>,
    api_address: DefaultKeyedRateLimiter<String>,
    login: DefaultKeyedRateLimiter<(String, String)>,
    logins_per_hour: NonZeroU32,
    api_per_key_per_minute: NonZeroU32,
    api_per_address_per_minute: NonZeroU32,
    /// Where the limits are counted for all servers, if anywhere.
    shared: Option<sqlx::PgPool>,
    clock: DefaultClock,
}

impl Limits {
    /// Limiters with these quotas.
    pub fn new(quotas: Quotas) -> Self {
        Self {
            api_key: RateLimiter::keyed(Quota::per_minute(quotas.api_per_key_per_minute)),
            api_address: RateLimiter::keyed(Quota::per_minute(quotas.api_per_address_per_minute)),
            login: RateLimiter::keyed(Quota::per_hour(quotas.logins_per_hour)),
            logins_per_hour: quotas.logins_per_hour,
            api_per_key_per_minute: quotas.api_per_key_per_minute,
            api_per_address_per_minute: quotas.api_per_address_per_minute,
            shared: None,
            clock: DefaultClock::default(),
        }
    }

    /// Counts every limit in this PostgreSQL database, with every other
    /// server using it.
    pub fn shared_through(mut self, pool: sqlx::PgPool) -> Self {
        self.shared = Some(pool);
        self
    }

    /// Seconds to wait when a limiter says no.
    fn wait(
        &self,
        result: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
    ) -> Result<(), u64> {
        result.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// An API request with this `Authorization` value from this address.
    pub async fn check_api(&self, authorization: Option<&str>, address: &str) -> Result<(), u64> {
        if let Some(authorization) = authorization {
            // Keyed by a hash: the limiter never holds a key in clear.
            let key = crate::auth::api_token::hash(authorization);
            let shared = Window::minute(self.api_per_key_per_minute);
            self.check(&self.api_key, key, "api-key", shared).await?;
        }
        let shared = Window::minute(self.api_per_address_per_minute);
        self.check(&self.api_address, address.to_owned(), "api-address", shared)
            .await
    }

    /// A log-in or sign-up attempt for `username` from this address.
    pub async fn check_login(&self, address: &str, username: &str) -> Result<(), u64> {
        let key = (address.to_owned(), username.trim().to_lowercase());
        let shared = Window::hour(self.logins_per_hour);
        self.check(&self.login, key, "login", shared).await
    }

    /// One request against `limiter` for `key`: counted in the shared
    /// database when there is one (under `kind` and a hash of the key),
    /// here when there is none or it fails.
    async fn check<K>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: K,
        kind: &str,
        window: Window,
    ) -> Result<(), u64>
    where
        K: SharedKey + std::hash::Hash + Eq + Clone,
    {
        if let Some(pool) = &self.shared {
            // Hashed: the table holds no address, username or key in clear.
            let hashed = crate::auth::api_token::hash(&format!("{kind}\n{}", key.text()));
            match take_shared(pool, &hashed, window).await {
                Ok(outcome) => return outcome,
                Err(error) => {
                    tracing::warn!(%error, "shared rate limit unavailable: counting here");
                }
            }
        }
        self.wait(limiter.check_key(&key))
    }

    /// Forgets, every minute, the keys whose limits are full again.
    pub fn spawn_cleanup(self: &Arc<Self>) {
        let limits = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(limits) = limits.upgrade() else {
                    return;
                };
                limits.api_key.retain_recent();
                limits.api_address.retain_recent();
                limits.login.retain_recent();
                if let Some(pool) = &limits.shared {
                    // A key whose arrival time has passed has its whole allowance again.
                    let forgotten = sqlx::query("DELETE FROM rate_limits WHERE tat < now()")
                        .execute(pool)
                        .await;
                    if let Err(error) = forgotten {
                        tracing::warn!(%error, "cannot forget old rate-limit keys");
                    }
                }
            }
        });
    }
}

/// A key as the shared table hashes it.
trait SharedKey {
    fn text(&self) -> String;
}

impl SharedKey for String {
    fn text(&self) -> String {
        self.clone()
    }
}

impl SharedKey for (String, String) {
    fn text(&self) -> String {
        format!("{}\n{}", self.0, self.1)
    }
}

/// `allowed` requests per `seconds`, all of them at once at most.
#[derive(Debug, Clone, Copy)]
struct Window {
    allowed: NonZeroU32,
    seconds: f64,
}

impl Window {
    fn minute(allowed: NonZeroU32) -> Self {
        Self {
            allowed,
            seconds: 60.0,
        }
    }

    fn hour(allowed: NonZeroU32) -> Self {
        Self {
            allowed,
            seconds: 3600.0,
        }
    }
}

/// One request against `window` for `key`, counted in PostgreSQL: GCRA as
/// governor does it, as one statement (concurrent servers cannot both
/// take the last one). `Err(seconds)` to wait when refused.
async fn take_shared(
    pool: &sqlx::PgPool,
    key: &str,
    window: Window,
) -> sqlx::Result<Result<(), u64>> {
    // One request comes back every `interval` seconds, up to a window's.
    let interval = window.seconds / f64::from(window.allowed.get());
    let tolerance = window.seconds;
    let now = chrono::Utc::now();
    let taken: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + make_interval(secs => $3)) \
         ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limits.tat, $2) + make_interval(secs => $3) \
         WHERE GREATEST(rate_limits.tat, $2) + make_interval(secs => $3) <= $2 + make_interval(secs => $4) \
         RETURNING tat",
    )
    .bind(key)
    .bind(now)
    .bind(interval)
    .bind(tolerance)
    .fetch_optional(pool)
    .await?;
    if taken.is_some() {
        return Ok(Ok(()));
    }
    let tat: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_one(pool)
            .await?;
    // Allowed again once tat + interval - now <= tolerance.
    let wait = (tat - now).as_seconds_f64() + interval - tolerance;
    Ok(Err(wait.ceil().max(1.0) as u64))
}

/// The username a log-in or sign-up body names (JSON or form), if any.
pub fn username_in(body: &[u8], content_type: &str) -> Option<String> {
    if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        return value.get("username")?.as_str().map(str::to_owned);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .ok()?
            .into_iter()
            .find_map(|(name, value)| (name == "username").then_some(value));
    }
    None
}

/// "about 3 minutes", for people.
fn wait_words(seconds: u64) -> String {
    crate::widget::human_wait(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// The 429 for `path`, in the shape its caller reads.
fn too_many(path: &str, wants_html: bool, retry_after: u64) -> Response {
    let mut response = if path.starts_with("/api/") {
        let detail = format!("Request was throttled. Expected available in {retry_after} seconds.");
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({ "detail": detail })),
        )
            .into_response()
    } else {
        let message = format!(
            "Too many attempts. For your account's safety, please wait {} and try again.",
            wait_words(retry_after)
        );
        if wants_html {
            (StatusCode::TOO_MANY_REQUESTS, message).into_response()
        } else {
            // The server function's own error shape: the form shows it.
            (
                StatusCode::TOO_MANY_REQUESTS,
                Json(AppError::field(NON_FIELD_ERRORS, message)),
            )
                .into_response()
        }
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// Applies the limits to each request.
pub async fn limit_requests(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if path.starts_with("/api/") {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if let Err(wait) = state.limits.check_api(authorization, &address).await {
            return too_many(&path, wants_html, wait);
        }
    }
    if request.method() != Method::POST || !LOGIN_PATHS.contains(&path.as_str()) {
        return next.run(request).await;
    }
    // Read the body to find the username, then hand it on unchanged.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LOGIN_BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.").into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let username = username_in(&bytes, content_type).unwrap_or_default();
    if let Err(wait) = state.limits.check_login(&address, &username).await {
        tracing::warn!(path = %path, "log-in attempts limited");
        return too_many(&path, wants_html, wait);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(logins: u32) -> Quotas {
        Quotas {
            api_per_key_per_minute: NonZeroU32::new(2).unwrap(),
            api_per_address_per_minute: NonZeroU32::new(100).unwrap(),
            logins_per_hour: NonZeroU32::new(logins).unwrap(),
        }
    }

    #[tokio::test]
    async fn each_key_and_each_username_has_its_own_allowance() {
        let limits = Limits::new(quotas(1));
        assert!(limits.check_api(Some("Token a"), "1.2.3.4").await.is_ok());
        assert!(limits.check_api(Some("Token a"), "1.2.3.4").await.is_ok());
        let wait = limits
            .check_api(Some("Token a"), "1.2.3.4")
            .await
            .unwrap_err();
        assert!((1..=30).contains(&wait), "{wait}");
        assert!(limits.check_api(Some("Token b"), "1.2.3.4").await.is_ok());

        assert!(limits.check_login("1.2.3.4", "Ada").await.is_ok());
        let wait = limits.check_login("1.2.3.4", " ada ").await.unwrap_err();
        assert!((3500..=3600).contains(&wait), "{wait}");
        assert!(limits.check_login("1.2.3.4", "bob").await.is_ok());
        assert!(limits.check_login("5.6.7.8", "ada").await.is_ok());
    }

    #[test]
    fn usernames_are_found_in_json_and_forms() {
        assert_eq!(
            username_in(
                br#"{"username": "ada", "password": "x"}"#,
                "application/json"
            )
            .as_deref(),
            Some("ada")
        );
        assert_eq!(
            username_in(
                b"username=ada&password=x",
                "application/x-www-form-urlencoded; charset=utf-8"
            )
            .as_deref(),
            Some("ada")
        );
        assert_eq!(username_in(b"{not json", "application/json"), None);
        assert_eq!(username_in(b"--boundary", "multipart/form-data"), None);
    }
}
