//! Keeping web sources in sync, in the background. A source is due when
//! its schedule says so or its owner asks; a server claims it under a
//! lease it keeps renewing (with several servers, one syncs it), reads
//! `robots.txt`, lists the source's pages (the one page, the sitemap's, or
//! a crawl of the host), and checks each: `ETag`/`Last-Modified` sent
//! back, then the hash of the main content decides whether it changed. A
//! new page becomes a document, a changed one is read and indexed again,
//! one gone (404/410, or no longer listed) is removed with its document.
//! A sync whose listing fails (the sitemap or the start page cannot be
//! read) removes nothing.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use url::Url;

use super::content::{self, Sitemap};
use super::fetch::{Accept, Ask, FetchError, Fetched, Fetcher};
use super::robots::{self, Robots};
use super::{Kind, Schedule};
use crate::db::Db;
use crate::db::documents::NewDocument;
use crate::db::web_sources::{WebPageRecord, WebPageRow, WebSourceRow};
use crate::ingest::storage::FileStore;
use crate::ingest::worker::JobQueue;
use crate::model::web_sources::SyncSummary;

/// Sources synced at the same time by one server.
const CONCURRENT_SYNCS: usize = 2;
/// How often an idle syncer looks for sources that became due.
const POLL: Duration = Duration::from_secs(5);
/// Sitemaps of a sitemap index read at most.
const MAX_CHILD_SITEMAPS: usize = 20;
/// The longest spacing a site's `Crawl-delay` gets.
const MAX_CRAWL_DELAY: f64 = 30.0;
/// Links of a page kept for the next crawl.
const MAX_KEPT_LINKS: usize = 500;
/// File extensions that are not web pages: never queued by a crawl.
const NOT_PAGES: [&str; 24] = [
    ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".json",
    ".zip", ".gz", ".tar", ".mp3", ".mp4", ".webm", ".avi", ".mov", ".woff", ".woff2", ".ttf",
    ".exe", ".dmg",
];

/// What a sync needs.
#[derive(Debug, Clone)]
pub struct Syncer {
    pub db: Db,
    pub files: FileStore,
    /// Wakes the document processor when pages are added or changed.
    pub jobs: JobQueue,
    pub fetcher: Fetcher,
}

/// Starts syncing due sources for as long as the process runs; `queue`
/// wakes it when a source is added or a sync asked for.
pub async fn start(syncer: Syncer, queue: JobQueue) -> sqlx::Result<()> {
    if syncer.db.is_sqlite() {
        let requeued = syncer.db.requeue_interrupted_web_sources().await?;
        if requeued > 0 {
            tracing::info!(requeued, "resuming web source syncs interrupted by a stop");
        }
    }
    tokio::spawn(run(syncer, queue));
    Ok(())
}

async fn run(syncer: Syncer, queue: JobQueue) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_SYNCS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        match syncer
            .db
            .claim_web_source(crate::lease::until_from_now())
            .await
        {
            Ok(Some(source)) => {
                let syncer = syncer.clone();
                tokio::spawn(async move {
                    syncer.sync(source).await;
                    drop(slot);
                });
            }
            Ok(None) => {
                drop(slot);
                queue.wait(POLL).await;
            }
            Err(error) => {
                drop(slot);
                tracing::warn!(%error, "cannot read the web sources due");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// A page's outcome, as recorded and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Added,
    Changed,
    Unchanged,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Changed => "changed",
            Self::Unchanged => "unchanged",
            Self::Failed => "failed",
        }
    }
}

/// One sync of one source in progress.
struct Run<'a> {
    syncer: &'a Syncer,
    source: &'a WebSourceRow,
    robots: Robots,
    include: Vec<String>,
    exclude: Vec<String>,
    /// The pages known before this sync, by address.
    known: HashMap<String, WebPageRow>,
    /// Addresses checked in this sync.
    seen: HashSet<String>,
    /// Where the pages checked were read (after redirects): a page reached
    /// twice is kept once.
    read_at: HashSet<String>,
    summary: SyncSummary,
}

/// What checking a page gave a crawl.
#[derive(Default)]
struct Checked {
    /// Where the page was read, after redirects.
    read_at: Option<Url>,
    /// The page's links (for a crawl).
    links: Vec<Url>,
    /// Why the page could not be read (`None` when it was).
    failure: Option<String>,
}

impl Syncer {
    async fn sync(&self, source: WebSourceRow) {
        let id = source.id;
        tracing::info!(source = id, url = %source.url, "syncing a web source");
        let renewing = {
            let db = self.db.clone();
            tokio::spawn(async move {
                crate::lease::keep_renewing("web source", id, |until| {
                    db.renew_web_source_lease(id, until)
                })
                .await;
            })
        };
        let outcome = self.sync_pages(&source).await;
        renewing.abort();
        let (error, summary) = match outcome {
            Ok(summary) => (None, summary),
            Err((reason, summary)) => (Some(reason), summary),
        };
        let next = Schedule::parse(&source.schedule)
            .unwrap_or(Schedule::Weekly)
            .next_after(Utc::now());
        let summary = serde_json::to_string(&summary).unwrap_or_default();
        if let Err(error) = self
            .db
            .finish_web_source_sync(id, error.as_deref(), &summary, next)
            .await
        {
            tracing::warn!(source = id, %error, "cannot record the end of a sync");
        }
    }

    /// Syncs every page of a source: its summary, or why the sync failed
    /// (with what it did until then).
    async fn sync_pages(
        &self,
        source: &WebSourceRow,
    ) -> Result<SyncSummary, (String, SyncSummary)> {
        let fail = |reason: String| (reason, SyncSummary::default());
        let start = Url::parse(&source.url)
            .map_err(|_| fail("The source's address is not valid.".to_owned()))?;
        let kind = Kind::parse(&source.kind).unwrap_or(Kind::Page);
        let robots = self.robots_of(&start).await.map_err(fail)?;
        let known = self
            .db
            .web_pages_of(source.id)
            .await
            .map_err(|e| fail(internal(&e)))?
            .into_iter()
            .map(|page| (page.url.clone(), page))
            .collect();
        let mut run = Run {
            syncer: self,
            source,
            robots,
            include: serde_json::from_str(&source.include_paths).unwrap_or_default(),
            exclude: serde_json::from_str(&source.exclude_paths).unwrap_or_default(),
            known,
            seen: HashSet::new(),
            read_at: HashSet::new(),
            summary: SyncSummary::default(),
        };
        let listed = match kind {
            Kind::Page => run.sync_one(&start).await,
            Kind::Sitemap => run.sync_sitemap(&start).await,
            Kind::Site => run.crawl(&start).await,
        };
        if let Err(reason) = listed {
            return Err((reason, run.summary));
        }
        run.remove_unlisted()
            .await
            .map_err(|e| (internal(&e), run.summary))?;
        Ok(run.summary)
    }

    /// The rules of `start`'s site: none when it has no `robots.txt`
    /// (or refuses to show it); an error when the file cannot be read for
    /// another reason (nothing is fetched then, as RFC 9309 asks).
    async fn robots_of(&self, start: &Url) -> Result<Robots, String> {
        let Ok(robots_url) = start.join("/robots.txt") else {
            return Ok(Robots::allow_all());
        };
        match self
            .fetcher
            .fetch(&Ask::new(&robots_url, Accept::Robots))
            .await
        {
            Ok(Fetched::Body { bytes, .. }) => {
                let text = String::from_utf8_lossy(&bytes[..bytes.len().min(robots::MAX_BYTES)]);
                Ok(Robots::parse(&text, robots::PRODUCT))
            }
            Ok(Fetched::Gone { .. } | Fetched::NotModified { .. }) => Ok(Robots::allow_all()),
            Err(FetchError::Status(code)) if (400..500).contains(&code) => Ok(Robots::allow_all()),
            Err(error) => Err(format!(
                "The site's robots.txt could not be read ({error}), so no page was fetched."
            )),
        }
    }
}

impl Run<'_> {
    fn db(&self) -> &Db {
        &self.syncer.db
    }

    /// Whether a page's path is one the source keeps (its include and
    /// exclude patterns).
    fn in_scope(&self, url: &Url) -> bool {
        let path = url.path();
        (self.include.is_empty() || self.include.iter().any(|p| robots::matches(p, path)))
            && !self.exclude.iter().any(|p| robots::matches(p, path))
    }

    fn robots_allow(&self, url: &Url) -> bool {
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        self.robots.allows(&path)
    }

    fn spacing(&self) -> Option<Duration> {
        self.robots
            .crawl_delay
            .map(|d| Duration::from_secs_f64(d.min(MAX_CRAWL_DELAY)))
    }

    /// The one page of a `page` source.
    async fn sync_one(&mut self, url: &Url) -> Result<(), String> {
        if !self.robots_allow(url) {
            return Err("The site's robots.txt does not allow fetching this page.".to_owned());
        }
        let checked = self.check_page(url, true).await?;
        match checked.failure {
            Some(reason) => Err(format!("The page could not be read: {reason}.")),
            None => Ok(()),
        }
    }

    /// The pages a sitemap (or the sitemaps of an index) lists, on the
    /// sitemap's host, within the source's patterns and `robots.txt`.
    async fn sync_sitemap(&mut self, sitemap: &Url) -> Result<(), String> {
        let limit = usize::try_from(self.source.max_pages).unwrap_or(0);
        let mut listed = Vec::new();
        match self.read_sitemap(sitemap).await? {
            Sitemap::Pages(pages) => listed.extend(pages),
            Sitemap::Index(children) => {
                for child in children.iter().take(MAX_CHILD_SITEMAPS) {
                    let Some(child) = Url::parse(child).ok().filter(|c| same_site(c, sitemap))
                    else {
                        continue;
                    };
                    match self.read_sitemap(&child).await? {
                        Sitemap::Pages(pages) => listed.extend(pages),
                        Sitemap::Index(_) => {}
                    }
                    if listed.len() >= limit * 4 {
                        break;
                    }
                }
            }
        }
        let mut queued = HashSet::new();
        let pages: Vec<Url> = listed
            .iter()
            .filter_map(|page| Url::parse(page).ok())
            .map(|mut page| {
                page.set_fragment(None);
                page
            })
            .filter(|page| {
                same_site(page, sitemap)
                    && self.in_scope(page)
                    && self.robots_allow(page)
                    && queued.insert(page.as_str().to_owned())
            })
            .take(limit)
            .collect();
        for page in &pages {
            self.check_page(page, true).await?;
        }
        Ok(())
    }

    async fn read_sitemap(&self, url: &Url) -> Result<Sitemap, String> {
        let fetched = self
            .syncer
            .fetcher
            .fetch(&Ask::new(url, Accept::Sitemap))
            .await;
        match fetched {
            Ok(Fetched::Body { bytes, .. }) => content::read_sitemap(&bytes),
            Ok(Fetched::Gone { status }) => Err(format!(
                "The sitemap {url} could not be read: the server answered {status}."
            )),
            Ok(Fetched::NotModified { .. }) => Err(format!(
                "The sitemap {url} could not be read: the server answered 304."
            )),
            Err(error) => Err(format!("The sitemap {url} could not be read: {error}.")),
        }
    }

    /// Pages of the start page's host, breadth first, following links up
    /// to the source's depth, fetching at most its page limit.
    async fn crawl(&mut self, start: &Url) -> Result<(), String> {
        let limit = usize::try_from(self.source.max_pages).unwrap_or(0);
        let max_depth = self.source.max_depth;
        let mut queue = VecDeque::from([(start.clone(), 0_i64)]);
        let mut queued: HashSet<String> = HashSet::from([start.as_str().to_owned()]);
        let mut fetched = 0;
        // The site whose links are followed: the start page's, after its
        // redirects (http to https, a bare domain to www).
        let mut site = start.clone();
        if !self.robots_allow(start) {
            return Err("The site's robots.txt does not allow fetching the start page.".to_owned());
        }
        while let Some((url, depth)) = queue.pop_front() {
            if fetched >= limit {
                break;
            }
            let keep = self.in_scope(&url);
            // The start page is read for its links even when it is not kept.
            if !keep && depth > 0 {
                continue;
            }
            fetched += 1;
            let checked = self.check_page(&url, keep).await?;
            if depth == 0 {
                if let Some(reason) = checked.failure {
                    return Err(format!("The start page could not be read: {reason}."));
                }
                if let Some(read_at) = checked.read_at.filter(|r| !same_site(r, start)) {
                    self.robots = self.syncer.robots_of(&read_at).await?;
                    site = read_at;
                }
            }
            if depth >= max_depth {
                continue;
            }
            for link in checked.links {
                if queued.len() >= limit.saturating_mul(20) {
                    break;
                }
                if same_site(&link, &site)
                    && looks_like_a_page(&link)
                    && self.robots_allow(&link)
                    && queued.insert(link.as_str().to_owned())
                {
                    queue.push_back((link, depth + 1));
                }
            }
        }
        Ok(())
    }

    /// Checks one page: fetched (conditionally when it has a document),
    /// its content compared, its document added, replaced or removed, and
    /// the outcome recorded and counted (when `keep`: otherwise it is only
    /// read for its links). Errors end the sync (the database failed).
    async fn check_page(&mut self, url: &Url, keep: bool) -> Result<Checked, String> {
        let key = url.as_str().to_owned();
        let known = self.known.get(&key).cloned();
        let known = known.filter(|_| keep);
        let has_document = known.as_ref().is_some_and(|k| k.document_id.is_some());
        let ask = Ask {
            url,
            accept: Accept::Page,
            etag: known
                .as_ref()
                .filter(|_| has_document)
                .and_then(|k| k.etag.as_deref()),
            last_modified: known
                .as_ref()
                .filter(|_| has_document)
                .and_then(|k| k.last_modified.as_deref()),
            spacing: self.spacing(),
        };
        let fetched = self.syncer.fetcher.fetch(&ask).await;
        if keep {
            self.seen.insert(key.clone());
        }
        let (final_url, bytes, etag, last_modified) = match fetched {
            Err(error) => {
                return self
                    .failed(url, known.as_ref(), keep, error.to_string())
                    .await;
            }
            Ok(Fetched::Gone { status }) => {
                if let Some(page) = &known {
                    self.remove(page).await.map_err(|e| internal(&e))?;
                }
                return Ok(Checked {
                    read_at: None,
                    links: Vec::new(),
                    failure: Some(format!("the server answered {status}")),
                });
            }
            Ok(Fetched::NotModified { final_url }) => {
                let Some(page) = known.filter(|_| has_document) else {
                    return Ok(Checked {
                        read_at: None,
                        links: Vec::new(),
                        failure: Some("the server answered 304 to a first request".to_owned()),
                    });
                };
                self.read_at.insert(final_url.as_str().to_owned());
                self.record_unchanged(&page).await?;
                return Ok(Checked {
                    read_at: Some(final_url),
                    links: parse_links(&page.links),
                    failure: None,
                });
            }
            Ok(Fetched::Body {
                final_url,
                bytes,
                etag,
                last_modified,
            }) => (final_url, bytes, etag, last_modified),
        };
        if !self.read_at.insert(final_url.as_str().to_owned()) && keep {
            // Another address of this sync led to the same page: kept once.
            self.seen.remove(&key);
            return Ok(Checked {
                read_at: None,
                links: Vec::new(),
                failure: None,
            });
        }
        let read = {
            let final_url = final_url.clone();
            tokio::task::spawn_blocking(move || content::read_page(&bytes, &final_url))
                .await
                .map_err(|e| internal(&e))?
        };
        let page = match read {
            Ok(page) => page,
            Err(error) => {
                return self
                    .failed(url, known.as_ref(), keep, error.to_string())
                    .await;
            }
        };
        let links = page.links.clone();
        if !keep {
            return Ok(Checked {
                read_at: Some(final_url.clone()),
                links,
                failure: None,
            });
        }
        let kept_links: Vec<&str> = links
            .iter()
            .filter(|l| same_site(l, &final_url))
            .take(MAX_KEPT_LINKS)
            .map(Url::as_str)
            .collect();
        let kept_links = serde_json::to_string(&kept_links).unwrap_or_else(|_| "[]".into());
        if !page.has_text {
            let reason = "no text was found in the page's main content";
            self.record_failure(url, known.as_ref(), reason).await?;
            return Ok(Checked {
                read_at: Some(final_url.clone()),
                links,
                failure: Some(reason.to_owned()),
            });
        }
        let hash = hex::encode(Sha256::digest(page.html.as_bytes()));
        let fresh = Fresh {
            url,
            final_url: &final_url,
            etag: etag.as_deref(),
            last_modified: last_modified.as_deref(),
            hash: &hash,
            links: &kept_links,
        };
        self.store(known.as_ref().filter(|_| has_document), &page, &fresh)
            .await?;
        Ok(Checked {
            read_at: Some(final_url),
            links,
            failure: None,
        })
    }

    /// Keeps a page read: unchanged, its document replaced, or a new one.
    async fn store(
        &mut self,
        known: Option<&WebPageRow>,
        page: &content::PageContent,
        fresh: &Fresh<'_>,
    ) -> Result<(), String> {
        let db = self.db().clone();
        let now = Utc::now();
        if let Some(known) = known
            && known.content_hash.as_deref() == Some(fresh.hash)
        {
            self.summary.unchanged += 1;
            let record = fresh.record(
                known.document_id,
                known.changed_at,
                Outcome::Unchanged,
                None,
            );
            return db
                .record_web_page(self.source.id, &record)
                .await
                .map_err(|e| internal(&e));
        }
        let files = &self.syncer.files;
        let sha256 = files
            .put(page.html.as_bytes())
            .await
            .map_err(|e| format!("The file store failed ({e}); the sync stopped."))?;
        let new = NewDocument {
            name: &page.title,
            content_type: "text/html",
            size: i64::try_from(page.html.len()).unwrap_or(i64::MAX),
            sha256: &sha256,
        };
        let assistant_id = self.source.assistant_id;
        let previous = match known.and_then(|k| k.document_id) {
            Some(id) => db
                .document_of(assistant_id, id)
                .await
                .map_err(|e| internal(&e))?,
            None => None,
        };
        let (document_id, outcome, detail) = match &previous {
            Some(document) => {
                match db
                    .replace_web_document(document.id, fresh.final_url.as_str(), &new)
                    .await
                {
                    Ok(()) => {
                        crate::documents::forget_file(&db, files, &document.sha256)
                            .await
                            .map_err(|e| internal(&e))?;
                        (Some(document.id), Outcome::Changed, None)
                    }
                    Err(error) if crate::db::is_unique_violation(&error) => {
                        (Some(document.id), Outcome::Failed, Some(DUPLICATE))
                    }
                    Err(error) => return Err(internal(&error)),
                }
            }
            None => match db
                .insert_web_document(assistant_id, self.source.id, fresh.final_url.as_str(), &new)
                .await
            {
                Ok(Some(document)) => (Some(document.id), Outcome::Added, None),
                Ok(None) => (None, Outcome::Failed, Some(DUPLICATE)),
                Err(error) => return Err(internal(&error)),
            },
        };
        if outcome == Outcome::Failed {
            crate::documents::forget_file(&db, files, &sha256)
                .await
                .map_err(|e| internal(&e))?;
            self.summary.failed += 1;
            let record = WebPageRecord {
                content_hash: known.and_then(|k| k.content_hash.as_deref()),
                etag: None,
                last_modified: None,
                ..fresh.record(
                    document_id,
                    known.and_then(|k| k.changed_at),
                    outcome,
                    detail,
                )
            };
            return db
                .record_web_page(self.source.id, &record)
                .await
                .map_err(|e| internal(&e));
        }
        if outcome == Outcome::Added {
            self.summary.added += 1;
        } else {
            self.summary.changed += 1;
        }
        self.syncer.jobs.notify();
        let record = fresh.record(document_id, Some(now), outcome, None);
        db.record_web_page(self.source.id, &record)
            .await
            .map_err(|e| internal(&e))
    }

    /// A page that could not be read: recorded (when kept) and said to the
    /// crawl.
    async fn failed(
        &mut self,
        url: &Url,
        known: Option<&WebPageRow>,
        keep: bool,
        reason: String,
    ) -> Result<Checked, String> {
        if keep {
            self.record_failure(url, known, &reason).await?;
        }
        Ok(Checked {
            read_at: None,
            links: Vec::new(),
            failure: Some(reason),
        })
    }

    /// Records a page whose check failed; its document (if any) stays as
    /// it was.
    async fn record_failure(
        &mut self,
        url: &Url,
        known: Option<&WebPageRow>,
        reason: &str,
    ) -> Result<(), String> {
        self.summary.failed += 1;
        let record = match known {
            Some(page) => as_kept(page, Outcome::Failed, Some(reason)),
            None => WebPageRecord {
                url: url.as_str(),
                final_url: url.as_str(),
                document_id: None,
                etag: None,
                last_modified: None,
                content_hash: None,
                changed_at: None,
                outcome: Outcome::Failed.as_str(),
                detail: Some(reason),
                links: "[]",
            },
        };
        self.db()
            .record_web_page(self.source.id, &record)
            .await
            .map_err(|e| internal(&e))
    }

    /// Records a known page the server said had not changed (304).
    async fn record_unchanged(&mut self, page: &WebPageRow) -> Result<(), String> {
        self.summary.unchanged += 1;
        self.db()
            .record_web_page(self.source.id, &as_kept(page, Outcome::Unchanged, None))
            .await
            .map_err(|e| internal(&e))
    }

    /// Removes a page and its document.
    async fn remove(&mut self, page: &WebPageRow) -> sqlx::Result<()> {
        let db = self.db().clone();
        if let Some(id) = page.document_id
            && let Some(document) = db.document_of(self.source.assistant_id, id).await?
        {
            crate::documents::delete_document(&db, &self.syncer.files, &document).await?;
            self.summary.removed += 1;
        }
        db.delete_web_page(page.id).await
    }

    /// Removes the pages known before this sync that it did not find.
    async fn remove_unlisted(&mut self) -> sqlx::Result<()> {
        let gone: Vec<WebPageRow> = self
            .known
            .values()
            .filter(|page| !self.seen.contains(&page.url))
            .cloned()
            .collect();
        for page in &gone {
            self.remove(page).await?;
        }
        Ok(())
    }
}

/// A known page checked again, as it was kept (content, validators,
/// links), with this check's outcome.
fn as_kept<'a>(
    page: &'a WebPageRow,
    outcome: Outcome,
    detail: Option<&'a str>,
) -> WebPageRecord<'a> {
    WebPageRecord {
        url: &page.url,
        final_url: &page.final_url,
        document_id: page.document_id,
        etag: page.etag.as_deref(),
        last_modified: page.last_modified.as_deref(),
        content_hash: page.content_hash.as_deref(),
        changed_at: page.changed_at,
        outcome: outcome.as_str(),
        detail,
        links: &page.links,
    }
}

const DUPLICATE: &str = "the same content as another document of this assistant";

/// A page just read.
struct Fresh<'a> {
    url: &'a Url,
    final_url: &'a Url,
    etag: Option<&'a str>,
    last_modified: Option<&'a str>,
    hash: &'a str,
    links: &'a str,
}

impl<'a> Fresh<'a> {
    fn record(
        &self,
        document_id: Option<i64>,
        changed_at: Option<chrono::DateTime<Utc>>,
        outcome: Outcome,
        detail: Option<&'a str>,
    ) -> WebPageRecord<'a> {
        WebPageRecord {
            url: self.url.as_str(),
            final_url: self.final_url.as_str(),
            document_id,
            etag: self.etag,
            last_modified: self.last_modified,
            content_hash: Some(self.hash),
            changed_at,
            outcome: outcome.as_str(),
            detail,
            links: self.links,
        }
    }
}

/// Whether two addresses are on the same site (scheme, host and port).
fn same_site(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether an address may be a web page (not an image, archive, script…).
fn looks_like_a_page(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    !NOT_PAGES.iter().any(|ext| path.ends_with(ext))
}

fn parse_links(json: &str) -> Vec<Url> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|link| Url::parse(link).ok())
        .collect()
}

/// A failure of ours, logged; the sync's error says so in words.
fn internal(error: &dyn std::fmt::Display) -> String {
    tracing::error!(%error, "a web source sync failed");
    "The sync stopped on a server error; it will be tried again.".to_owned()
}
