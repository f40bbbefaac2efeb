//! Leases on work a server has taken: a document being processed, an
//! answer being written. The work is marked as the server's until a moment
//! the server keeps pushing back while it works; once that moment has
//! passed, the server is taken to have died and the work is taken up again
//! by whichever server notices (several servers may share a PostgreSQL
//! database).

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The lease length when none is configured.
pub const DEFAULT: Duration = Duration::from_secs(60);

static LENGTH: OnceLock<Duration> = OnceLock::new();

/// Sets the lease length for this process (once, at start; later calls
/// are ignored).
pub fn set_length(length: Duration) {
    let _ = LENGTH.set(length);
}

/// How long a lease lasts without being renewed.
pub fn length() -> Duration {
    LENGTH.get().copied().unwrap_or(DEFAULT)
}

/// How often a server renews the leases of work in progress: four times per
/// lease, so a slow database round trip does not lose one.
pub fn renewal_interval() -> Duration {
    length() / 4
}

/// When a lease taken now runs out.
pub fn until_from_now() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(length()).unwrap_or(chrono::Duration::MAX)
}

/// Renews a lease every [`renewal_interval`] until dropped; `renew` gets the
/// new end. Failures are logged: the work goes on (at worst another server
/// takes it up too).
pub async fn keep_renewing<F, Fut>(what: &'static str, id: i64, mut renew: F)
where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: Future<Output = sqlx::Result<()>>,
{
    loop {
        tokio::time::sleep(renewal_interval()).await;
        if let Err(error) = renew(until_from_now()).await {
            tracing::warn!(what, id, %error, "cannot renew a lease");
        }
    }
}
