//! API keys: only their SHA-256 hash and a short visible prefix are stored.

use chrono::{DateTime, Duration, Utc};

use super::{Db, on_pool};
use crate::model::ApiKeyView;

/// A row of `api_tokens`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    /// Who made it: it acts with their role in its workspace.
    pub user_id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `full`, `chat` or `read`.
    pub scope: String,
    /// The assistants it may reach, as a JSON array of ids; `None`: all.
    pub assistant_ids: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key to store: never the key itself, only its hash.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub workspace_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub scope: &'a str,
    pub assistant_ids: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiTokenRow {
    /// What the dashboard shows of a key.
    pub fn into_view(self) -> ApiKeyView {
        ApiKeyView {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            scope: self.scope,
            assistant_ids: self
                .assistant_ids
                .map(|ids| serde_json::from_str(&ids).unwrap_or_default()),
            expired: self.expires_at.is_some_and(|at| at <= Utc::now()),
            expires_at: self.expires_at,
            made_by: None,
        }
    }
}

impl ListedKeyRow {
    /// What the dashboard shows of a key, with its maker.
    pub fn into_view(self) -> ApiKeyView {
        ApiKeyView {
            made_by: Some(self.made_by),
            ..self.token.into_view()
        }
    }
}

const COLUMNS: &str = "id, user_id, workspace_id, name, prefix, created_at, last_used_at, scope, \
     assistant_ids, expires_at";

/// A key that can be used: its row and its maker's role in its workspace
/// now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveKeyRow {
    #[sqlx(flatten)]
    pub token: ApiTokenRow,
    pub role: String,
    /// The maker's username.
    pub username: String,
}

/// A key as a workspace's list shows it, with its maker's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedKeyRow {
    #[sqlx(flatten)]
    pub token: ApiTokenRow,
    pub made_by: String,
}

/// How stale `last_used_at` may get before a use writes it again; keeps a
/// busy key from turning every request into a write.
const LAST_USED_RESOLUTION: Duration = Duration::seconds(60);

/// Whether a use of a key now should be written down: its last recorded use
/// is missing or older than the resolution. Checked before writing, so the
/// requests of a busy key stay reads (an `UPDATE` that matches nothing still
/// takes SQLite's write lock).
pub fn use_is_news(last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used_at.is_none_or(|last| last < now - LAST_USED_RESOLUTION)
}

impl Db {
    /// Stores a new key by its hash.
    pub async fn insert_api_token(&self, token: NewApiToken<'_>) -> sqlx::Result<ApiTokenRow> {
        let sql = format!(
            "INSERT INTO api_tokens (user_id, workspace_id, name, prefix, token_hash, created_at, scope, assistant_ids, expires_at) \
             VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(token.user_id)
            .bind(token.name)
            .bind(token.prefix)
            .bind(token.token_hash)
            .bind(Utc::now())
            .bind(token.scope)
            .bind(token.assistant_ids.as_deref())
            .bind(token.expires_at)
            .bind(token.workspace_id)
            .fetch_one(pool)
            .await)
    }

    /// The key with this hash, if it exists and its maker is still a
    /// member of its workspace, with the maker's role there.
    pub async fn api_token_by_hash(&self, token_hash: &str) -> sqlx::Result<Option<ActiveKeyRow>> {
        let sql = format!(
            "SELECT {}, m.role, u.username FROM api_tokens t JOIN workspace_members m \
             ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id \
             JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            prefixed("t")
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)
    }

    /// Records that a key was used now (at most once a minute).
    pub async fn touch_api_token(&self, id: i64) -> sqlx::Result<()> {
        let now = Utc::now();
        let sql = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(now)
            .bind(id)
            .bind(now - LAST_USED_RESOLUTION)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A workspace's keys, newest first: all of them, or those `maker`
    /// made.
    pub async fn api_tokens_of(
        &self,
        workspace_id: i64,
        maker: Option<i64>,
    ) -> sqlx::Result<Vec<ListedKeyRow>> {
        let sql = format!(
            "SELECT {}, u.username AS made_by FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.workspace_id = $1 AND ($2 IS NULL OR t.user_id = $2) \
             ORDER BY t.created_at DESC, t.id DESC",
            prefixed("t")
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .bind(maker)
            .fetch_all(pool)
            .await)
    }

    /// Deletes one of a workspace's keys (only one `maker` made, when
    /// given); false when there is no such key.
    pub async fn delete_api_token(
        &self,
        workspace_id: i64,
        maker: Option<i64>,
        id: i64,
    ) -> sqlx::Result<bool> {
        let sql = "DELETE FROM api_tokens WHERE id = $1 AND workspace_id = $2 AND ($3 IS NULL OR user_id = $3)";
        let result = on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(workspace_id)
            .bind(maker)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(result > 0)
    }
}

/// The columns with a table alias, for queries that join.
fn prefixed(alias: &str) -> String {
    COLUMNS
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
