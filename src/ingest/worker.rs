//! The processing queue: documents wait `pending` in the database; a
//! background task takes them one by one (a bounded number at once), reads
//! and indexes them on the blocking pool, and marks them `ready` or
//! `failed`. A document being processed is leased to its server, which
//! renews the lease as it works: when the server dies, another one (or the
//! same one restarted) takes the document again once the lease runs out.
//! With SQLite, which one server uses, documents left `processing` are
//! taken again at start.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

use super::chunk::{indexed_text, passages};
use super::detect::Format;
use super::extract::Page;
use super::extract::{Progress, extract};
use super::storage::FileStore;
use crate::db::Db;
use crate::db::documents::{DocumentRow, NewChunk};

/// Documents processed at the same time.
const CONCURRENT_DOCUMENTS: usize = 2;
/// A document that takes longer than this to read fails.
const DOCUMENT_TIMEOUT: Duration = Duration::from_secs(300);
/// How often an idle worker looks for work no server told it about
/// (documents uploaded to another server, leases run out).
const POLL: Duration = Duration::from_secs(5);

/// Wakes the worker when there is new work.
#[derive(Debug, Clone, Default)]
pub struct JobQueue {
    wake: Arc<Notify>,
}

impl JobQueue {
    /// Tells the worker that documents are waiting.
    pub fn notify(&self) {
        self.wake.notify_one();
    }
}

/// Starts the worker for as long as the process runs.
pub async fn start(db: Db, files: FileStore, queue: JobQueue) -> sqlx::Result<()> {
    if db.is_sqlite() {
        let requeued = db.requeue_interrupted_documents().await?;
        if requeued > 0 {
            tracing::info!(requeued, "resuming documents interrupted by a stop");
        }
    }
    tokio::spawn(run(db, files, queue));
    Ok(())
}

async fn run(db: Db, files: FileStore, queue: JobQueue) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_DOCUMENTS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        match db
            .claim_pending_document(crate::lease::until_from_now())
            .await
        {
            Ok(Some(document)) => {
                let (db, files) = (db.clone(), files.clone());
                tokio::spawn(async move {
                    process(&db, &files, document).await;
                    drop(slot);
                });
            }
            Ok(None) => {
                drop(slot);
                tokio::select! {
                    () = queue.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
            Err(error) => {
                drop(slot);
                tracing::warn!(%error, "cannot read the document queue");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

async fn process(db: &Db, files: &FileStore, document: DocumentRow) {
    let id = document.id;
    tracing::info!(document = id, name = %document.name, "processing document");
    let renewing = {
        let db = db.clone();
        tokio::spawn(async move {
            crate::lease::keep_renewing("document", id, |until| db.renew_document_lease(id, until))
                .await;
        })
    };
    let outcome = match files.get(&document.sha256).await {
        Ok(bytes) => read_and_index(db, &document, bytes).await,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(document = id, %error, "the original file is missing");
            Err(
                "The original file is missing from the file store. Delete the document and upload it again."
                    .to_owned(),
            )
        }
        Err(error) => {
            // An outage of the store is no fault of the document: it stays
            // `processing` under a lease no longer renewed, and is taken
            // again (here or by another server) once that runs out.
            tracing::warn!(document = id, %error, "the file store failed; the document will be tried again");
            Ok(())
        }
    };
    renewing.abort();
    if let Err(reason) = outcome {
        tracing::info!(document = id, %reason, "document failed");
        if let Err(error) = db.fail_document(id, &reason).await {
            tracing::warn!(document = id, %error, "cannot record a document's failure");
        }
    }
}

/// Reads, cuts and indexes a document; the error is said to the user.
async fn read_and_index(db: &Db, document: &DocumentRow, bytes: Vec<u8>) -> Result<(), String> {
    let internal = |error: &dyn std::fmt::Display| {
        tracing::error!(document = document.id, %error, "processing failed");
        "Processing failed on our side. Delete the document and upload it again.".to_owned()
    };
    let format = Format::from_content_type(&document.content_type)
        .ok_or_else(|| format!("Unsupported file type {}.", document.content_type))?;
    let company = db
        .assistant_by_id(document.assistant_id)
        .await
        .map_err(|e| internal(&e))?
        .map(|assistant| assistant.company_name)
        .unwrap_or_default();
    let name = document.name.clone();
    let progress = Arc::new(Progress::default());
    let reading = progress.clone();
    let work = tokio::task::spawn_blocking(move || -> Result<(Vec<NewChunk>, i64, i64), String> {
        let pages = extract(format, &bytes, &reading)
            .map_err(|e| format!("The file could not be read: {e}."))?;
        let total = i64::try_from(pages.len()).unwrap_or(i64::MAX);
        let empty =
            i64::try_from(pages.iter().filter(|p| p.blocks.is_empty()).count()).unwrap_or(0);
        Ok((chunks_for_index(&pages, &name, &company), total, empty))
    });
    let reporter = tokio::spawn(report_progress(db.clone(), document.id, progress));
    let outcome = tokio::time::timeout(DOCUMENT_TIMEOUT, work).await;
    reporter.abort();
    let (chunks, pages, empty_pages) = outcome
        .map_err(|_| "Reading the file took too long; it may be damaged.".to_owned())?
        .map_err(|e| internal(&e))??;
    if chunks.is_empty() {
        return Err(if pages > 1 {
            format!("None of the {pages} pages has text that can be read. Is it a scan?")
        } else {
            "The file contains no text.".to_owned()
        });
    }
    db.set_document_progress(document.id, pages, pages)
        .await
        .map_err(|e| internal(&e))?;
    db.finish_document(document, &chunks, pages, empty_pages)
        .await
        .map_err(|e| internal(&e))
}

/// Writes a document's page progress to the database twice a second, so the
/// API and the dashboard can show it.
async fn report_progress(db: Db, id: i64, progress: Arc<Progress>) {
    let mut last = (u32::MAX, u32::MAX);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = (
            progress
                .pages_done
                .load(std::sync::atomic::Ordering::Relaxed),
            progress
                .pages_total
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        if now != last && now.1 > 0 {
            if let Err(error) = db
                .set_document_progress(id, i64::from(now.0), i64::from(now.1))
                .await
            {
                tracing::warn!(document = id, %error, "cannot record progress");
            }
            last = now;
        }
    }
}

/// A document's pages as passages ready for the index, each with its context.
pub fn chunks_for_index(pages: &[Page], document: &str, company: &str) -> Vec<NewChunk> {
    passages(pages)
        .into_iter()
        .map(|passage| NewChunk {
            page: passage.page.map(i64::from),
            indexed: indexed_text(document, company, &passage),
            heading: passage.heading,
            text: passage.text,
        })
        .collect()
}
