//! The embeddable chat's settings, its visitors' chats and the counts its
//! limits read. The owner reaches a widget through their assistant; a
//! visitor only through its public key.

use chrono::{DateTime, Utc};

use super::chats::ChatRow;
use super::{Db, on_pool};

/// A row of `widgets`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WidgetRow {
    pub assistant_id: i64,
    pub public_key: String,
    pub enabled: bool,
    /// One origin per line, canonical.
    pub allowed_origins: String,
    pub title: String,
    pub accent: String,
    pub position: String,
    pub welcome: String,
    /// One question per line.
    pub suggestions: String,
    pub show_sources: bool,
    pub visitor_hourly_limit: i64,
    pub daily_limit: i64,
    pub updated_at: DateTime<Utc>,
}

impl WidgetRow {
    /// The allowed origins as a list.
    pub fn origins(&self) -> Vec<String> {
        lines(&self.allowed_origins)
    }

    /// The suggested questions as a list.
    pub fn suggestion_list(&self) -> Vec<String> {
        lines(&self.suggestions)
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the owner sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetSettings {
    pub enabled: bool,
    pub allowed_origins: Vec<String>,
    pub title: String,
    pub accent: String,
    pub position: String,
    pub welcome: String,
    pub suggestions: Vec<String>,
    pub show_sources: bool,
    pub visitor_hourly_limit: i64,
    pub daily_limit: i64,
}

/// A visitor of a widget, as its chats record them.
#[derive(Debug, Clone)]
pub struct Visitor<'a> {
    pub session: &'a str,
    pub ip_hash: &'a str,
    pub site_origin: &'a str,
}

const COLUMNS: &str = "assistant_id, public_key, enabled, allowed_origins, title, accent, position, \
     welcome, suggestions, show_sources, visitor_hourly_limit, daily_limit, updated_at";

impl Db {
    /// The widget of one of the user's assistants, made with its defaults
    /// (off, no origin, a new key) the first time; `None` when the
    /// assistant is not theirs.
    pub async fn widget_of(
        &self,
        user_id: i64,
        assistant_id: i64,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self.assistant_of(user_id, assistant_id).await?.is_none() {
            return Ok(None);
        }
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO widgets (assistant_id, public_key, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (assistant_id) DO NOTHING"
        )
        .bind(assistant_id)
        .bind(crate::widget::new_key())
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))?;
        let sql = format!("SELECT {COLUMNS} FROM widgets WHERE assistant_id = $1");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Saves the settings of one of the user's assistants' widget; `None`
    /// when the assistant is not theirs.
    pub async fn save_widget(
        &self,
        user_id: i64,
        assistant_id: i64,
        settings: &WidgetSettings,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self.widget_of(user_id, assistant_id).await?.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE widgets SET enabled = $1, allowed_origins = $2, title = $3, accent = $4, position = $5, \
             welcome = $6, suggestions = $7, show_sources = $8, visitor_hourly_limit = $9, daily_limit = $10, \
             updated_at = $11 WHERE assistant_id = $12 RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(settings.enabled)
            .bind(settings.allowed_origins.join("\n"))
            .bind(&settings.title)
            .bind(&settings.accent)
            .bind(&settings.position)
            .bind(&settings.welcome)
            .bind(settings.suggestions.join("\n"))
            .bind(settings.show_sources)
            .bind(settings.visitor_hourly_limit)
            .bind(settings.daily_limit)
            .bind(Utc::now())
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Gives the widget of one of the user's assistants a new public key:
    /// the old one, and every token issued under it, stop working.
    pub async fn rotate_widget_key(
        &self,
        user_id: i64,
        assistant_id: i64,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self.widget_of(user_id, assistant_id).await?.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE widgets SET public_key = $1, updated_at = $2 WHERE assistant_id = $3 RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(crate::widget::new_key())
            .bind(Utc::now())
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// The widget with this public key, whoever owns it: for its visitors.
    pub async fn widget_by_key(&self, public_key: &str) -> sqlx::Result<Option<WidgetRow>> {
        let sql = format!("SELECT {COLUMNS} FROM widgets WHERE public_key = $1");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(public_key)
            .fetch_optional(pool)
            .await)
    }

    /// Messages sent through an assistant's widget since `since`, and when
    /// the first of them was sent.
    pub async fn widget_messages_since(
        &self,
        assistant_id: i64,
        since: DateTime<Utc>,
    ) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
        on_pool!(self, |pool| sqlx::query_as(
            "SELECT COUNT(*), MIN(m.created_at) FROM messages m JOIN chats c ON c.id = m.chat_id \
             WHERE c.assistant_id = $1 AND c.origin = 'widget' AND m.created_at > $2"
        )
        .bind(assistant_id)
        .bind(since)
        .fetch_one(pool)
        .await)
    }

    /// Messages a visitor sent through an assistant's widget since `since`:
    /// those of its session and those from its address, together.
    pub async fn visitor_messages_since(
        &self,
        assistant_id: i64,
        session: &str,
        ip_hash: &str,
        since: DateTime<Utc>,
    ) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
        on_pool!(self, |pool| sqlx::query_as(
            "SELECT COUNT(*), MIN(m.created_at) FROM messages m JOIN chats c ON c.id = m.chat_id \
             WHERE c.assistant_id = $1 AND c.origin = 'widget' \
             AND (c.visitor_session = $2 OR c.visitor_ip_hash = $3) AND m.created_at > $4"
        )
        .bind(assistant_id)
        .bind(session)
        .bind(ip_hash)
        .bind(since)
        .fetch_one(pool)
        .await)
    }

    /// The latest chat of a visitor's session with an assistant.
    pub async fn visitor_chat(
        &self,
        assistant_id: i64,
        session: &str,
    ) -> sqlx::Result<Option<ChatRow>> {
        let sql = format!(
            "SELECT {} FROM chats WHERE assistant_id = $1 AND origin = 'widget' AND visitor_session = $2 \
             ORDER BY id DESC LIMIT 1",
            super::chats::CHAT_COLUMNS
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(session)
            .fetch_optional(pool)
            .await)
    }

    /// Starts a visitor's chat: it belongs to the assistant's owner, who
    /// reads it on the dashboard, marked as coming from the widget.
    pub async fn insert_widget_chat(
        &self,
        owner_id: i64,
        assistant_id: i64,
        thread_id: &str,
        visitor: &Visitor<'_>,
    ) -> sqlx::Result<ChatRow> {
        let sql = format!(
            "INSERT INTO chats (user_id, assistant_id, thread_id, origin, visitor_session, visitor_ip_hash, site_origin, created_at, updated_at) \
             VALUES ($1, $2, $3, 'widget', $4, $5, $6, $7, $7) RETURNING {}",
            super::chats::CHAT_COLUMNS
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(owner_id)
            .bind(assistant_id)
            .bind(thread_id)
            .bind(visitor.session)
            .bind(visitor.ip_hash)
            .bind(visitor.site_origin)
            .bind(Utc::now())
            .fetch_one(pool)
            .await)
    }

    /// The secret called `name` that every server shares, made (from
    /// `generate`) by the first server that asks.
    pub async fn server_secret(
        &self,
        name: &str,
        generate: impl FnOnce() -> String,
    ) -> sqlx::Result<String> {
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
        )
        .bind(name)
        .bind(generate())
        .execute(pool)
        .await
        .map(|_| ()))?;
        on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT value FROM server_secrets WHERE name = $1"
        )
        .bind(name)
        .fetch_one(pool)
        .await)
    }
}
