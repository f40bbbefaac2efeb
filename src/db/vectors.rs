//! Passages' embedding vectors: which are still to be made, storing them,
//! and reading an assistant's vectors for semantic search.

use super::{Db, on_pool};

/// A passage still to be embedded, with the context embedded with it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnembeddedChunk {
    pub chunk_id: i64,
    pub assistant_id: i64,
    pub document: String,
    /// The assistant's company.
    pub company: String,
    /// What the document is, as context ([`crate::model::DocumentMetadata`]).
    pub document_company: Option<String>,
    pub kind: Option<String>,
    pub period: Option<String>,
    pub heading: String,
    pub text: String,
}

impl UnembeddedChunk {
    /// What the document is, as one line of context ("Apple Inc. | 10-Q |
    /// 2023 Q3"; the assistant's company when the document's is unknown).
    pub fn context(&self) -> String {
        crate::model::DocumentMetadata {
            company: self.document_company.clone(),
            kind: self.kind.clone(),
            period: self.period.clone(),
            title: None,
        }
        .context(&self.company)
    }
}

/// An assistant's vectors, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredVector {
    pub chunk_id: i64,
    pub document_id: i64,
    pub vector: Vec<u8>,
}

/// How far semantic indexing of one document has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SemanticProgress {
    pub document_id: i64,
    pub done: i64,
    pub total: i64,
}

impl Db {
    /// Up to `limit` passages of ready documents without a vector, oldest first.
    pub async fn unembedded_chunks(&self, limit: i64) -> sqlx::Result<Vec<UnembeddedChunk>> {
        let sql = "SELECT c.id AS chunk_id, c.assistant_id, d.name AS document, \
                          a.company_name AS company, d.company AS document_company, d.kind, d.period, \
                          c.heading, c.text \
                   FROM chunks c \
                   JOIN documents d ON d.id = c.document_id \
                   JOIN assistants a ON a.id = c.assistant_id \
                   WHERE d.status = 'ready' \
                     AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id) \
                   ORDER BY c.id LIMIT $1";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(limit)
            .fetch_all(pool)
            .await)
    }

    /// Stores vectors made by `model`. A passage deleted meanwhile is skipped.
    pub async fn insert_vectors(
        &self,
        model: &str,
        vectors: &[(i64, i64, Vec<u8>)],
    ) -> sqlx::Result<()> {
        let sql = "INSERT INTO chunk_vectors (chunk_id, assistant_id, model, vector) \
                   SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM chunks WHERE id = $1) \
                   ON CONFLICT (chunk_id) DO NOTHING";
        match self {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                for (chunk_id, assistant_id, vector) in vectors {
                    sqlx::query(sql)
                        .bind(chunk_id)
                        .bind(assistant_id)
                        .bind(model)
                        .bind(vector)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for (chunk_id, assistant_id, vector) in vectors {
                    sqlx::query(sql)
                        .bind(chunk_id)
                        .bind(assistant_id)
                        .bind(model)
                        .bind(vector)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
        }
    }

    /// Forgets vectors made by another model than `model` (they are made
    /// again in the background). Returns how many were dropped.
    pub async fn drop_vectors_not_by(&self, model: &str) -> sqlx::Result<u64> {
        on_pool!(self, |pool| sqlx::query(
            "DELETE FROM chunk_vectors WHERE model <> $1"
        )
        .bind(model)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
    }

    /// A cheap fingerprint of an assistant's vectors: their number and the
    /// highest passage id; it changes whenever vectors come or go.
    pub async fn vectors_fingerprint(&self, assistant_id: i64) -> sqlx::Result<(i64, i64)> {
        on_pool!(self, |pool| sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(chunk_id), 0) FROM chunk_vectors WHERE assistant_id = $1"
        )
        .bind(assistant_id)
        .fetch_one(pool)
        .await)
    }

    /// All of an assistant's vectors, by passage id.
    pub async fn vectors_of(&self, assistant_id: i64) -> sqlx::Result<Vec<StoredVector>> {
        on_pool!(self, |pool| {
            sqlx::query_as(
            "SELECT v.chunk_id, c.document_id, v.vector FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id \
             WHERE v.assistant_id = $1 ORDER BY v.chunk_id"
        )
        .bind(assistant_id)
        .fetch_all(pool)
        .await
        })
    }

    /// Semantic indexing progress of each document of a workspace's assistants.
    pub async fn semantic_progress_of_workspace(
        &self,
        workspace_id: i64,
    ) -> sqlx::Result<Vec<SemanticProgress>> {
        self.semantic_progress_where(
            "c.assistant_id IN (SELECT id FROM assistants WHERE workspace_id = $1)",
            workspace_id,
        )
        .await
    }

    /// Semantic indexing progress of each document of an assistant.
    pub async fn semantic_progress(
        &self,
        assistant_id: i64,
    ) -> sqlx::Result<Vec<SemanticProgress>> {
        self.semantic_progress_where("c.assistant_id = $1", assistant_id)
            .await
    }

    async fn semantic_progress_where(
        &self,
        condition: &str,
        id: i64,
    ) -> sqlx::Result<Vec<SemanticProgress>> {
        let sql = format!(
            "SELECT c.document_id, COUNT(v.chunk_id) AS done, COUNT(*) AS total \
             FROM chunks c LEFT JOIN chunk_vectors v ON v.chunk_id = c.id \
             WHERE {condition} GROUP BY c.document_id"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_all(pool)
            .await)
    }
}

impl Db {
    /// These passages of an assistant (found by semantic search), score 0.
    pub async fn chunks_by_ids(
        &self,
        assistant_id: i64,
        ids: &[i64],
    ) -> sqlx::Result<Vec<super::documents::FoundChunk>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT c.id AS chunk_id, c.document_id, d.name AS document, c.page, c.heading, c.text, \
                    CAST(0 AS DOUBLE PRECISION) AS score \
             FROM chunks c JOIN documents d ON d.id = c.document_id \
             WHERE c.assistant_id = $1 AND c.id IN ({})",
            placeholders.join(", ")
        );
        on_pool!(self, |pool| {
            let mut query = sqlx::query_as(&sql).bind(assistant_id);
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })
    }
}
