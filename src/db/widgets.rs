//! The embeddable chat's settings, its visitors' chats and the questions
//! its limits count. The owner reaches a widget through their assistant; a
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
    /// Whether visitors see thumbs up and down under each answer.
    pub show_feedback: bool,
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
    pub show_feedback: bool,
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

/// A question asked through a widget, as its limits count it.
#[derive(Debug, Clone)]
pub struct WidgetQuestion<'a> {
    /// The assistant's workspace, which holds the visitor's chat.
    pub workspace_id: i64,
    pub assistant_id: i64,
    pub visitor: &'a Visitor<'a>,
    /// The thread id of the visitor's chat if this question starts it.
    pub thread_id: &'a str,
    pub now: DateTime<Utc>,
    /// Where the visitor's window begins (questions after it count).
    pub visitor_since: DateTime<Utc>,
    /// Where the assistant's window begins.
    pub assistant_since: DateTime<Utc>,
}

/// The questions in one limit's window: how many, and when the oldest was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowCount {
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

impl From<(i64, Option<DateTime<Utc>>)> for WindowCount {
    fn from((count, oldest): (i64, Option<DateTime<Utc>>)) -> Self {
        Self { count, oldest }
    }
}

/// What a question's limits have used, before it: the visitor's window
/// (their session and their address together) and the assistant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WidgetUsage {
    pub visitor: WindowCount,
    pub assistant: WindowCount,
}

const COLUMNS: &str = "assistant_id, public_key, enabled, allowed_origins, title, accent, position, \
     welcome, suggestions, show_sources, show_feedback, visitor_hourly_limit, daily_limit, updated_at";

impl Db {
    /// The widget of one of the user's assistants, made with its defaults
    /// (off, no origin, `new_key`) the first time; `None` when the
    /// assistant is not theirs.
    pub async fn widget_of(
        &self,
        workspace_id: i64,
        assistant_id: i64,
        new_key: &str,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self
            .assistant_of(workspace_id, assistant_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        on_pool!(self, |pool| sqlx::query(
            "INSERT INTO widgets (assistant_id, public_key, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (assistant_id) DO NOTHING"
        )
        .bind(assistant_id)
        .bind(new_key)
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

    /// Saves the settings of one of the user's assistants' widget (made
    /// with `new_key` if it has none yet); `None` when the assistant is not
    /// theirs.
    pub async fn save_widget(
        &self,
        workspace_id: i64,
        assistant_id: i64,
        settings: &WidgetSettings,
        new_key: &str,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self
            .widget_of(workspace_id, assistant_id, new_key)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE widgets SET enabled = $1, allowed_origins = $2, title = $3, accent = $4, position = $5, \
             welcome = $6, suggestions = $7, show_sources = $8, visitor_hourly_limit = $9, daily_limit = $10, \
             updated_at = $11, show_feedback = $13 WHERE assistant_id = $12 RETURNING {COLUMNS}"
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
            .bind(settings.show_feedback)
            .fetch_optional(pool)
            .await)
    }

    /// Gives the widget of one of the user's assistants a new public key
    /// (`new_key`): the old one, and every token issued under it, stop
    /// working.
    pub async fn rotate_widget_key(
        &self,
        workspace_id: i64,
        assistant_id: i64,
        new_key: &str,
    ) -> sqlx::Result<Option<WidgetRow>> {
        if self
            .widget_of(workspace_id, assistant_id, new_key)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE widgets SET public_key = $1, updated_at = $2 WHERE assistant_id = $3 RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(new_key)
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

    /// Admits a question asked through an assistant's widget. In one
    /// transaction it counts the visitor's and the assistant's questions in
    /// their windows, asks `admit` whether the counts leave room, and if so
    /// records the question (which the next count sees) and finds or starts
    /// the visitor's chat, which it returns; else it changes nothing and
    /// returns `admit`'s refusal.
    ///
    /// The transaction is what makes a limit hold when many questions
    /// arrive at once: no two of them may count before either records.
    /// - SQLite: `BEGIN IMMEDIATE` takes the database's write lock before
    ///   the first read (a deferred `BEGIN` would read first and could
    ///   count on a snapshot another writer then outdates). Writers queue
    ///   on the lock (`busy_timeout`), each counting what the previous
    ///   committed.
    /// - PostgreSQL: `SELECT … FOR UPDATE` locks the widget's row first, so
    ///   the questions of one assistant (the daily limit's scope) go one at
    ///   a time. Under READ COMMITTED each later statement reads a fresh
    ///   snapshot, taken after the lock was granted, so it sees every
    ///   question the previous holder committed. (A lone `INSERT … SELECT
    ///   … WHERE count < limit` would not do: inserts do not block each
    ///   other, so two sessions could both count 2 on their snapshots and
    ///   both insert the third.)
    ///
    /// The same transaction finds or starts the visitor's chat, so parallel
    /// first questions of a session share one chat. Questions older than
    /// the longest window are deleted as new ones come.
    pub async fn admit_widget_question<E>(
        &self,
        question: &WidgetQuestion<'_>,
        admit: impl FnOnce(&WidgetUsage) -> Result<(), E>,
    ) -> sqlx::Result<Result<ChatRow, E>> {
        let (begin, lock) = match self {
            Db::Sqlite(_) => ("BEGIN IMMEDIATE", None),
            Db::Postgres(_) => (
                "BEGIN",
                Some("SELECT assistant_id FROM widgets WHERE assistant_id = $1 FOR UPDATE"),
            ),
        };
        let visitor = question.visitor;
        let find_chat = format!(
            "SELECT {} FROM chats WHERE assistant_id = $1 AND origin = 'widget' AND visitor_session = $2 \
             ORDER BY id DESC LIMIT 1",
            super::chats::CHAT_COLUMNS
        );
        let insert_chat = format!(
            "INSERT INTO chats (workspace_id, assistant_id, thread_id, origin, visitor_session, visitor_ip_hash, site_origin, created_at, updated_at) \
             VALUES ($1, $2, $3, 'widget', $4, $5, $6, $7, $7) RETURNING {}",
            super::chats::CHAT_COLUMNS
        );
        on_pool!(self, |pool| {
            let mut tx = pool.begin_with(begin).await?;
            if let Some(lock) = lock {
                sqlx::query(lock)
                    .bind(question.assistant_id)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            let visitor_used: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM widget_questions \
                 WHERE assistant_id = $1 AND (visitor_session = $2 OR visitor_ip_hash = $3) AND created_at > $4",
            )
            .bind(question.assistant_id)
            .bind(visitor.session)
            .bind(visitor.ip_hash)
            .bind(question.visitor_since)
            .fetch_one(&mut *tx)
            .await?;
            let assistant_used: (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM widget_questions \
                 WHERE assistant_id = $1 AND created_at > $2",
            )
            .bind(question.assistant_id)
            .bind(question.assistant_since)
            .fetch_one(&mut *tx)
            .await?;
            let usage = WidgetUsage {
                visitor: WindowCount::from(visitor_used),
                assistant: WindowCount::from(assistant_used),
            };
            if let Err(refusal) = admit(&usage) {
                tx.rollback().await?;
                return Ok(Err(refusal));
            }
            sqlx::query(
                "DELETE FROM widget_questions WHERE assistant_id = $1 AND created_at <= $2",
            )
            .bind(question.assistant_id)
            .bind(question.visitor_since.min(question.assistant_since))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO widget_questions (assistant_id, visitor_session, visitor_ip_hash, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(question.assistant_id)
            .bind(visitor.session)
            .bind(visitor.ip_hash)
            .bind(question.now)
            .execute(&mut *tx)
            .await?;
            let found: Option<ChatRow> = sqlx::query_as(&find_chat)
                .bind(question.assistant_id)
                .bind(visitor.session)
                .fetch_optional(&mut *tx)
                .await?;
            let chat = match found {
                Some(chat) => chat,
                None => {
                    sqlx::query_as(&insert_chat)
                        .bind(question.workspace_id)
                        .bind(question.assistant_id)
                        .bind(question.thread_id)
                        .bind(visitor.session)
                        .bind(visitor.ip_hash)
                        .bind(visitor.site_origin)
                        .bind(question.now)
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            tx.commit().await?;
            Ok(Ok(chat))
        })
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
