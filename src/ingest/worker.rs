//! The processing queue: documents wait `pending` in the database; a
//! background task takes them one by one (a bounded number at once), reads
//! each in a child process (`sandbox`), indexes its passages, and marks it
//! `ready` or `failed`. A document being processed is leased to its server, which
//! renews the lease as it works: when the server dies, another one (or the
//! same one restarted) takes the document again once the lease runs out.
//! With SQLite, which one server uses, documents left `processing` are
//! taken again at start.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

use super::email::Attachment;
use super::extract::Progress;
use super::sandbox::{Extracted, Sandbox, SandboxError, ToRead};
use super::storage::FileStore;
use crate::db::Db;
use crate::db::documents::{DocumentRow, NewDocument, PageCounts};

/// Documents processed at the same time.
const CONCURRENT_DOCUMENTS: usize = 2;
/// How often an idle worker looks for work no server told it about
/// (documents uploaded to another server, leases run out).
const POLL: Duration = Duration::from_secs(5);

/// How documents are read.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The child process each document is read in.
    pub sandbox: Sandbox,
    /// Times a document's processing may be cut off before it is failed.
    pub attempts: i64,
}

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

    /// Waits to be told of new work, for at most `at_most`.
    pub async fn wait(&self, at_most: Duration) {
        tokio::select! {
            () = self.wake.notified() => {}
            () = tokio::time::sleep(at_most) => {}
        }
    }
}

/// Starts the worker for as long as the process runs.
pub async fn start(
    db: Db,
    files: FileStore,
    queue: JobQueue,
    reading: Reading,
) -> sqlx::Result<()> {
    if db.is_sqlite() {
        let failed = db
            .fail_documents_cut_off(reading.attempts, &cut_off_too_often(reading.attempts))
            .await?;
        if failed > 0 {
            tracing::warn!(failed, "documents cut off too often were failed");
        }
        let requeued = db.requeue_interrupted_documents().await?;
        if requeued > 0 {
            tracing::info!(requeued, "resuming documents interrupted by a stop");
        }
    }
    tokio::spawn(run(db, files, queue, reading));
    Ok(())
}

/// Why a document whose processing kept being cut off is not tried again.
fn cut_off_too_often(attempts: i64) -> String {
    let times = match attempts {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    };
    format!(
        "This file could not be read: the server stopped while reading it {times}, so it was not tried again. Delete it and upload it again to retry."
    )
}

async fn run(db: Db, files: FileStore, queue: JobQueue, reading: Reading) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_DOCUMENTS));
    let reading = Arc::new(reading);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        // A document another server died on after its last attempt (its
        // lease ran out) is failed, not taken again.
        if !db.is_sqlite()
            && let Err(error) = db
                .fail_documents_cut_off(reading.attempts, &cut_off_too_often(reading.attempts))
                .await
        {
            tracing::warn!(%error, "cannot fail documents cut off too often");
        }
        match db
            .claim_pending_document(crate::lease::until_from_now())
            .await
        {
            Ok(Some(document)) => {
                let (db, files, queue, reading) =
                    (db.clone(), files.clone(), queue.clone(), reading.clone());
                tokio::spawn(async move {
                    let store = Store {
                        db: &db,
                        files: &files,
                        queue: &queue,
                    };
                    process(&store, &reading.sandbox, document).await;
                    // The slot is freed once the reader's process is gone.
                    drop(slot);
                });
            }
            Ok(None) => {
                drop(slot);
                queue.wait(POLL).await;
            }
            Err(error) => {
                drop(slot);
                tracing::warn!(%error, "cannot read the document queue");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Where documents are kept, and the queue new ones are announced on.
struct Store<'a> {
    db: &'a Db,
    files: &'a FileStore,
    queue: &'a JobQueue,
}

async fn process(store: &Store<'_>, sandbox: &Sandbox, document: DocumentRow) {
    let Store { db, files, .. } = *store;
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
        Ok(bytes) => read_and_index(store, sandbox, &document, bytes).await,
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
            // Not the document's attempt: it must not count towards failing it.
            if let Err(error) = db.give_back_document_attempt(id).await {
                tracing::warn!(document = id, %error, "cannot give back a document's attempt");
            }
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

/// Reads and cuts a document in the sandbox, then indexes it; the error is
/// said to the user.
async fn read_and_index(
    store: &Store<'_>,
    sandbox: &Sandbox,
    document: &DocumentRow,
    bytes: Vec<u8>,
) -> Result<(), String> {
    let db = store.db;
    let internal = |error: &dyn std::fmt::Display| {
        tracing::error!(document = document.id, %error, "processing failed");
        "Processing failed on our side. Delete the document and upload it again.".to_owned()
    };
    let (company, ocr_languages) = db
        .assistant_by_id(document.assistant_id)
        .await
        .map_err(|e| internal(&e))?
        .map(|assistant| (assistant.company_name, assistant.ocr_languages))
        .unwrap_or_default();
    let progress = Arc::new(Progress::default());
    let reporter = tokio::spawn(report_progress(db.clone(), document.id, progress.clone()));
    let (outcome, cost) = sandbox
        .read(
            &ToRead {
                content_type: &document.content_type,
                name: &document.name,
                company: &company,
                ocr_languages: &ocr_languages,
            },
            bytes,
            &progress,
        )
        .await;
    reporter.abort();
    tracing::info!(
        document = document.id,
        read = outcome.is_ok(),
        reader_peak_memory_mb = cost.peak_memory_kb / 1024,
        reader_seconds = format!("{:.1}", cost.elapsed.as_secs_f64()),
        "document reader finished"
    );
    let Extracted {
        chunks,
        pages,
        empty_pages,
        ocr_pages,
        notice,
        metadata,
        attachments,
    } = outcome.map_err(|error| match error {
        SandboxError::Unreadable(sentence) => sentence,
        SandboxError::Internal(_) => internal(&error),
    })?;
    if chunks.is_empty() {
        return Err(match notice {
            // OCR could not run: say so rather than guess.
            Some(notice) => format!("None of the pages has text. {notice}"),
            None if pages > 1 => {
                format!("None of the {pages} pages has text that can be read. Is it a scan?")
            }
            None => "The file contains no text.".to_owned(),
        });
    }
    let notice = match add_attachments(store, document.assistant_id, attachments).await {
        Some(said) => Some(notice.map_or(said.clone(), |notice| format!("{notice} {said}"))),
        None => notice,
    };
    db.set_document_progress(document.id, pages, pages, ocr_pages)
        .await
        .map_err(|e| internal(&e))?;
    let counts = PageCounts {
        pages,
        empty: empty_pages,
        ocr: ocr_pages,
        notice,
    };
    db.finish_document(document, &chunks, &counts, &metadata)
        .await
        .map_err(|e| internal(&e))
}

/// Adds a document's attachments (an e-mail's) to its assistant as
/// documents of their own, queued to be read; says what became of them.
async fn add_attachments(
    store: &Store<'_>,
    assistant_id: i64,
    attachments: Vec<Attachment>,
) -> Option<String> {
    if attachments.is_empty() {
        return None;
    }
    let (mut added, mut skipped) = (Vec::new(), Vec::new());
    for attachment in attachments {
        let Some(format) = super::detect::detect(&attachment.bytes, &attachment.name, None) else {
            skipped.push(attachment.name);
            continue;
        };
        let stored = match store.files.put(&attachment.bytes).await {
            Ok(sha256) => sha256,
            Err(error) => {
                tracing::warn!(%error, "cannot store an attachment");
                skipped.push(attachment.name);
                continue;
            }
        };
        let new = NewDocument {
            name: &attachment.name,
            content_type: format.content_type(),
            size: i64::try_from(attachment.bytes.len()).unwrap_or(i64::MAX),
            sha256: &stored,
        };
        match store.db.insert_document(assistant_id, &new).await {
            Ok(_) => added.push(attachment.name),
            Err(error) => {
                tracing::warn!(%error, "cannot add an attachment");
                skipped.push(attachment.name);
            }
        }
    }
    store.queue.notify();
    let mut said = Vec::new();
    if !added.is_empty() {
        said.push(format!(
            "Attachments added as documents: {}.",
            added.join(", ")
        ));
    }
    if !skipped.is_empty() {
        said.push(format!(
            "Attachments not added (not a supported document): {}.",
            skipped.join(", ")
        ));
    }
    Some(said.join(" "))
}

/// Writes a document's page progress to the database twice a second, so the
/// API and the dashboard can show it.
async fn report_progress(db: Db, id: i64, progress: Arc<Progress>) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut last = (u32::MAX, u32::MAX, u32::MAX);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = (
            progress.pages_done.load(Relaxed),
            progress.pages_total.load(Relaxed),
            progress.ocr_done.load(Relaxed),
        );
        if now != last && now.1 > 0 {
            if let Err(error) = db
                .set_document_progress(id, i64::from(now.0), i64::from(now.1), i64::from(now.2))
                .await
            {
                tracing::warn!(document = id, %error, "cannot record progress");
            }
            last = now;
        }
    }
}
