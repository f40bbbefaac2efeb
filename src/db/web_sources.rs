//! An assistant's web sources (a page, a sitemap, a site), the pages each
//! found, and the documents made of them. A source's sync is claimed under
//! a lease, as a document's processing is. Path patterns and a sync's
//! summary are kept as JSON text; the domain (`web_sources`) reads and
//! writes them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::documents::{COLUMNS as DOCUMENT_COLUMNS, DocumentRow, NewDocument};
use super::{Db, on_pool};

/// A row of `web_sources`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebSourceRow {
    pub id: i64,
    pub assistant_id: i64,
    /// `page`, `sitemap` or `site`.
    pub kind: String,
    pub url: String,
    /// `daily`, `weekly` or `never`.
    pub schedule: String,
    pub max_depth: i64,
    pub max_pages: i64,
    /// JSON array of path patterns.
    pub include_paths: String,
    /// JSON array of path patterns.
    pub exclude_paths: String,
    /// `idle`, `syncing` or `failed`.
    pub status: String,
    /// Why the last sync failed.
    pub error: Option<String>,
    /// The last sync's counts, as JSON.
    pub summary: Option<String>,
    pub sync_requested_at: Option<DateTime<Utc>>,
    pub next_sync_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SOURCE_COLUMNS: &str = "id, assistant_id, kind, url, schedule, max_depth, max_pages, include_paths, \
     exclude_paths, status, error, summary, sync_requested_at, next_sync_at, last_synced_at, created_at, updated_at";

/// A new web source, as checked by the domain.
#[derive(Debug, Clone)]
pub struct NewWebSource<'a> {
    pub kind: &'a str,
    pub url: &'a str,
    pub schedule: &'a str,
    pub max_depth: i64,
    pub max_pages: i64,
    pub include_paths: &'a str,
    pub exclude_paths: &'a str,
}

/// A row of `web_pages`: a page a source found, as last checked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebPageRow {
    pub id: i64,
    pub source_id: i64,
    /// The address as listed or linked.
    pub url: String,
    /// Where its content was read, after redirects.
    pub final_url: String,
    pub document_id: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// SHA-256 of the content kept (the page's main text as HTML).
    pub content_hash: Option<String>,
    pub checked_at: DateTime<Utc>,
    pub changed_at: Option<DateTime<Utc>>,
    /// `added`, `changed`, `unchanged`, `removed` or `failed`.
    pub outcome: String,
    /// Why it failed, or what else there is to say.
    pub detail: Option<String>,
    /// JSON array of the page's links a crawl follows (read again when
    /// the page has not changed).
    pub links: String,
}

const PAGE_COLUMNS: &str = "id, source_id, url, final_url, document_id, etag, last_modified, content_hash, \
     checked_at, changed_at, outcome, detail, links";

/// What a sync learnt of a page.
#[derive(Debug, Clone)]
pub struct WebPageRecord<'a> {
    pub url: &'a str,
    pub final_url: &'a str,
    pub document_id: Option<i64>,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub content_hash: Option<&'a str>,
    pub changed_at: Option<DateTime<Utc>>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
    /// JSON array of links.
    pub links: &'a str,
}

impl Db {
    /// Adds a web source to an assistant, due for a sync at once; `None`
    /// when the assistant already has `limit` sources.
    pub async fn insert_web_source(
        &self,
        assistant_id: i64,
        new: &NewWebSource<'_>,
        limit: i64,
    ) -> sqlx::Result<Option<WebSourceRow>> {
        let sql = format!(
            "INSERT INTO web_sources (assistant_id, kind, url, schedule, max_depth, max_pages, include_paths, \
                 exclude_paths, sync_requested_at, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9 \
             WHERE (SELECT COUNT(*) FROM web_sources WHERE assistant_id = $1) < $10 \
             RETURNING {SOURCE_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(new.kind)
            .bind(new.url)
            .bind(new.schedule)
            .bind(new.max_depth)
            .bind(new.max_pages)
            .bind(new.include_paths)
            .bind(new.exclude_paths)
            .bind(Utc::now())
            .bind(limit)
            .fetch_optional(pool)
            .await)
    }

    /// An assistant's web sources, oldest first.
    pub async fn web_sources_of(&self, assistant_id: i64) -> sqlx::Result<Vec<WebSourceRow>> {
        let sql =
            format!("SELECT {SOURCE_COLUMNS} FROM web_sources WHERE assistant_id = $1 ORDER BY id");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_all(pool)
            .await)
    }

    /// One web source of an assistant.
    pub async fn web_source_of(
        &self,
        assistant_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<WebSourceRow>> {
        let sql =
            format!("SELECT {SOURCE_COLUMNS} FROM web_sources WHERE id = $1 AND assistant_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .bind(assistant_id)
            .fetch_optional(pool)
            .await)
    }

    /// Asks for a sync of a source as soon as a server is free (again
    /// after the one in progress, if any).
    pub async fn request_web_source_sync(&self, id: i64) -> sqlx::Result<()> {
        let sql = "UPDATE web_sources SET sync_requested_at = $1 WHERE id = $2";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Deletes a source with its pages and documents. Returns the file
    /// hashes of the documents deleted (for the file store), or `None`
    /// when there was no such source.
    pub async fn delete_web_source(
        &self,
        assistant_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<Vec<String>>> {
        let hashes: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT sha256 FROM documents WHERE web_source_id = $1 AND assistant_id = $2"
        )
        .bind(id)
        .bind(assistant_id)
        .fetch_all(pool)
        .await)?;
        let deleted = on_pool!(self, |pool| sqlx::query(
            "DELETE FROM web_sources WHERE id = $1 AND assistant_id = $2"
        )
        .bind(id)
        .bind(assistant_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok((deleted > 0).then_some(hashes))
    }

    /// Takes a source whose sync is due or asked for, marking it `syncing`
    /// and leased to the caller until `lease_until`; or one whose server
    /// let its lease run out.
    pub async fn claim_web_source(
        &self,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<Option<WebSourceRow>> {
        let lock = match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE web_sources SET status = 'syncing', lease_until = $2, sync_requested_at = NULL \
             WHERE id = (SELECT id FROM web_sources \
                         WHERE (status <> 'syncing' AND (sync_requested_at IS NOT NULL OR next_sync_at <= $1)) \
                            OR (status = 'syncing' AND (lease_until IS NULL OR lease_until < $1)) \
                         ORDER BY id LIMIT 1 {lock}) \
             RETURNING {SOURCE_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(Utc::now())
            .bind(lease_until)
            .fetch_optional(pool)
            .await)
    }

    /// Extends the lease of a source being synced.
    pub async fn renew_web_source_lease(
        &self,
        id: i64,
        lease_until: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE web_sources SET lease_until = $1 WHERE id = $2 AND status = 'syncing'";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(lease_until)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Ends a source's sync: `idle`, or `failed` with `error`; its summary
    /// and when it is next due (`None`: only when asked).
    pub async fn finish_web_source_sync(
        &self,
        id: i64,
        error: Option<&str>,
        summary: &str,
        next_sync_at: Option<DateTime<Utc>>,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE web_sources SET status = $1, error = $2, summary = $3, next_sync_at = $4, \
                   last_synced_at = $5, updated_at = $5, lease_until = NULL WHERE id = $6";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(if error.is_some() { "failed" } else { "idle" })
            .bind(error)
            .bind(summary)
            .bind(next_sync_at)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Asks again for the syncs a stopped server left `syncing`: for a
    /// database only this server uses (SQLite), at start.
    pub async fn requeue_interrupted_web_sources(&self) -> sqlx::Result<u64> {
        let sql = "UPDATE web_sources SET status = 'idle', lease_until = NULL, sync_requested_at = $1 \
                   WHERE status = 'syncing'";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// The pages a source found, in the order they were first found.
    pub async fn web_pages_of(&self, source_id: i64) -> sqlx::Result<Vec<WebPageRow>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM web_pages WHERE source_id = $1 ORDER BY id");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(source_id)
            .fetch_all(pool)
            .await)
    }

    /// The pages of an assistant's sources that have a document.
    pub async fn web_pages_of_assistant(&self, assistant_id: i64) -> sqlx::Result<Vec<WebPageRow>> {
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM web_pages WHERE document_id IS NOT NULL AND source_id IN \
             (SELECT id FROM web_sources WHERE assistant_id = $1)"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .fetch_all(pool)
            .await)
    }

    /// The pages of all of a workspace's sources that have a document.
    pub async fn web_pages_of_workspace(&self, workspace_id: i64) -> sqlx::Result<Vec<WebPageRow>> {
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM web_pages WHERE document_id IS NOT NULL AND source_id IN \
             (SELECT id FROM web_sources WHERE assistant_id IN (SELECT id FROM assistants WHERE workspace_id = $1))"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// Writes what a sync learnt of a page (added or updated by its address).
    pub async fn record_web_page(
        &self,
        source_id: i64,
        page: &WebPageRecord<'_>,
    ) -> sqlx::Result<()> {
        let sql = "INSERT INTO web_pages (source_id, url, final_url, document_id, etag, last_modified, content_hash, \
                       checked_at, changed_at, outcome, detail, links) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                   ON CONFLICT (source_id, url) DO UPDATE SET final_url = excluded.final_url, \
                       document_id = excluded.document_id, etag = excluded.etag, \
                       last_modified = excluded.last_modified, content_hash = excluded.content_hash, \
                       checked_at = excluded.checked_at, changed_at = excluded.changed_at, \
                       outcome = excluded.outcome, detail = excluded.detail, links = excluded.links";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(source_id)
            .bind(page.url)
            .bind(page.final_url)
            .bind(page.document_id)
            .bind(page.etag)
            .bind(page.last_modified)
            .bind(page.content_hash)
            .bind(Utc::now())
            .bind(page.changed_at)
            .bind(page.outcome)
            .bind(page.detail)
            .bind(page.links)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Forgets a page a source no longer has.
    pub async fn delete_web_page(&self, id: i64) -> sqlx::Result<()> {
        on_pool!(self, |pool| sqlx::query(
            "DELETE FROM web_pages WHERE id = $1"
        )
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))
    }

    /// Adds a document read from a web page of a source, `pending`; `None`
    /// when the assistant already has a document with these bytes.
    pub async fn insert_web_document(
        &self,
        assistant_id: i64,
        source_id: i64,
        source_url: &str,
        new: &NewDocument<'_>,
    ) -> sqlx::Result<Option<DocumentRow>> {
        let sql = format!(
            "INSERT INTO documents (assistant_id, name, content_type, size, sha256, status, created_at, updated_at, \
                 source_url, web_source_id) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $7, $8) \
             ON CONFLICT (assistant_id, sha256) DO NOTHING RETURNING {DOCUMENT_COLUMNS}"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(assistant_id)
            .bind(new.name)
            .bind(new.content_type)
            .bind(new.size)
            .bind(new.sha256)
            .bind(Utc::now())
            .bind(source_url)
            .bind(source_id)
            .fetch_optional(pool)
            .await)
    }

    /// Gives a web page's document new content, to be read and indexed
    /// again (`pending`; its passages stay searchable until replaced).
    /// Fails with a unique violation when another document of the
    /// assistant has these bytes.
    pub async fn replace_web_document(
        &self,
        id: i64,
        source_url: &str,
        new: &NewDocument<'_>,
    ) -> sqlx::Result<()> {
        let sql = "UPDATE documents SET name = $1, content_type = $2, size = $3, sha256 = $4, source_url = $5, \
                   status = 'pending', error = NULL, pages_done = 0, attempts = 0, lease_until = NULL, updated_at = $6 \
                   WHERE id = $7";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(new.name)
            .bind(new.content_type)
            .bind(new.size)
            .bind(new.sha256)
            .bind(source_url)
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// The web addresses of an assistant's documents read from web pages,
    /// by document id.
    pub async fn source_urls_of(&self, assistant_id: i64) -> sqlx::Result<HashMap<i64, String>> {
        let sql = "SELECT id, source_url FROM documents WHERE assistant_id = $1 AND source_url IS NOT NULL";
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(assistant_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().collect())
    }
}
