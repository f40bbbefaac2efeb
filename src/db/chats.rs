//! Chats and their messages, always reached through their owner.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};

/// A row of `chats`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatRow {
    pub id: i64,
    pub workspace_id: i64,
    pub assistant_id: i64,
    pub thread_id: String,
    pub origin: String,
    /// For widget chats, the site the visitor was on.
    pub site_origin: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `messages`: a question and, once answered, its answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub chat_id: i64,
    pub input: String,
    pub output: Option<String>,
    /// The cited passages, as JSON.
    pub sources: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// False when the documents held nothing relevant (the refusal was given).
    pub covered: bool,
    /// The model that wrote the answer; `None` without one.
    pub model: Option<String>,
    /// How long the asker waited for the answer's first word.
    pub first_word_ms: Option<i64>,
    /// The asker's feedback: `up` or `down`.
    pub rating: Option<String>,
    pub feedback_comment: Option<String>,
    pub feedback_at: Option<DateTime<Utc>>,
}

/// An answer as it is kept: its text, the passages it cites (JSON) and
/// what the owner's analytics count.
#[derive(Debug, Clone)]
pub struct AnswerRecord<'a> {
    pub output: &'a str,
    pub sources_json: &'a str,
    pub covered: bool,
    pub model: Option<&'a str>,
    pub first_word_ms: i64,
}

/// How an assistant answers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerSettings {
    pub grounded: bool,
    pub refusal: String,
    pub chat_model: Option<String>,
    pub temperature: Option<f64>,
}

pub(crate) const CHAT_COLUMNS: &str =
    "id, workspace_id, assistant_id, thread_id, origin, site_origin, created_at, updated_at";
const MESSAGE_COLUMNS: &str = "id, chat_id, input, output, sources, status, error, created_at, answered_at, \
     covered, model, first_word_ms, rating, feedback_comment, feedback_at";

impl Db {
    /// Starts a chat of `workspace_id` with one of their assistants.
    pub async fn insert_chat(
        &self,
        workspace_id: i64,
        assistant_id: i64,
        thread_id: &str,
        origin: &str,
    ) -> sqlx::Result<ChatRow> {
        let sql = format!(
            "INSERT INTO chats (workspace_id, assistant_id, thread_id, origin, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {CHAT_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .bind(assistant_id)
            .bind(thread_id)
            .bind(origin)
            .bind(Utc::now())
            .fetch_one(pool)
            .await)
    }

    /// The user's chat with this id, if it is theirs.
    pub async fn chat_of(&self, workspace_id: i64, id: i64) -> sqlx::Result<Option<ChatRow>> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chats WHERE id = $1 AND workspace_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(pool)
            .await)
    }

    /// The user's chats, most recently active first; only those with the
    /// assistants in `assistant_ids` when it is given.
    pub async fn chats_of(
        &self,
        workspace_id: i64,
        assistant_ids: Option<&[i64]>,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<Vec<ChatRow>> {
        // The ids are numbers, written into the statement as such.
        let among = match assistant_ids {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_owned(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND assistant_id IN ({})", list.join(", "))
            }
        };
        let sql = format!(
            "SELECT {CHAT_COLUMNS} FROM chats WHERE workspace_id = $1{among} \
             ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)
    }

    /// Deletes the user's chat with its messages; false when there was none.
    pub async fn delete_chat(&self, workspace_id: i64, id: i64) -> sqlx::Result<bool> {
        let result = on_pool!(self, |pool| sqlx::query(
            "DELETE FROM chats WHERE id = $1 AND workspace_id = $2"
        )
        .bind(id)
        .bind(workspace_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(result > 0)
    }

    /// Keeps a question before it is answered, so it survives a failure.
    pub async fn insert_message(&self, chat_id: i64, input: &str) -> sqlx::Result<MessageRow> {
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO messages (chat_id, input, created_at, lease_until) VALUES ($1, $2, $3, $4) RETURNING {MESSAGE_COLUMNS}"
        );
        let row = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(chat_id)
            .bind(input)
            .bind(now)
            .bind(crate::lease::until_from_now())
            .fetch_one(pool)
            .await)?;
        self.touch_chat(chat_id, now).await?;
        Ok(row)
    }

    /// Records the answer to a message and counts it for the assistant.
    pub async fn answer_message(
        &self,
        message_id: i64,
        assistant_id: i64,
        answer: &AnswerRecord<'_>,
    ) -> sqlx::Result<MessageRow> {
        let now = Utc::now();
        let sql = format!(
            "UPDATE messages SET output = $1, sources = $2, status = 'answered', error = NULL, answered_at = $3, \
             covered = $4, model = $5, first_word_ms = $6 \
             WHERE id = $7 RETURNING {MESSAGE_COLUMNS}"
        );
        let row: MessageRow = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(answer.output)
            .bind(answer.sources_json)
            .bind(now)
            .bind(answer.covered)
            .bind(answer.model)
            .bind(answer.first_word_ms)
            .bind(message_id)
            .fetch_one(pool)
            .await)?;
        on_pool!(self, |pool| sqlx::query(
            "UPDATE assistants SET query_count = query_count + 1 WHERE id = $1"
        )
        .bind(assistant_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        self.touch_chat(row.chat_id, now).await?;
        Ok(row)
    }

    /// Marks as failed the messages still waiting for an answer that no
    /// server is writing any more: all of them (`None`, at the start of the
    /// only server), or those whose lease ran out before `expired_before`.
    /// Returns how many there were.
    pub async fn fail_interrupted_messages(
        &self,
        error: &str,
        expired_before: Option<DateTime<Utc>>,
    ) -> sqlx::Result<u64> {
        let sql = "UPDATE messages SET status = 'failed', error = $1 \
                   WHERE status = 'pending' AND ($2 IS NULL OR lease_until IS NULL OR lease_until < $2)";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(error)
            .bind(expired_before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Extends the lease of a message whose answer is being written.
    pub async fn renew_message_lease(
        &self,
        message_id: i64,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "UPDATE messages SET lease_until = $1 WHERE id = $2 AND status = 'pending'"
        )
        .bind(lease_until)
        .bind(message_id)
        .execute(pool)
        .await
        .map(|_| ()))
    }

    /// Marks a message as not answered, saying why.
    pub async fn fail_message(&self, message_id: i64, error: &str) -> sqlx::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "UPDATE messages SET status = 'failed', error = $1 WHERE id = $2"
        )
        .bind(error)
        .bind(message_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records (or, with `rating` `None`, withdraws) the feedback on an
    /// answered message of a chat; `None` when the chat has no such
    /// answered message. The caller has checked the chat is the asker's.
    pub async fn set_feedback(
        &self,
        chat_id: i64,
        message_id: i64,
        rating: Option<&str>,
        comment: Option<&str>,
    ) -> sqlx::Result<Option<MessageRow>> {
        let sql = format!(
            "UPDATE messages SET rating = $1, feedback_comment = $2, feedback_at = $3 \
             WHERE id = $4 AND chat_id = $5 AND status = 'answered' RETURNING {MESSAGE_COLUMNS}"
        );
        let at = rating.map(|_| Utc::now());
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(rating)
            .bind(rating.and(comment))
            .bind(at)
            .bind(message_id)
            .bind(chat_id)
            .fetch_optional(pool)
            .await)
    }

    /// One message of a chat.
    pub async fn message_of(
        &self,
        chat_id: i64,
        message_id: i64,
    ) -> sqlx::Result<Option<MessageRow>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND chat_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(message_id)
            .bind(chat_id)
            .fetch_optional(pool)
            .await)
    }

    /// A chat's messages, oldest first.
    pub async fn messages_of(
        &self,
        chat_id: i64,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<Vec<MessageRow>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(chat_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)
    }

    /// The latest `limit` messages of a chat, oldest first.
    pub async fn latest_messages(&self, chat_id: i64, limit: i64) -> sqlx::Result<Vec<MessageRow>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let mut rows: Vec<MessageRow> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(chat_id)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        rows.reverse();
        Ok(rows)
    }

    /// The answered exchanges of a chat before a message, most recent last,
    /// at most `limit` of them.
    pub async fn history_of(
        &self,
        chat_id: i64,
        before_message: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<MessageRow>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 AND id < $2 AND status = 'answered' \
             ORDER BY id DESC LIMIT $3"
        );
        let mut rows: Vec<MessageRow> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(chat_id)
            .bind(before_message)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        rows.reverse();
        Ok(rows)
    }

    /// How an assistant answers.
    pub async fn answer_settings(&self, assistant_id: i64) -> sqlx::Result<AnswerSettings> {
        on_pool!(self, |pool| sqlx::query_as(
            "SELECT grounded, refusal, chat_model, temperature FROM assistants WHERE id = $1"
        )
        .bind(assistant_id)
        .fetch_one(pool)
        .await)
    }

    /// Changes how one of the user's assistants answers; false when it is
    /// not theirs.
    pub async fn update_answer_settings(
        &self,
        workspace_id: i64,
        assistant_id: i64,
        settings: &AnswerSettings,
    ) -> sqlx::Result<bool> {
        let done = on_pool!(self, |pool| {
            sqlx::query(
            "UPDATE assistants SET grounded = $1, refusal = $2, chat_model = $3, temperature = $4, updated_at = $5 \
             WHERE id = $6 AND workspace_id = $7"
        )
        .bind(settings.grounded)
        .bind(&settings.refusal)
        .bind(&settings.chat_model)
        .bind(settings.temperature)
        .bind(Utc::now())
        .bind(assistant_id)
        .bind(workspace_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
        })?;
        Ok(done > 0)
    }

    async fn touch_chat(&self, chat_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "UPDATE chats SET updated_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(chat_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

/// A message with its chat, as an export lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportedMessage {
    pub message_id: i64,
    pub chat_id: i64,
    pub thread_id: String,
    pub origin: String,
    pub site_origin: Option<String>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub input: String,
    pub output: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub sources: String,
    pub covered: bool,
    pub model: Option<String>,
    pub first_word_ms: Option<i64>,
    pub rating: Option<String>,
    pub feedback_comment: Option<String>,
}

impl Db {
    /// Up to `limit` messages of an assistant's chats asked in
    /// `[from, until)`, after message `after_id`, in the order they came.
    pub async fn exported_messages(
        &self,
        assistant_id: i64,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        after_id: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<ExportedMessage>> {
        let sql = "SELECT m.id AS message_id, c.id AS chat_id, c.thread_id, c.origin, c.site_origin, \
                   m.created_at, m.answered_at, m.input, m.output, m.status, m.error, m.sources, \
                   m.covered, m.model, m.first_word_ms, m.rating, m.feedback_comment \
                   FROM messages m JOIN chats c ON c.id = m.chat_id \
                   WHERE c.assistant_id = $1 AND m.created_at >= $2 AND m.created_at < $3 AND m.id > $4 \
                   ORDER BY m.id LIMIT $5";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(assistant_id)
            .bind(from)
            .bind(until)
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await)
    }
}

/// Thumbs up and down given on a chat's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RatingCounts {
    pub chat_id: i64,
    pub up: i64,
    pub down: i64,
}

impl Db {
    /// The thumbs up and down of each of these chats that has any.
    pub async fn rating_counts(&self, chat_ids: &[i64]) -> sqlx::Result<Vec<RatingCounts>> {
        if chat_ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids are numbers, written into the statement as such.
        let list: Vec<String> = chat_ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT chat_id, \
             SUM(CASE WHEN rating = 'up' THEN 1 ELSE 0 END) AS up, \
             SUM(CASE WHEN rating = 'down' THEN 1 ELSE 0 END) AS down \
             FROM messages WHERE rating IS NOT NULL AND chat_id IN ({}) GROUP BY chat_id",
            list.join(", ")
        );
        on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await)
    }
}

/// An assistant's questions since a moment, as its card on the dashboard
/// shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RecentQuestions {
    pub assistant_id: i64,
    pub questions: i64,
    /// Answered from the documents (not the refusal).
    pub answered: i64,
    pub up: i64,
    pub down: i64,
}

impl Db {
    /// The questions asked of each of the user's assistants since `since`.
    pub async fn recent_questions(
        &self,
        workspace_id: i64,
        since: DateTime<Utc>,
    ) -> sqlx::Result<Vec<RecentQuestions>> {
        let sql = "SELECT c.assistant_id, COUNT(*) AS questions, \
                   SUM(CASE WHEN m.status = 'answered' AND m.covered THEN 1 ELSE 0 END) AS answered, \
                   SUM(CASE WHEN m.rating = 'up' THEN 1 ELSE 0 END) AS up, \
                   SUM(CASE WHEN m.rating = 'down' THEN 1 ELSE 0 END) AS down \
                   FROM messages m JOIN chats c ON c.id = m.chat_id \
                   WHERE c.workspace_id = $1 AND m.created_at >= $2 GROUP BY c.assistant_id";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(workspace_id)
            .bind(since)
            .fetch_all(pool)
            .await)
    }
}
