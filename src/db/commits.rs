//! Commits to the SQLite database, counted, and a read cache that serves
//! an answer only while no commit came after it was read.
//!
//! Every connection of the pool gets SQLite's commit hook, which runs on
//! the writer's thread just *before* a write transaction commits: it adds
//! one to a process-wide count and marks the connection as committing.
//! The mark is cleared when the connection goes back to the pool with no
//! transaction open (sqlx's `after_release`), by which time the commit is
//! finished and visible. A reader notes the count before it reads, and
//! whether any connection was committing then. Its answer is kept only if
//! none was, and is served only while the count has not moved since. So a
//! kept answer holds every commit counted before it, and any later commit
//! makes it stale before that commit's writer is told it succeeded.
//!
//! (SQLite's WAL hook, which runs after a commit, is not called when a
//! statement with `RETURNING` is reset before it finishes, as sqlx does
//! for `fetch_one`: hence the release check.)
//!
//! Only for SQLite, where this process is the only writer: the database
//! file must not be written by another process. With PostgreSQL other
//! servers write too, so [`SinceLastCommit`] is turned off there.

use std::collections::{HashMap, HashSet};
use std::ffi::{c_int, c_void};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

/// Commits begun in this process, over every SQLite database it opened
/// (one count for all: a commit anywhere only costs other caches a miss).
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Connections (by their SQLite handle) that began a commit and have not
/// been back to the pool since.
static COMMITTING: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

/// How many connections [`COMMITTING`] holds, readable without its lock.
static COMMITTING_COUNT: AtomicUsize = AtomicUsize::new(0);

/// A moment in the commit count, taken before a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitCount {
    commits: u64,
    /// No commit was under way at that moment.
    settled: bool,
}

/// The number of commits so far, and whether one is still under way.
pub fn commits_so_far() -> CommitCount {
    let commits = COMMITS.load(Ordering::SeqCst);
    let settled = COMMITTING_COUNT.load(Ordering::SeqCst) == 0;
    CommitCount { commits, settled }
}

fn committing() -> std::sync::MutexGuard<'static, Option<HashSet<usize>>> {
    COMMITTING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the commit hook on a new connection.
pub(super) async fn count_commits_on(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    let mut handle = connection.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, locked for us. The
    // hook's context is the handle's address, used only as a number.
    #[allow(unsafe_code)]
    unsafe {
        ffi::sqlite3_commit_hook(raw, Some(before_commit), raw.cast::<c_void>());
    }
    Ok(())
}

/// Clears the connection's commit mark as it goes back to the pool, once
/// no transaction is open on it. Costs nothing while no commit is marked.
pub(super) async fn on_release(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    if COMMITTING_COUNT.load(Ordering::SeqCst) == 0 {
        return Ok(());
    }
    let mut handle = connection.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, locked for us.
    #[allow(unsafe_code)]
    let idle = unsafe { ffi::sqlite3_get_autocommit(raw) } != 0;
    if idle
        && let Some(set) = committing().as_mut()
        && set.remove(&(raw as usize))
    {
        COMMITTING_COUNT.fetch_sub(1, Ordering::SeqCst);
    }
    Ok(())
}

/// SQLite's commit hook: a write transaction is about to commit. Returns 0
/// to let it.
extern "C" fn before_commit(connection: *mut c_void) -> c_int {
    let mut set = committing();
    if set.get_or_insert_default().insert(connection as usize) {
        COMMITTING_COUNT.fetch_add(1, Ordering::SeqCst);
    }
    drop(set);
    COMMITS.fetch_add(1, Ordering::SeqCst);
    0
}

/// More entries than this and the cache starts afresh.
const CAPACITY: usize = 10_000;

/// Answers by key, each served only while no commit followed the moment
/// its read began. Off (always empty) where other servers write too.
#[derive(Debug)]
pub struct SinceLastCommit<K, V> {
    enabled: bool,
    entries: RwLock<HashMap<K, (CommitCount, V)>>,
}

impl<K: Eq + Hash, V: Clone> SinceLastCommit<K, V> {
    /// A cache that keeps answers when `enabled`, and nothing otherwise.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            entries: RwLock::default(),
        }
    }

    /// The answer for `key` if nothing was committed since it was read;
    /// else `None` and the moment to pass to [`SinceLastCommit::keep`]
    /// once the caller has read it afresh.
    pub fn get(&self, key: &K) -> Result<V, CommitCount> {
        let now = commits_so_far();
        if !self.enabled {
            return Err(now);
        }
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((read_at, value)) if read_at.commits == now.commits => Ok(value.clone()),
            _ => Err(now),
        }
    }

    /// Keeps an answer read from the database after `read_at`.
    pub fn keep(&self, key: K, read_at: CommitCount, value: V) {
        if !self.enabled || !read_at.settled || commits_so_far().commits != read_at.commits {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.commits == read_at.commits);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (read_at, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit() {
        COMMITS.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn an_answer_is_served_until_the_next_commit() {
        let cache = SinceLastCommit::new(true);
        // Other tests of this binary may commit meanwhile: try until one
        // attempt runs with no commit in between.
        let served = (0..100).any(|_| {
            let read_at = commits_so_far();
            cache.keep(1, read_at, "before");
            cache.get(&1) == Ok("before")
        });
        assert!(served, "an answer with no commit after it is served");
        commit();
        assert!(cache.get(&1).is_err(), "a commit makes the answer stale");
    }

    #[test]
    fn an_answer_read_across_a_commit_is_not_kept() {
        let cache = SinceLastCommit::new(true);
        let read_at = cache.get(&7).expect_err("empty at first");
        commit();
        cache.keep(7, read_at, "maybe stale");
        assert!(cache.get(&7).is_err());
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = SinceLastCommit::new(false);
        let read_at = cache.get(&1).expect_err("empty");
        cache.keep(1, read_at, "x");
        assert!(cache.get(&1).is_err());
    }
}
