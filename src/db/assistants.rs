//! Assistants. Every query is scoped to the owning user: another user's
//! assistant is indistinguishable from one that does not exist.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};

/// A row of `assistants`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssistantRow {
    pub id: i64,
    pub workspace_id: i64,
    pub public_id: String,
    pub name: String,
    pub company_name: String,
    pub instructions: String,
    /// Tesseract's codes for scanned pages, joined by `+`.
    pub ocr_languages: String,
    pub query_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AssistantRow {
    /// Its editable fields.
    pub fn fields(&self) -> AssistantFields {
        AssistantFields {
            name: self.name.clone(),
            company_name: self.company_name.clone(),
            instructions: self.instructions.clone(),
            ocr_languages: self.ocr_languages.clone(),
        }
    }
}

/// The editable fields of an assistant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantFields {
    pub name: String,
    pub company_name: String,
    pub instructions: String,
    /// The languages scanned pages are read in (Tesseract's codes joined by `+`).
    pub ocr_languages: String,
}

const COLUMNS: &str = "id, workspace_id, public_id, name, company_name, instructions, ocr_languages, \
    query_count, created_at, updated_at";

impl Db {
    /// Creates an assistant for `workspace_id` with a new public id.
    pub async fn insert_assistant(
        &self,
        workspace_id: i64,
        public_id: &str,
        fields: &AssistantFields,
    ) -> sqlx::Result<AssistantRow> {
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO assistants (workspace_id, public_id, name, company_name, instructions, created_at, updated_at, ocr_languages) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .bind(public_id)
            .bind(&fields.name)
            .bind(&fields.company_name)
            .bind(&fields.instructions)
            .bind(now)
            .bind(&fields.ocr_languages)
            .fetch_one(pool)
            .await)
    }

    /// A user's assistants, newest first.
    pub async fn assistants_of(&self, workspace_id: i64) -> sqlx::Result<Vec<AssistantRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM assistants WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// One of a user's assistants.
    pub async fn assistant_of(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<AssistantRow>> {
        let sql = format!("SELECT {COLUMNS} FROM assistants WHERE id = $1 AND workspace_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(pool)
            .await)
    }

    /// Any assistant by id, whoever owns it: for background work only.
    pub async fn assistant_by_id(&self, id: i64) -> sqlx::Result<Option<AssistantRow>> {
        let sql = format!("SELECT {COLUMNS} FROM assistants WHERE id = $1");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    /// The user's assistant with this public id (`asst_…`), if any.
    pub async fn assistant_by_public_id(
        &self,
        workspace_id: i64,
        public_id: &str,
    ) -> sqlx::Result<Option<AssistantRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM assistants WHERE public_id = $1 AND workspace_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(public_id)
            .bind(workspace_id)
            .fetch_optional(pool)
            .await)
    }

    /// Replaces an assistant's editable fields; `None` when the user has no such assistant.
    pub async fn update_assistant(
        &self,
        workspace_id: i64,
        id: i64,
        fields: &AssistantFields,
    ) -> sqlx::Result<Option<AssistantRow>> {
        let sql = format!(
            "UPDATE assistants SET name = $1, company_name = $2, instructions = $3, updated_at = $4, \
             ocr_languages = $7 WHERE id = $5 AND workspace_id = $6 RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(&fields.name)
            .bind(&fields.company_name)
            .bind(&fields.instructions)
            .bind(Utc::now())
            .bind(id)
            .bind(workspace_id)
            .bind(&fields.ocr_languages)
            .fetch_optional(pool)
            .await)
    }

    /// Deletes an assistant and everything it owns; false when the user has no such assistant.
    pub async fn delete_assistant(&self, workspace_id: i64, id: i64) -> sqlx::Result<bool> {
        let sql = "DELETE FROM assistants WHERE id = $1 AND workspace_id = $2";
        let deleted = on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(workspace_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(deleted > 0)
    }
}
