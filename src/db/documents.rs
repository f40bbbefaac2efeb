//! Documents, their passages, and the durable processing queue (a document's
//! `status` is its job: `pending` → `processing` → `ready` or `failed`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::bm25::{self, Collection};
use super::{Db, fts5, on_pool};
use crate::model::DocumentMetadata;

/// A row of `documents`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub assistant_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub status: String,
    pub error: Option<String>,
    pub pages: Option<i64>,
    pub pages_done: i64,
    pub empty_pages: i64,
    pub ocr_pages: i64,
    pub notice: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub company: Option<String>,
    pub kind: Option<String>,
    pub period: Option<String>,
    pub title: Option<String>,
}

impl DocumentRow {
    /// What the document is, as read at ingest or corrected by its owner.
    pub fn metadata(&self) -> DocumentMetadata {
        DocumentMetadata {
            company: self.company.clone(),
            kind: self.kind.clone(),
            period: self.period.clone(),
            title: self.title.clone(),
        }
    }
}

/// A new document's file.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
}

/// A passage ready to be stored and indexed.
#[derive(Debug, Clone)]
pub struct NewChunk {
    pub page: Option<i64>,
    pub heading: String,
    pub text: String,
    /// What the keyword index holds.
    pub keyword: KeywordEntry,
}

/// What the keyword index holds for a passage (made by
/// `search::index::keyword_entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordEntry {
    /// The passage with its context, as SQLite's FTS5 tokenizes it.
    pub text: String,
    /// Its words as PostgreSQL's index is given them.
    pub words: String,
    /// How many words: BM25's passage length on PostgreSQL (SQLite counts
    /// its own).
    pub tokens: i32,
}

/// A passage found by search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundChunk {
    pub chunk_id: i64,
    pub document_id: i64,
    pub document: String,
    pub page: Option<i64>,
    pub heading: String,
    pub text: String,
    pub score: f64,
}

/// A document read: ready, with its page counts and metadata.
const FINISHED: &str = "UPDATE documents SET status = 'ready', error = NULL, pages = $1, pages_done = $1, \
     empty_pages = $2, updated_at = $3, company = $5, kind = $6, period = $7, title = $8, \
     ocr_pages = $9, notice = $10 WHERE id = $4";

pub(super) const COLUMNS: &str = "id, assistant_id, name, content_type, size, sha256, status, error, pages, pages_done, empty_pages, ocr_pages, notice, created_at, updated_at, company, kind, period, title";

/// What reading a document found of its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub pages: i64,
    /// Pages without text.
    pub empty: i64,
    /// Pages whose text was read by OCR.
    pub ocr: i64,
    /// Something the owner should know about its pages.
    pub notice: Option<String>,
}

impl PageCounts {
    /// Pages, none of them empty or scanned.
    pub fn all_text(pages: i64) -> Self {
        Self {
            pages,
            ..Self::default()
        }
    }
}

impl Db {
    /// Adds a document to an assistant, `pending`; `None` when the assistant
    /// already has a document with these bytes.
    pub async fn insert_document(
        &self,
        assistant_id: i64,
        new: &NewDocument<'_>,
    ) -> sqlx::Result<Option<DocumentRow>> {
        let sql = format!(
            "INSERT INTO documents (assistant_id, name, content_type, size, sha256, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) ON CONFLICT (assistant_id, sha256) DO NOTHING RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(new.name)
            .bind(new.content_type)
            .bind(new.size)
            .bind(new.sha256)
            .bind(Utc::now())
            .fetch_optional(pool)
            .await)
    }

    /// An assistant's documents, oldest first (the order they were added).
    pub async fn documents_of(&self, assistant_id: i64) -> sqlx::Result<Vec<DocumentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE assistant_id = $1 ORDER BY id");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_all(pool)
            .await)
    }

    /// The documents of all of a workspace's assistants, oldest first.
    pub async fn documents_of_workspace(
        &self,
        workspace_id: i64,
    ) -> sqlx::Result<Vec<DocumentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM documents WHERE assistant_id IN \
             (SELECT id FROM assistants WHERE workspace_id = $1) ORDER BY id"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// One document of an assistant.
    pub async fn document_of(
        &self,
        assistant_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<DocumentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = $1 AND assistant_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Deletes a document with its passages; false when there is no such document.
    pub async fn delete_document(&self, assistant_id: i64, id: i64) -> sqlx::Result<bool> {
        let sql = "DELETE FROM documents WHERE id = $1 AND assistant_id = $2";
        let deleted = on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(assistant_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(deleted > 0)
    }

    /// A document's passages as (id, heading, text), in order.
    pub async fn passages_of_document(
        &self,
        document_id: i64,
    ) -> sqlx::Result<Vec<(i64, String, String)>> {
        let sql = "SELECT id, heading, text FROM chunks WHERE document_id = $1 ORDER BY id";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(document_id)
            .fetch_all(pool)
            .await)
    }

    /// Stores a document's corrected metadata and indexes its passages
    /// again with it (`indexed`: passage id and its new keyword text), in
    /// one transaction; their vectors are dropped, to be made again in the
    /// background with the new context.
    pub async fn set_document_metadata(
        &self,
        document: &DocumentRow,
        metadata: &DocumentMetadata,
        indexed: &[(i64, KeywordEntry)],
    ) -> sqlx::Result<()> {
        const UPDATE: &str = "UPDATE documents SET company = $1, kind = $2, period = $3, title = $4, \
                              updated_at = $5 WHERE id = $6";
        const DROP_VECTORS: &str = "DELETE FROM chunk_vectors WHERE chunk_id IN (SELECT id FROM chunks WHERE document_id = $1)";
        let now = Utc::now();
        match self {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query(UPDATE)
                    .bind(&metadata.company)
                    .bind(&metadata.kind)
                    .bind(&metadata.period)
                    .bind(&metadata.title)
                    .bind(now)
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                for (id, entry) in indexed {
                    sqlx::query("DELETE FROM chunks_fts WHERE rowid = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO chunks_fts (rowid, body, assistant) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(&entry.text)
                    .bind(assistant_token(document.assistant_id))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE chunks SET tokens = counted.tokens \
                     FROM (SELECT rowid AS id, fts_body_tokens(chunks_fts) AS tokens FROM chunks_fts \
                           WHERE chunks_fts MATCH $1) AS counted \
                     WHERE chunks.id = counted.id AND chunks.document_id = $2",
                )
                .bind(format!(
                    "assistant : {}",
                    assistant_token(document.assistant_id)
                ))
                .bind(document.id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(DROP_VECTORS)
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(UPDATE)
                    .bind(&metadata.company)
                    .bind(&metadata.kind)
                    .bind(&metadata.period)
                    .bind(&metadata.title)
                    .bind(now)
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                for (id, entry) in indexed {
                    sqlx::query(
                        "UPDATE chunks SET body = to_tsvector('english', $1), tokens = $2 WHERE id = $3",
                    )
                    .bind(&entry.words)
                    .bind(entry.tokens)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                count_document_lexemes(&mut tx, document).await?;
                sqlx::query(DROP_VECTORS)
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
        }
    }

    /// Whether any document, of any assistant, still uses the file with this hash.
    pub async fn file_in_use(&self, sha256: &str) -> sqlx::Result<bool> {
        let sql = "SELECT COUNT(*) FROM documents WHERE sha256 = $1";
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(sha256)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Puts documents left `processing` by a stopped server back in the
    /// queue: for a database only this server uses (SQLite), at start.
    pub async fn requeue_interrupted_documents(&self) -> sqlx::Result<u64> {
        let sql =
            "UPDATE documents SET status = 'pending', pages_done = 0 WHERE status = 'processing'";
        on_pool!(self, |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Fails the documents whose processing was cut off `attempts` times
    /// (each claim is an attempt), with `error`: on SQLite at start, where
    /// every document left `processing` was cut off; on PostgreSQL once
    /// its lease has run out. Returns how many.
    pub async fn fail_documents_cut_off(&self, attempts: i64, error: &str) -> sqlx::Result<u64> {
        let lease = match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "AND (lease_until IS NULL OR lease_until < $3)",
        };
        let sql = format!(
            "UPDATE documents SET status = 'failed', error = $1, updated_at = $3 \
             WHERE status = 'processing' AND attempts >= $2 {lease}"
        );
        on_pool!(self, |pool| sqlx::query(&sql)
            .bind(error)
            .bind(attempts)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Takes back the attempt a claim counted, when the document was not
    /// read for no fault of its own (the file store was down).
    pub async fn give_back_document_attempt(&self, id: i64) -> sqlx::Result<()> {
        let sql = "UPDATE documents SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Takes the oldest document waiting to be processed, marking it
    /// `processing` and leased to the caller until `lease_until`: a pending
    /// one, or one whose server let its lease run out. On PostgreSQL rows
    /// another server is claiming are skipped (`FOR UPDATE SKIP LOCKED`);
    /// SQLite has one writer at a time.
    pub async fn claim_pending_document(
        &self,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<Option<DocumentRow>> {
        let lock = match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE documents SET status = 'processing', pages_done = 0, lease_until = $2, updated_at = $1, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM documents \
                         WHERE status = 'pending' \
                            OR (status = 'processing' AND (lease_until IS NULL OR lease_until < $1)) \
                         ORDER BY id LIMIT 1 {lock}) \
             RETURNING {COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(Utc::now())
            .bind(lease_until)
            .fetch_optional(pool)
            .await)
    }

    /// Extends the lease of a document being processed.
    pub async fn renew_document_lease(
        &self,
        id: i64,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE documents SET lease_until = $1 WHERE id = $2 AND status = 'processing'";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(lease_until)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Records progress through a document's pages (and its scanned pages
    /// read by OCR so far).
    pub async fn set_document_progress(
        &self,
        id: i64,
        pages_done: i64,
        pages: i64,
        ocr_pages: i64,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE documents SET pages_done = $1, pages = $2, ocr_pages = $4 WHERE id = $3";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(pages_done)
            .bind(pages)
            .bind(id)
            .bind(ocr_pages)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Marks a document failed with a reason a user understands.
    pub async fn fail_document(&self, id: i64, error: &str) -> sqlx::Result<()> {
        let sql =
            "UPDATE documents SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(error)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Stores a document's passages in the index and marks it `ready`, in one
    /// transaction (a crash leaves it `processing`, to be redone at start).
    pub async fn finish_document(
        &self,
        document: &DocumentRow,
        chunks: &[NewChunk],
        counts: &PageCounts,
        metadata: &DocumentMetadata,
    ) -> sqlx::Result<()> {
        let now = Utc::now();
        match self {
            Db::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front (waiting on the busy
                // timeout); a deferred one fails at once if another writer
                // committed since it started reading.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                let mut first_id = None;
                for chunk in chunks {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO chunks (document_id, assistant_id, page, heading, text) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(document.id)
                    .bind(document.assistant_id)
                    .bind(chunk.page)
                    .bind(&chunk.heading)
                    .bind(&chunk.text)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO chunks_fts (rowid, body, assistant) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(&chunk.keyword.text)
                    .bind(assistant_token(document.assistant_id))
                    .execute(&mut *tx)
                    .await?;
                    first_id.get_or_insert(id);
                }
                // Each passage's length as the index counts it (what the
                // assistant's average length in `search_chunks` sums): ids
                // only grow, and this transaction is the only writer.
                if let Some(first_id) = first_id {
                    sqlx::query(
                        "UPDATE chunks SET tokens = counted.tokens \
                         FROM (SELECT rowid AS id, fts_body_tokens(chunks_fts) AS tokens FROM chunks_fts \
                               WHERE chunks_fts MATCH $1 AND rowid >= $2) AS counted \
                         WHERE chunks.id = counted.id",
                    )
                    .bind(format!(
                        "assistant : {}",
                        assistant_token(document.assistant_id)
                    ))
                    .bind(first_id)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(FINISHED)
                    .bind(counts.pages)
                    .bind(counts.empty)
                    .bind(now)
                    .bind(document.id)
                    .bind(&metadata.company)
                    .bind(&metadata.kind)
                    .bind(&metadata.period)
                    .bind(&metadata.title)
                    .bind(counts.ocr)
                    .bind(&counts.notice)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                    .bind(document.id)
                    .execute(&mut *tx)
                    .await?;
                for chunk in chunks {
                    sqlx::query(
                        "INSERT INTO chunks (document_id, assistant_id, page, heading, text, body, tokens) \
                         VALUES ($1, $2, $3, $4, $5, to_tsvector('english', $6), $7)",
                    )
                    .bind(document.id)
                    .bind(document.assistant_id)
                    .bind(chunk.page)
                    .bind(&chunk.heading)
                    .bind(&chunk.text)
                    .bind(&chunk.keyword.words)
                    .bind(chunk.keyword.tokens)
                    .execute(&mut *tx)
                    .await?;
                }
                count_document_lexemes(&mut tx, document).await?;
                sqlx::query(FINISHED)
                    .bind(counts.pages)
                    .bind(counts.empty)
                    .bind(now)
                    .bind(document.id)
                    .bind(&metadata.company)
                    .bind(&metadata.kind)
                    .bind(&metadata.period)
                    .bind(&metadata.title)
                    .bind(counts.ocr)
                    .bind(&counts.notice)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
        }
    }

    /// The best passages of an assistant for a keyword query (terms joined
    /// by OR), best first, scored by BM25 with statistics of the
    /// assistant's own passages ([`crate::search::bm25`]): the number of
    /// passages, their average length and each term's document frequency
    /// are all counted over them, so a score depends on nothing another
    /// account holds. Read in one transaction, so the counts and the scores
    /// see the same passages.
    pub async fn search_chunks(
        &self,
        assistant_id: i64,
        terms: &[String],
        limit: i64,
    ) -> sqlx::Result<Vec<FoundChunk>> {
        let weights = vec![1.0; terms.len()];
        self.search_chunks_in(assistant_id, None, terms, &weights, limit)
            .await
    }

    /// [`Db::search_chunks`] over some of the assistant's documents only
    /// (`only`; all of them when `None`), with the statistics of all, each
    /// term's score scaled by its weight (`weights`, one per term).
    pub async fn search_chunks_in(
        &self,
        assistant_id: i64,
        only: Option<&[i64]>,
        terms: &[String],
        weights: &[f64],
        limit: i64,
    ) -> sqlx::Result<Vec<FoundChunk>> {
        if terms.is_empty() || only.is_some_and(<[i64]>::is_empty) {
            return Ok(Vec::new());
        }
        match self {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let collection = keyword_collection(&mut *tx, assistant_id).await?;
                if collection.passages == 0 {
                    return Ok(Vec::new());
                }
                // Phrase 0 is the assistant (the `assistant` column, so
                // only its postings are read); phrase i is term i. FTS5's
                // own `bm25()` would weigh them over the whole table, so
                // one pass hands every match of the assistant over (its
                // length and each phrase's occurrences, `db::fts5`), and
                // the document frequencies and scores are counted here.
                let any_term = terms
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('"', "")))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                let query = format!(
                    "assistant : {} AND body : ({any_term})",
                    assistant_token(assistant_id)
                );
                let (records,): (Vec<u8>,) = sqlx::query_as(
                    "SELECT fts_concat(record) FROM (SELECT fts_match(chunks_fts) AS record FROM chunks_fts WHERE chunks_fts MATCH $1 LIMIT -1)",
                )
                .bind(&query)
                .fetch_one(&mut *tx)
                .await?;
                let mut document_frequencies = vec![0u64; terms.len()];
                for found in fts5::matches(&records) {
                    for (phrase, df) in document_frequencies.iter_mut().enumerate() {
                        if found.count(phrase + 1) > 0 {
                            *df += 1;
                        }
                    }
                }
                let idfs: Vec<f64> = document_frequencies
                    .iter()
                    .enumerate()
                    .map(|(term, &df)| {
                        let weight = weights.get(term).copied().unwrap_or(1.0);
                        weight * bm25::idf(collection, df)
                    })
                    .collect();
                // With some documents only, the others' matches count in
                // the frequencies but are not scored.
                let wanted: Option<HashSet<i64>> = match only {
                    Some(documents) => Some(
                        sqlx::query_scalar(
                            "SELECT id FROM chunks WHERE assistant_id = $1 \
                             AND document_id IN (SELECT value FROM json_each($2))",
                        )
                        .bind(assistant_id)
                        .bind(serde_json::to_string(documents).unwrap_or_default())
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .collect(),
                    ),
                    None => None,
                };
                let mut tfs = vec![0.0; terms.len()];
                let mut scored: Vec<(f64, i64)> = fts5::matches(&records)
                    .filter(|found| wanted.as_ref().is_none_or(|ids| ids.contains(&found.rowid)))
                    .map(|found| {
                        for (phrase, tf) in tfs.iter_mut().enumerate() {
                            *tf = f64::from(found.count(phrase + 1));
                        }
                        let length = f64::from(found.tokens);
                        let score =
                            bm25::passage_score(&idfs, &tfs, length, collection.average_length);
                        (score, found.rowid)
                    })
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                scored.truncate(usize::try_from(limit).unwrap_or(0));
                tx.commit().await?;
                // Only the best are joined to their text (a passage deleted
                // meanwhile is left out).
                let ids: Vec<i64> = scored.iter().map(|(_, id)| *id).collect();
                let mut rows: HashMap<i64, FoundChunk> = self
                    .chunks_by_ids(assistant_id, &ids)
                    .await?
                    .into_iter()
                    .map(|chunk| (chunk.chunk_id, chunk))
                    .collect();
                Ok(scored
                    .into_iter()
                    .filter_map(|(score, id)| {
                        rows.remove(&id).map(|mut chunk| {
                            chunk.score = score;
                            chunk
                        })
                    })
                    .collect())
            }
            Db::Postgres(pool) => {
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?;
                let collection = keyword_collection(&mut *tx, assistant_id).await?;
                if collection.passages == 0 {
                    return Ok(Vec::new());
                }
                // Each lexeme of a term is a query term, once per term
                // naming it (as FTS5 counts each phrase), with its document
                // frequency among the assistant's passages: the sum of its
                // documents' counts, written at ingest (counting matches
                // instead read every account's postings of a common word).
                let lexemes: Vec<(String, i64, f64)> = sqlx::query_as(
                    "SELECT l.lexeme, COALESCE((SELECT SUM(passages) FROM document_lexemes \
                         WHERE assistant_id = $2 AND lexeme = l.lexeme), 0)::int8 AS df, t.weight \
                     FROM unnest($1::text[], $3::float8[]) WITH ORDINALITY AS t(term, weight, position), \
                     LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS l(lexeme) \
                     ORDER BY t.position",
                )
                .bind(terms)
                .bind(assistant_id)
                .bind(weights)
                .fetch_all(&mut *tx)
                .await?;
                let (lexemes, idfs): (Vec<String>, Vec<f64>) = lexemes
                    .into_iter()
                    .filter(|(_, df, _)| *df > 0)
                    .map(|(lexeme, df, weight)| {
                        let idf = bm25::idf(collection, u64::try_from(df).unwrap_or(0));
                        (lexeme, weight * idf)
                    })
                    .unzip();
                if lexemes.is_empty() {
                    return Ok(Vec::new());
                }
                // BM25 as `bm25::term_score` computes it: tf is the
                // lexeme's number of positions in the passage, the length
                // its word count (`tokens`). The GIN index finds the
                // passages holding any lexeme; only their matched lexemes
                // are unnested (setweight marks them, ts_filter keeps them).
                // `query` is MATERIALIZED: inlined, PostgreSQL may build the
                // tsquery again for every passage it scans.
                let found: Vec<FoundChunk> = sqlx::query_as(
                    "WITH weighted AS (SELECT lexeme, idf FROM unnest($1::text[], $2::float8[]) AS w(lexeme, idf)), \
                          query AS MATERIALIZED (SELECT array_agg(DISTINCT lexeme) AS lexemes, \
                                           string_agg(DISTINCT (chr(39) || replace(replace(lexeme, chr(92), chr(92) || chr(92)), \
                                               chr(39), chr(39) || chr(39)) || chr(39)), ' | ')::tsquery AS q FROM weighted), \
                          scored AS (SELECT c.id, SUM(w.idf * f.tf * ($5 + 1) / (f.tf + $5 * (1 - $6 + $6 * c.tokens / $4))) AS score \
                                     FROM query, chunks c \
                                     CROSS JOIN LATERAL (SELECT u.lexeme, COALESCE(array_length(u.positions, 1), 1)::float8 AS tf \
                                         FROM unnest(ts_filter(setweight(c.body, 'A', query.lexemes), '{a}')) AS u) f \
                                     JOIN weighted w ON w.lexeme = f.lexeme \
                                     WHERE c.assistant_id = $3 AND c.body @@ query.q \
                                       AND ($8::bigint[] IS NULL OR c.document_id = ANY($8)) \
                                     GROUP BY c.id ORDER BY score DESC, c.id LIMIT $7) \
                     SELECT c.id AS chunk_id, c.document_id, d.name AS document, c.page, c.heading, c.text, \
                            scored.score::float8 AS score \
                     FROM scored JOIN chunks c ON c.id = scored.id JOIN documents d ON d.id = c.document_id \
                     ORDER BY scored.score DESC, c.id",
                )
                .bind(&lexemes)
                .bind(&idfs)
                .bind(assistant_id)
                .bind(collection.average_length)
                .bind(bm25::K1)
                .bind(bm25::B)
                .bind(limit)
                .bind(only)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(found)
            }
        }
    }
}

impl Db {
    /// Counts again, for keyword search, the words of a document whose
    /// passages were written without [`Db::finish_document`] (the bench's
    /// synthetic passages); SQLite's index needs no counts.
    pub async fn recount_document_words(&self, document: &DocumentRow) -> sqlx::Result<()> {
        match self {
            Db::Sqlite(_) => Ok(()),
            Db::Postgres(pool) => {
                let mut connection = pool.acquire().await?;
                count_document_lexemes(&mut connection, document).await
            }
        }
    }
}

/// Writes (again) how many of a document's passages hold each lexeme, the
/// counts PostgreSQL's keyword search sums into document frequencies: in
/// the transaction that writes or rewrites the passages.
async fn count_document_lexemes(
    tx: &mut sqlx::PgConnection,
    document: &DocumentRow,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM document_lexemes WHERE document_id = $1")
        .bind(document.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO document_lexemes (document_id, assistant_id, lexeme, passages) \
         SELECT $1, $2, u.lexeme, COUNT(*) FROM chunks c CROSS JOIN LATERAL unnest(c.body) AS u \
         WHERE c.document_id = $1 GROUP BY u.lexeme",
    )
    .bind(document.id)
    .bind(document.assistant_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How an assistant's passages are counted for BM25: their number and
/// total length, from the index on `chunks (assistant_id, tokens)` alone.
const COLLECTION: &str =
    "SELECT COUNT(*), COALESCE(SUM(tokens), 0) FROM chunks WHERE assistant_id = $1";

/// An assistant's passages counted, on the connection of a search.
async fn keyword_collection<'c, DB>(
    executor: impl sqlx::Executor<'c, Database = DB>,
    assistant_id: i64,
) -> sqlx::Result<Collection>
where
    DB: sqlx::Database,
    for<'r> (i64, i64): sqlx::FromRow<'r, DB::Row>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let (passages, tokens): (i64, i64) = sqlx::query_as(COLLECTION)
        .bind(assistant_id)
        .fetch_one(executor)
        .await?;
    Ok(Collection::new(
        u64::try_from(passages).unwrap_or(0),
        u64::try_from(tokens).unwrap_or(0),
    ))
}

/// The keyword index's word for an assistant, in the `assistant` column.
fn assistant_token(assistant_id: i64) -> String {
    format!("a{assistant_id}")
}
