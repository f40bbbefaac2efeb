//! Web pages as documents: an assistant's web sources (one page, a
//! sitemap, or a site crawled from a start page), each page a document
//! whose source link is its address, kept in sync on a schedule and on
//! demand (`sync`). Addresses are checked before anything is stored
//! (`address`), pages fetched safely (`fetch`), `robots.txt` honoured
//! (`robots`), and only a page's main content kept (`content`).

pub mod address;
pub mod content;
pub mod fetch;
pub mod robots;
pub mod sync;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::db::web_sources::{NewWebSource, WebPageRow, WebSourceRow};
use crate::ingest::storage::FileStore;
use crate::ingest::worker::JobQueue;
use crate::model::FieldErrors;
use crate::model::web_sources::{SyncSummary, WebPageView, WebSourceView};

/// Web sources one assistant may have.
pub const MAX_SOURCES: i64 = 20;
/// A site's crawl depth when none is given, and the deepest allowed.
pub const DEFAULT_MAX_DEPTH: i64 = 2;
pub const MAX_DEPTH: i64 = 5;
/// Pages fetched in one sync when no limit is given, and the most allowed.
pub const DEFAULT_MAX_PAGES: i64 = 50;
pub const MAX_PAGES: i64 = 500;
/// Include or exclude patterns per source, and their longest.
pub const MAX_PATTERNS: usize = 20;
pub const MAX_PATTERN_CHARS: usize = 200;

/// What a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One page.
    Page,
    /// The pages a sitemap (or sitemap index) lists.
    Sitemap,
    /// Pages of one host, following links from a start page.
    Site,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "page" => Some(Self::Page),
            "sitemap" => Some(Self::Sitemap),
            "site" => Some(Self::Site),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Sitemap => "sitemap",
            Self::Site => "site",
        }
    }
}

/// How often a source is synced by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Daily,
    Weekly,
    /// Only when asked.
    Never,
}

impl Schedule {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            "never" => Some(Self::Never),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Never => "never",
        }
    }

    /// When a sync ending at `now` is next due.
    pub fn next_after(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Daily => Some(now + chrono::Duration::days(1)),
            Self::Weekly => Some(now + chrono::Duration::days(7)),
            Self::Never => None,
        }
    }
}

/// A new source as its owner gave it (text fields as given; the edge has
/// already refused values of the wrong type).
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// `page` when not given.
    pub kind: Option<String>,
    pub url: Option<String>,
    /// `weekly` when not given.
    pub schedule: Option<String>,
    pub max_depth: Option<i64>,
    pub max_pages: Option<i64>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// Why a source was not added.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid values")]
    Invalid(FieldErrors),
    #[error("An assistant can have at most {MAX_SOURCES} web sources. Remove one first.")]
    TooMany,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks a draft: the fields refused with their messages, or the source
/// to store. The address is resolved: a name with a private address is
/// refused unless `allow_private`.
async fn checked(draft: &Draft, allow_private: bool) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    let kind = match draft.kind.as_deref().map(str::trim) {
        None | Some("") => Some(Kind::Page),
        Some(text) => Kind::parse(text).or_else(|| {
            fail(
                "kind",
                format!("\"{text}\" is not a valid choice (page, sitemap or site)."),
            );
            None
        }),
    };
    let schedule = match draft.schedule.as_deref().map(str::trim) {
        None | Some("") => Some(Schedule::Weekly),
        Some(text) => Schedule::parse(text).or_else(|| {
            fail(
                "schedule",
                format!("\"{text}\" is not a valid choice (daily, weekly or never)."),
            );
            None
        }),
    };
    let mut limit = |field: &str, value: Option<i64>, default: i64, max: i64| match value {
        None => default,
        Some(value) if (1..=max).contains(&value) || (field == "max_depth" && value == 0) => value,
        Some(_) => {
            let min = i64::from(field != "max_depth");
            fail(
                field,
                format!("Ensure this value is a whole number from {min} to {max}."),
            );
            default
        }
    };
    let max_depth = limit("max_depth", draft.max_depth, DEFAULT_MAX_DEPTH, MAX_DEPTH);
    let max_pages = limit("max_pages", draft.max_pages, DEFAULT_MAX_PAGES, MAX_PAGES);
    let mut patterns = |field: &str, given: &[String]| -> Vec<String> {
        let cleaned: Vec<String> = given
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if cleaned.len() > MAX_PATTERNS {
            fail(field, format!("Give at most {MAX_PATTERNS} patterns."));
        } else if let Some(bad) = cleaned.iter().find(|p| {
            !p.starts_with('/')
                || p.chars().count() > MAX_PATTERN_CHARS
                || p.chars().any(char::is_control)
        }) {
            fail(
                field,
                format!(
                    "\"{bad}\" is not a path pattern: it must start with / and have at most {MAX_PATTERN_CHARS} characters (* matches anything)."
                ),
            );
        }
        cleaned
    };
    let include = patterns("include", &draft.include);
    let exclude = patterns("exclude", &draft.exclude);
    let url = match draft.url.as_deref().map(str::trim) {
        None | Some("") => {
            fail("url", "This field is required.".to_owned());
            None
        }
        Some(raw) => match address::parse(raw, allow_private) {
            Err(error) => {
                fail("url", error.to_string());
                None
            }
            Ok(mut url) => match address::resolve_checked(&url, allow_private).await {
                Err(error) => {
                    fail("url", error.to_string());
                    None
                }
                Ok(()) => {
                    url.set_fragment(None);
                    Some(url)
                }
            },
        },
    };
    match (kind, schedule, url) {
        (Some(kind), Some(schedule), Some(url)) if errors.is_empty() => Ok(Checked {
            kind,
            schedule,
            url: url.to_string(),
            max_depth,
            max_pages,
            include,
            exclude,
        }),
        _ => Err(errors),
    }
}

struct Checked {
    kind: Kind,
    schedule: Schedule,
    url: String,
    max_depth: i64,
    max_pages: i64,
    include: Vec<String>,
    exclude: Vec<String>,
}

/// Adds a source to an assistant and wakes the syncer: its first sync
/// starts at once, in the background.
pub async fn add(
    db: &Db,
    syncs: &JobQueue,
    allow_private: bool,
    assistant_id: i64,
    draft: &Draft,
) -> Result<WebSourceView, SourceError> {
    let checked = checked(draft, allow_private)
        .await
        .map_err(SourceError::Invalid)?;
    let include = serde_json::to_string(&checked.include).unwrap_or_else(|_| "[]".into());
    let exclude = serde_json::to_string(&checked.exclude).unwrap_or_else(|_| "[]".into());
    let new = NewWebSource {
        kind: checked.kind.as_str(),
        url: &checked.url,
        schedule: checked.schedule.as_str(),
        max_depth: checked.max_depth,
        max_pages: checked.max_pages,
        include_paths: &include,
        exclude_paths: &exclude,
    };
    let row = db
        .insert_web_source(assistant_id, &new, MAX_SOURCES)
        .await?
        .ok_or(SourceError::TooMany)?;
    syncs.notify();
    Ok(to_view(row, &[], false))
}

/// The API address of a source.
pub fn source_url(assistant_id: i64, id: i64) -> String {
    format!("/api/v1/assistants/{assistant_id}/sources/{id}/")
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A source as shown, with its pages when `with_pages`.
pub fn to_view(row: WebSourceRow, pages: &[WebPageRow], with_pages: bool) -> WebSourceView {
    let page_count = pages.iter().filter(|p| p.document_id.is_some()).count();
    WebSourceView {
        absolute_url: source_url(row.assistant_id, row.id),
        id: row.id,
        kind: row.kind,
        url: row.url,
        schedule: row.schedule,
        max_depth: row.max_depth,
        max_pages: row.max_pages,
        include: json_list(&row.include_paths),
        exclude: json_list(&row.exclude_paths),
        // Asked for and not yet taken: shown as on its way.
        status: if row.sync_requested_at.is_some() {
            "syncing".to_owned()
        } else {
            row.status
        },
        error: row.error,
        last_synced_at: row.last_synced_at,
        next_sync_at: row.next_sync_at,
        page_count: i64::try_from(page_count).unwrap_or(i64::MAX),
        summary: row
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<SyncSummary>(s).ok()),
        pages: with_pages.then(|| pages.iter().map(page_view).collect()),
    }
}

fn page_view(row: &WebPageRow) -> WebPageView {
    WebPageView {
        url: row.url.clone(),
        final_url: row.final_url.clone(),
        document_id: row.document_id,
        checked_at: row.checked_at,
        changed_at: row.changed_at,
        outcome: row.outcome.clone(),
        detail: row.detail.clone(),
    }
}

/// An assistant's sources, oldest first.
pub async fn views_of(db: &Db, assistant_id: i64) -> sqlx::Result<Vec<WebSourceView>> {
    let mut views = Vec::new();
    for row in db.web_sources_of(assistant_id).await? {
        let pages = db.web_pages_of(row.id).await?;
        views.push(to_view(row, &pages, false));
    }
    Ok(views)
}

/// One source with its pages.
pub async fn detail(db: &Db, row: WebSourceRow) -> sqlx::Result<WebSourceView> {
    let pages = db.web_pages_of(row.id).await?;
    Ok(to_view(row, &pages, true))
}

/// Asks for a sync of a source now, and wakes the syncer.
pub async fn request_sync(
    db: &Db,
    syncs: &JobQueue,
    row: WebSourceRow,
) -> sqlx::Result<WebSourceView> {
    db.request_web_source_sync(row.id).await?;
    syncs.notify();
    let row = db
        .web_source_of(row.assistant_id, row.id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    detail(db, row).await
}

/// Deletes a source with its pages and their documents; false when there
/// is no such source.
pub async fn delete(db: &Db, files: &FileStore, assistant_id: i64, id: i64) -> sqlx::Result<bool> {
    let Some(hashes) = db.delete_web_source(assistant_id, id).await? else {
        return Ok(false);
    };
    for sha256 in hashes {
        crate::documents::forget_file(db, files, &sha256).await?;
    }
    Ok(true)
}
