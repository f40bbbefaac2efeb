//! Password hashing with Argon2id, run on the blocking pool so a slow hash
//! never stalls the async threads.
//!
//! Each hash or check takes tens of milliseconds of one core and about
//! 19 MB of memory, so at most one runs per core at a time: the others wait
//! their turn for up to [`WAIT_FOR_A_CORE`], then give up with
//! [`HashError::Busy`] (answered 503 with `Retry-After`). A flood of log-ins
//! then costs a bounded amount of CPU and memory, whatever its size.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// How long a hash waits for a free core before the request is refused.
pub const WAIT_FOR_A_CORE: Duration = Duration::from_secs(5);
/// What a refused caller is told to wait, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core was hashing other passwords for [`WAIT_FOR_A_CORE`].
    #[error("every core is busy hashing passwords")]
    Busy,
    /// The hashing task died (it panicked or the runtime is stopping).
    #[error("password hashing failed: {0}")]
    Failed(#[from] tokio::task::JoinError),
}

/// Turns for the blocking work that hashes: one per core.
#[derive(Debug)]
struct Cores {
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl Cores {
    fn new(count: usize, wait: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(count)),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a core is free, or refuses
    /// after waiting `wait`. The turn is held until `work` ends, even if
    /// the caller stops waiting for it.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let turn = tokio::time::timeout(self.wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        Ok(tokio::task::spawn_blocking(move || {
            let result = work();
            drop(turn);
            result
        })
        .await?)
    }
}

static CORES: LazyLock<Cores> = LazyLock::new(|| {
    let count = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    Cores::new(count, WAIT_FOR_A_CORE)
});

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// A hash to verify against when the user does not exist, so that a wrong
/// username costs as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("not a real password"));

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_else(|error| unreachable!("argon2 with default params cannot fail: {error}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub async fn hash(password: String) -> Result<String, HashError> {
    CORES.run(move || hash_blocking(&password)).await
}

/// Checks a password against a stored hash; `None` checks against a dummy
/// hash (and fails) so that timing does not reveal whether a user exists.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, HashError> {
    CORES
        .run(move || match hash {
            Some(hash) => verify_blocking(&password, &hash),
            None => {
                verify_blocking(&password, &DUMMY_HASH);
                false
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash_blocking("correct horse");
        let second = hash_blocking("correct horse");
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_blocking("correct horse", &first));
        assert!(!verify_blocking("wrong horse", &first));
        assert!(!verify_blocking("correct horse", "not a hash"));
    }

    #[tokio::test]
    async fn no_more_hashes_at_once_than_cores_and_all_get_their_turn() {
        let cores = Arc::new(Cores::new(2, Duration::from_secs(10)));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cores, running, most) = (cores.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    cores
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(30));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_hash_that_waits_too_long_for_a_core_is_refused() {
        let cores = Arc::new(Cores::new(1, Duration::from_millis(50)));
        let (started, was_started) = tokio::sync::oneshot::channel();
        let (finish, may_finish) = std::sync::mpsc::channel::<()>();
        let holder = {
            let cores = cores.clone();
            tokio::spawn(async move {
                cores
                    .run(move || {
                        let _ = started.send(());
                        let _ = may_finish.recv();
                    })
                    .await
            })
        };
        was_started.await.unwrap();
        assert!(matches!(cores.run(|| ()).await, Err(HashError::Busy)));
        finish.send(()).unwrap();
        assert!(holder.await.unwrap().is_ok());
        assert!(cores.run(|| ()).await.is_ok(), "free again");
    }
}
