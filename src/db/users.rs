//! Accounts.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};
use crate::model::UserView;

/// A row of `users`.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl UserRow {
    /// What the user may see of themselves.
    pub fn into_view(self) -> UserView {
        UserView {
            id: self.id,
            username: self.username,
            email: self.email,
        }
    }
}

const COLUMNS: &str = "id, username, email, password_hash, created_at";

impl Db {
    /// Inserts a user with their personal workspace (in which they are the
    /// owner); fails with a unique violation when the username or email is
    /// taken (compared without regard to case).
    pub async fn insert_user(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> sqlx::Result<UserRow> {
        let insert = format!(
            "INSERT INTO users (username, email, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
        );
        let workspace = "INSERT INTO workspaces (name, personal_of, created_at) \
                         VALUES ('Personal', $1, $2) RETURNING id";
        let owner = "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) \
                     VALUES ($1, $2, 'owner', $3)";
        let now = Utc::now();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let user: UserRow = sqlx::query_as(&insert)
                .bind(username)
                .bind(email)
                .bind(password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            let workspace_id: i64 = sqlx::query_scalar(workspace)
                .bind(user.id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(owner)
                .bind(workspace_id)
                .bind(user.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(user)
        })
    }

    /// The user with this id.
    pub async fn user_by_id(&self, id: i64) -> sqlx::Result<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    /// The user with this username, compared without regard to case.
    pub async fn user_by_username(&self, username: &str) -> sqlx::Result<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE lower(username) = lower($1)");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(pool)
            .await)
    }

    /// The user with this email address, compared without regard to case.
    pub async fn user_by_email(&self, email: &str) -> sqlx::Result<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE lower(email) = lower($1)");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(pool)
            .await)
    }

    /// Whether a username is taken, compared without regard to case.
    pub async fn username_taken(&self, username: &str) -> sqlx::Result<bool> {
        let sql = "SELECT COUNT(*) FROM users WHERE lower(username) = lower($1)";
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(username)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Whether an email is taken, compared without regard to case.
    pub async fn email_taken(&self, email: &str) -> sqlx::Result<bool> {
        let sql = "SELECT COUNT(*) FROM users WHERE lower(email) = lower($1)";
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(email)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Replaces a user's password hash; the changed hash ends the user's
    /// other browser sessions (it is their auth hash).
    pub async fn set_password_hash(
        &self,
        user_id: i64,
        password_hash: &str,
    ) -> sqlx::Result<Option<UserRow>> {
        let sql = format!("UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING {COLUMNS}");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(password_hash)
            .bind(user_id)
            .fetch_optional(pool)
            .await)
    }

    /// Deletes a user with their personal workspace and everything in it
    /// (assistants, documents, passages, chats, widgets) and their keys;
    /// their memberships of shared workspaces end. False when there was no
    /// such user.
    pub async fn delete_user(&self, user_id: i64) -> sqlx::Result<bool> {
        let sql = "DELETE FROM users WHERE id = $1";
        let deleted = on_pool!(self, |pool| sqlx::query(sql)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(deleted > 0)
    }
}
