//! An assistant's web sources as the API and the dashboard show them (made
//! by `crate::web_sources`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A web source: one page, a sitemap, or a site crawled from a start page,
/// kept in sync on a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"id": 4, "kind": "site", "url": "http://docs.example.com/", "schedule": "weekly", "max_depth": 2, "max_pages": 50, "include": ["/guide/"], "exclude": [], "status": "idle", "error": null, "last_synced_at": "2026-11-26T19:47:45.123Z", "next_sync_at": "2026-12-03T19:47:45.123Z", "page_count": 12, "summary": {"added": 12, "changed": 0, "removed": 0, "unchanged": 0, "failed": 0}, "absolute_url": "/api/v1/assistants/7/sources/4/"})))]
pub struct WebSourceView {
    pub id: i64,
    /// `page` (one address), `sitemap` (the pages a sitemap lists) or
    /// `site` (pages of the start page's host, following links).
    pub kind: String,
    pub url: String,
    /// `daily`, `weekly` or `never` (synced only when asked).
    pub schedule: String,
    /// For a site: how many links deep from the start page.
    pub max_depth: i64,
    /// The most pages fetched in one sync.
    pub max_pages: i64,
    /// Path patterns a page must match (all pages when empty).
    pub include: Vec<String>,
    /// Path patterns of pages left out.
    pub exclude: Vec<String>,
    /// `idle`, `syncing` (or waiting for its turn) or `failed`.
    pub status: String,
    /// Why the last sync failed.
    pub error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// When it is next synced by itself; `null` when only on demand.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Pages kept as documents.
    pub page_count: i64,
    /// What the last sync did.
    pub summary: Option<SyncSummary>,
    pub absolute_url: String,
    /// The pages found (in one source's detail only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<Vec<WebPageView>>,
}

/// What a sync did, page by page, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncSummary {
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
    pub unchanged: i64,
    pub failed: i64,
}

/// A page a source found, as last checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebPageView {
    /// The address as listed or linked.
    pub url: String,
    /// Where its content was read, after redirects.
    pub final_url: String,
    /// Its document, if it has one.
    pub document_id: Option<i64>,
    pub checked_at: DateTime<Utc>,
    /// When its content last changed (or was first read).
    pub changed_at: Option<DateTime<Utc>>,
    /// What the last check found: `added`, `changed`, `unchanged` or `failed`.
    pub outcome: String,
    /// Why it failed.
    pub detail: Option<String>,
}

/// A web page's document: where it comes from and what its last check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebPageCheck {
    /// The page's address (what citations link to).
    pub url: String,
    pub checked_at: DateTime<Utc>,
    /// `added`, `changed`, `unchanged` or `failed`.
    pub outcome: String,
    /// Why the last check failed.
    pub detail: Option<String>,
}
