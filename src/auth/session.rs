//! Browser sessions: axum-login over tower-sessions, stored in the database.
//!
//! The user's password hash is the session's auth hash, so changing the
//! password ends every other session. Every log-in and every password
//! change moves the session to a new id ([`sign_in`]), so a copy of the
//! cookie taken before signs nobody in afterwards.

use async_trait::async_trait;
use axum_login::tower_sessions::cookie::SameSite;
use axum_login::tower_sessions::cookie::time::Duration;
use axum_login::tower_sessions::session::{Id, Record};
use axum_login::tower_sessions::session_store::{self, ExpiredDeletion};
use axum_login::tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder, AuthUser, AuthnBackend, UserId};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::password;
use crate::db::Db;
use crate::db::users::UserRow;

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "aiconvokit_session";
/// A session ends after this long without a request.
const IDLE_EXPIRY_DAYS: i64 = 14;

impl AuthUser for UserRow {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
    }
}

/// What a visitor gives to log in.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Why authentication could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] password::HashError),
}

/// Checks credentials and loads session users from the database.
#[derive(Clone, Debug)]
pub struct Backend {
    db: Db,
}

impl Backend {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

impl AuthnBackend for Backend {
    type User = UserRow;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(
        &self,
        credentials: Credentials,
    ) -> Result<Option<UserRow>, BackendError> {
        verify_credentials(&self.db, credentials).await
    }

    async fn get_user(&self, user_id: &UserId<Self>) -> Result<Option<UserRow>, BackendError> {
        Ok(self.db.user_by_id(*user_id).await?)
    }
}

/// The user these credentials belong to, or `None` when they are wrong.
/// Costs the same time whether or not the username exists.
pub async fn verify_credentials(
    db: &Db,
    credentials: Credentials,
) -> Result<Option<UserRow>, BackendError> {
    let user = db.user_by_username(&credentials.username).await?;
    let ok = password::verify(
        credentials.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    Ok(user.filter(|_| ok))
}

/// Signs `user` in on a new session id, and deletes the old one from the
/// store. axum-login changes the id only when the session had no user, so
/// a second log-in, a password change or a sign-up from a signed-in browser
/// would otherwise keep the id that a stolen copy of the cookie carries.
pub async fn sign_in(
    auth: &mut AuthSession,
    user: &UserRow,
) -> Result<(), axum_login::Error<Backend>> {
    auth.session.cycle_id().await?;
    auth.login(user).await
}

/// The auth session as extracted in handlers and server functions.
pub type AuthSession = axum_login::AuthSession<Backend>;

/// Session storage on whichever database is live.
#[derive(Clone, Debug)]
pub enum SessionStorage {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionStorage {
    /// Storage in `db`, its tables created if missing.
    pub async fn new(db: &Db) -> sqlx::Result<Self> {
        Ok(match db {
            Db::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Self::Sqlite(store)
            }
            Db::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Self::Postgres(store)
            }
        })
    }

    /// Deletes expired sessions every hour, for as long as the process runs.
    pub fn spawn_expired_cleanup(&self) {
        let storage = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                interval.tick().await;
                if let Err(error) = storage.delete_expired().await {
                    tracing::warn!(%error, "could not delete expired sessions");
                }
            }
        });
    }
}

#[async_trait]
impl SessionStore for SessionStorage {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Sqlite(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStorage {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// The session + auth layers: HttpOnly, SameSite=Lax cookies, `Secure` when
/// the site is served over https.
pub fn auth_layer(
    db: &Db,
    storage: SessionStorage,
    secure_cookies: bool,
) -> AuthManagerLayer<Backend, SessionStorage> {
    let sessions = SessionManagerLayer::new(storage)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure_cookies)
        .with_expiry(Expiry::OnInactivity(Duration::days(IDLE_EXPIRY_DAYS)));
    AuthManagerLayerBuilder::new(Backend::new(db.clone()), sessions).build()
}
