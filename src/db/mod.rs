//! The database: one [`Db`] over a SQLite or a PostgreSQL pool, chosen by the
//! URL scheme. Queries are written once with `$1` placeholders (sqlx's SQLite
//! driver binds `$N` by number) and run on whichever pool is live; where the
//! SQL must differ, both arms stand side by side. One file per aggregate.

pub mod api_tokens;
pub mod assistants;
pub mod audit;
pub mod bm25;
pub mod chats;
pub mod commits;
pub mod documents;
pub mod evaluations;
mod fts5;
pub mod users;
pub mod vectors;
pub mod web_sources;
pub mod widgets;
pub mod workspaces;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// A connection pool to the product's database.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression on whichever pool is live: `$pool` is bound to
/// the concrete pool in each arm, so generic sqlx calls type-check for both.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnknownScheme(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("after the migrations, {0} rows of the database refer to rows that do not exist")]
    ForeignKeys(usize),
}

impl Db {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let db = if url.starts_with("sqlite:") {
            // Migrated before the pool opens, on a connection of its own.
            return Ok(Self::Sqlite(open_sqlite(url).await?));
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(20)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Self::Postgres(pool)
        } else {
            let scheme = url.split(':').next().unwrap_or_default().to_owned();
            return Err(ConnectError::UnknownScheme(scheme));
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The PostgreSQL pool, when the database is PostgreSQL.
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match self {
            Self::Postgres(pool) => Some(pool),
            Self::Sqlite(_) => None,
        }
    }

    /// Whether this is the embedded SQLite database (one server only).
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }

    /// Applies PostgreSQL's migrations, each in a transaction.
    async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(_) => Ok(()),
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
    }

    /// Applies SQLite's migrations with foreign keys off, as SQLite asks of
    /// a migration that rebuilds a table (dropping the old table would
    /// otherwise delete every row that refers to it), on a connection of
    /// their own; then checks every foreign key.
    async fn migrate_sqlite(options: &SqliteConnectOptions) -> Result<(), ConnectError> {
        use sqlx::Connection;
        let mut connection =
            sqlx::SqliteConnection::connect_with(&options.clone().foreign_keys(false)).await?;
        fts5::register_on(&mut connection).await?;
        sqlx::migrate!("migrations/sqlite")
            .run(&mut connection)
            .await?;
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut connection)
            .await?
            .len();
        connection.close().await?;
        if broken > 0 {
            return Err(ConnectError::ForeignKeys(broken));
        }
        Ok(())
    }

    /// Waits for the connections in use to be returned, then closes them all.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// `Ok` when the database answers and every migration this build knows
    /// is applied; else what is wrong, in a sentence.
    pub async fn readiness(&self) -> Result<(), &'static str> {
        let known = match self {
            Self::Sqlite(_) => sqlx::migrate!("migrations/sqlite").migrations.len(),
            Self::Postgres(_) => sqlx::migrate!("migrations/postgres").migrations.len(),
        };
        let applied: i64 = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM _sqlx_migrations WHERE success"
        )
        .fetch_one(pool)
        .await)
        .map_err(|_| "the database does not answer")?;
        if usize::try_from(applied).unwrap_or(0) < known {
            return Err("database migrations are not all applied");
        }
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .is_ok())
    }
}

async fn open_sqlite(url: &str) -> Result<SqlitePool, ConnectError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // Searches read much of an assistant's index: keep it in memory
        // (64 MB of page cache per connection, and the file memory-mapped).
        .pragma("cache_size", "-65536")
        .pragma("mmap_size", "268435456");
    let file = options.get_filename();
    if let Some(folder) = file.parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|source| ConnectError::Folder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    Db::migrate_sqlite(&options).await?;
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        // Connections live as long as the pool: `commits` marks them.
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|connection, _| {
            Box::pin(async move {
                commits::count_commits_on(connection).await?;
                fts5::register_on(connection).await
            })
        })
        .after_release(|connection, _| {
            Box::pin(async { commits::on_release(connection).await.map(|()| true) })
        })
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
}

/// True when `error` is a violation of a unique constraint or index.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}
