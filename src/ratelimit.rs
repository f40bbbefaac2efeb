//! Rate limits (governor's GCRA, in memory): the JSON API per key and per
//! client address, and logging in and signing up per address and username
//! (against guessing one account's password) and per address whatever the
//! username (against trying one password on many accounts, each try an
//! Argon2 hash). On PostgreSQL, where several servers may share the work,
//! every limit is counted in the database with the same algorithm (one
//! statement per check, in an unlogged table), so that every server sees
//! every request. The HTTP side (which requests count, and the 429s) is
//! [`crate::web::ratelimit`].

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// How many requests each limit lets through.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub api_per_key_per_minute: NonZeroU32,
    pub api_per_address_per_minute: NonZeroU32,
    pub logins_per_hour: NonZeroU32,
    pub logins_per_address_per_hour: NonZeroU32,
}

/// Which log-in limit refused an attempt, and the seconds to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// Too many attempts at this username from this address.
    Username(u64),
    /// Too many attempts from this address, whatever the usernames.
    Address(u64),
}

impl LoginRefused {
    /// Seconds to wait.
    pub fn wait(self) -> u64 {
        match self {
            Self::Username(wait) | Self::Address(wait) => wait,
        }
    }
}

/// The limiters, shared by every request of this server.
#[derive(Debug)]
pub struct Limits {
    api_key: DefaultKeyedRateLimiter<String>,
    api_address: DefaultKeyedRateLimiter<String>,
    login: DefaultKeyedRateLimiter<(String, String)>,
    login_address: DefaultKeyedRateLimiter<String>,
    logins_per_hour: NonZeroU32,
    logins_per_address_per_hour: NonZeroU32,
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
            login_address: RateLimiter::keyed(Quota::per_hour(quotas.logins_per_address_per_hour)),
            logins_per_hour: quotas.logins_per_hour,
            logins_per_address_per_hour: quotas.logins_per_address_per_hour,
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

    /// An API request with this API key (as [`api_key_in`] reads it), if
    /// any, from this address.
    pub async fn check_api(&self, api_key: Option<&str>, address: &str) -> Result<(), u64> {
        if let Some(api_key) = api_key {
            // Keyed by the hash a key is stored as: the limiter never holds a key in clear.
            let key = crate::auth::api_token::hash(api_key);
            let shared = Window::minute(self.api_per_key_per_minute);
            self.check(&self.api_key, key, "api-key", shared).await?;
        }
        let shared = Window::minute(self.api_per_address_per_minute);
        self.check(&self.api_address, address.to_owned(), "api-address", shared)
            .await
    }

    /// A log-in or sign-up attempt for `username` from this address: it
    /// counts against the address, then against the address and username.
    pub async fn check_login(&self, address: &str, username: &str) -> Result<(), LoginRefused> {
        let shared = Window::hour(self.logins_per_address_per_hour);
        self.check(
            &self.login_address,
            address.to_owned(),
            "login-address",
            shared,
        )
        .await
        .map_err(LoginRefused::Address)?;
        let key = (address.to_owned(), username.trim().to_lowercase());
        let shared = Window::hour(self.logins_per_hour);
        self.check(&self.login, key, "login", shared)
            .await
            .map_err(LoginRefused::Username)
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
                limits.login_address.retain_recent();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(logins: u32, per_address: u32) -> Quotas {
        Quotas {
            api_per_key_per_minute: NonZeroU32::new(2).unwrap(),
            api_per_address_per_minute: NonZeroU32::new(100).unwrap(),
            logins_per_hour: NonZeroU32::new(logins).unwrap(),
            logins_per_address_per_hour: NonZeroU32::new(per_address).unwrap(),
        }
    }

    #[tokio::test]
    async fn each_key_and_each_username_has_its_own_allowance() {
        let limits = Limits::new(quotas(1, 100));
        assert!(limits.check_api(Some("a"), "1.2.3.4").await.is_ok());
        assert!(limits.check_api(Some("a"), "1.2.3.4").await.is_ok());
        let wait = limits.check_api(Some("a"), "1.2.3.4").await.unwrap_err();
        assert!((1..=30).contains(&wait), "{wait}");
        assert!(limits.check_api(Some("b"), "1.2.3.4").await.is_ok());

        assert!(limits.check_login("1.2.3.4", "Ada").await.is_ok());
        let refused = limits.check_login("1.2.3.4", " ada ").await.unwrap_err();
        assert!(matches!(refused, LoginRefused::Username(_)), "{refused:?}");
        assert!((3500..=3600).contains(&refused.wait()), "{refused:?}");
        assert!(limits.check_login("1.2.3.4", "bob").await.is_ok());
        assert!(limits.check_login("5.6.7.8", "ada").await.is_ok());
    }

    #[tokio::test]
    async fn an_address_is_limited_across_usernames() {
        let limits = Limits::new(quotas(20, 3));
        for username in ["ada", "bob", "carol"] {
            assert!(limits.check_login("1.2.3.4", username).await.is_ok());
        }
        let refused = limits.check_login("1.2.3.4", "dave").await.unwrap_err();
        assert!(matches!(refused, LoginRefused::Address(_)), "{refused:?}");
        assert!((1100..=1200).contains(&refused.wait()), "{refused:?}");
        assert!(limits.check_login("5.6.7.8", "dave").await.is_ok());
    }
}
