//! An assistant's documents: adding uploaded files (recognised by content,
//! stored once by hash, queued for processing), showing and removing them.

use std::collections::HashMap;

use crate::db::Db;
use crate::db::documents::KeywordEntry;
use crate::db::documents::{DocumentRow, NewDocument};
use crate::db::vectors::SemanticProgress;
use crate::db::web_sources::WebPageRow;
use crate::ingest::chunk::Passage;
use crate::ingest::detect::{self, SUPPORTED};
use crate::ingest::metadata::MAX_VALUE_CHARS;
use crate::ingest::storage::FileStore;
use crate::ingest::worker::JobQueue;
use crate::model::web_sources::WebPageCheck;
use crate::model::{DocumentMetadata, DocumentView, FieldErrors, SemanticProgressView};
use crate::search::index::{keyword_entry, keyword_text};
use crate::search::semantic::Semantic;

/// A file as it arrived.
#[derive(Clone)]
pub struct IncomingFile {
    pub name: String,
    pub declared_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for IncomingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingFile")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Why files were not added. Nothing is added unless every file is acceptable.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("The file \"{0}\" is empty.")]
    Empty(String),
    #[error("The file \"{0}\" is not a supported document. Supported: {SUPPORTED}.")]
    Unsupported(String),
    /// The file store could not take a file (an outage, a full disk).
    #[error("the file store failed: {0}")]
    Storage(#[source] std::io::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The API address of a document.
pub fn document_url(assistant_id: i64, id: i64) -> String {
    format!("/api/v1/assistants/{assistant_id}/documents/{id}/")
}

/// A document as the API and the dashboard show it.
pub fn to_view(row: DocumentRow, semantic: Option<SemanticProgressView>) -> DocumentView {
    DocumentView {
        metadata: row.metadata(),
        url: document_url(row.assistant_id, row.id),
        id: row.id,
        name: row.name,
        content_type: row.content_type,
        size: row.size,
        pages: row.pages,
        pages_done: row.pages_done,
        empty_pages: row.empty_pages,
        ocr_pages: row.ocr_pages,
        notice: row.notice,
        status: row.status,
        error: row.error,
        semantic,
        web: None,
    }
}

/// The last check of each web page that has a document, by document id.
fn web_checks(pages: Vec<WebPageRow>) -> HashMap<i64, WebPageCheck> {
    pages
        .into_iter()
        .filter_map(|page| {
            let check = WebPageCheck {
                url: page.final_url,
                checked_at: page.checked_at,
                outcome: page.outcome,
                detail: page.detail,
            };
            page.document_id.map(|id| (id, check))
        })
        .collect()
}

/// An assistant's documents as views, oldest first, with their semantic
/// indexing progress when semantic search is on.
pub async fn views_of(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
) -> sqlx::Result<Vec<DocumentView>> {
    let rows = db.documents_of(assistant_id).await?;
    let progress = semantic_progress(db, semantic, assistant_id).await?;
    let mut checks = web_checks(db.web_pages_of_assistant(assistant_id).await?);
    Ok(rows
        .into_iter()
        .map(|row| {
            let semantic = progress.as_ref().map(|p| progress_of(p, row.id));
            let web = checks.remove(&row.id);
            DocumentView {
                web,
                ..to_view(row, semantic)
            }
        })
        .collect())
}

/// The documents of every assistant of a workspace as views, by assistant
/// id, oldest first: one query for all of them, however many assistants.
pub async fn views_of_workspace(
    db: &Db,
    semantic: Option<&Semantic>,
    workspace_id: i64,
) -> sqlx::Result<HashMap<i64, Vec<DocumentView>>> {
    let (rows, pages, progress) = tokio::try_join!(
        db.documents_of_workspace(workspace_id),
        db.web_pages_of_workspace(workspace_id),
        async {
            match semantic {
                Some(_) => Ok(Some(db.semantic_progress_of_workspace(workspace_id).await?)),
                None => Ok(None),
            }
        }
    )?;
    let progress: Option<HashMap<i64, SemanticProgressView>> = progress.map(|all| {
        all.into_iter()
            .map(|p| {
                let view = SemanticProgressView {
                    done: p.done,
                    total: p.total,
                };
                (p.document_id, view)
            })
            .collect()
    });
    let mut checks = web_checks(pages);
    let mut views: HashMap<i64, Vec<DocumentView>> = HashMap::new();
    for row in rows {
        let web = checks.remove(&row.id);
        let semantic = progress.as_ref().map(|p| {
            p.get(&row.id)
                .copied()
                .unwrap_or(SemanticProgressView { done: 0, total: 0 })
        });
        views
            .entry(row.assistant_id)
            .or_default()
            .push(DocumentView {
                web,
                ..to_view(row, semantic)
            });
    }
    Ok(views)
}

/// One document as a view, with its semantic indexing progress.
pub async fn view_of(
    db: &Db,
    semantic: Option<&Semantic>,
    row: DocumentRow,
) -> sqlx::Result<DocumentView> {
    let progress = semantic_progress(db, semantic, row.assistant_id).await?;
    let semantic = progress.as_ref().map(|p| progress_of(p, row.id));
    let mut checks = web_checks(db.web_pages_of_assistant(row.assistant_id).await?);
    Ok(DocumentView {
        web: checks.remove(&row.id),
        ..to_view(row, semantic)
    })
}

/// Semantic indexing progress, when semantic search is on.
async fn semantic_progress(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
) -> sqlx::Result<Option<Vec<SemanticProgress>>> {
    match semantic {
        Some(_) => Ok(Some(db.semantic_progress(assistant_id).await?)),
        None => Ok(None),
    }
}

fn progress_of(progress: &[SemanticProgress], document_id: i64) -> SemanticProgressView {
    progress
        .iter()
        .find(|p| p.document_id == document_id)
        .map_or(SemanticProgressView { done: 0, total: 0 }, |p| {
            SemanticProgressView {
                done: p.done,
                total: p.total,
            }
        })
}

/// Checks every file, then stores and queues them. A file the assistant
/// already has (same bytes) is not added again.
pub async fn add_files(
    db: &Db,
    files: &FileStore,
    jobs: &JobQueue,
    assistant_id: i64,
    incoming: Vec<IncomingFile>,
) -> Result<Vec<DocumentRow>, UploadError> {
    let mut accepted = Vec::with_capacity(incoming.len());
    for file in incoming {
        if file.bytes.is_empty() {
            return Err(UploadError::Empty(file.name));
        }
        let format = detect::detect(&file.bytes, &file.name, file.declared_type.as_deref())
            .ok_or_else(|| UploadError::Unsupported(file.name.clone()))?;
        accepted.push((file, format));
    }
    // Every file is stored before any is recorded: when the store fails
    // part-way, the ones stored so far are removed again (unless another
    // document uses them) and no document is added.
    let mut stored = Vec::with_capacity(accepted.len());
    for (file, format) in accepted {
        match files.put(&file.bytes).await {
            Ok(sha256) => stored.push((file, format, sha256)),
            Err(error) => {
                for (_, _, sha256) in &stored {
                    forget_file(db, files, sha256).await?;
                }
                return Err(UploadError::Storage(error));
            }
        }
    }
    let mut added = Vec::new();
    for (file, format, sha256) in stored {
        let new = NewDocument {
            name: &file.name,
            content_type: format.content_type(),
            size: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            sha256: &sha256,
        };
        if let Some(row) = db.insert_document(assistant_id, &new).await? {
            added.push(row);
        }
    }
    if !added.is_empty() {
        jobs.notify();
    }
    Ok(added)
}

/// Deletes a document, its passages, and its file when nothing else uses it.
pub async fn delete_document(
    db: &Db,
    files: &FileStore,
    document: &DocumentRow,
) -> sqlx::Result<bool> {
    let deleted = db
        .delete_document(document.assistant_id, document.id)
        .await?;
    if deleted {
        forget_file(db, files, &document.sha256).await?;
    }
    Ok(deleted)
}

/// Removes a stored file no document uses any more.
pub async fn forget_file(db: &Db, files: &FileStore, sha256: &str) -> sqlx::Result<()> {
    if !db.file_in_use(sha256).await?
        && let Err(error) = files.remove(sha256).await
    {
        tracing::warn!(%error, "could not remove an unused file");
    }
    Ok(())
}

/// A correction of a document's metadata: a field given replaces its value
/// (an empty one makes it unknown); a field not given stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataChange {
    pub company: Option<String>,
    pub kind: Option<String>,
    pub period: Option<String>,
    pub title: Option<String>,
}

/// Why a document's metadata cannot be corrected.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("invalid values")]
    Invalid(FieldErrors),
    #[error(
        "This document is still being read (or could not be read); its details can be corrected once it is ready."
    )]
    NotReady,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// `current` with `change` applied, or the messages of the fields refused
/// (longer than [`MAX_VALUE_CHARS`] characters, or holding control
/// characters).
pub fn corrected(
    current: DocumentMetadata,
    change: MetadataChange,
) -> Result<DocumentMetadata, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut pick = |field: &str, old: Option<String>, new: Option<String>| match new {
        None => old,
        Some(value) => {
            let value = value.trim();
            if value.chars().count() > MAX_VALUE_CHARS {
                errors.entry(field.to_owned()).or_default().push(format!(
                    "Ensure this field has no more than {MAX_VALUE_CHARS} characters."
                ));
                old
            } else if value.chars().any(char::is_control) {
                errors
                    .entry(field.to_owned())
                    .or_default()
                    .push("Control characters are not allowed.".to_owned());
                old
            } else {
                (!value.is_empty()).then(|| value.to_owned())
            }
        }
    };
    let metadata = DocumentMetadata {
        company: pick("company", current.company, change.company),
        kind: pick("kind", current.kind, change.kind),
        period: pick("period", current.period, change.period),
        title: pick("title", current.title, change.title),
    };
    if errors.is_empty() {
        Ok(metadata.cleaned())
    } else {
        Err(errors)
    }
}

/// Corrects a ready document's metadata; its passages are indexed again
/// with it (keywords at once, vectors in the background). Returns the
/// document as stored.
pub async fn correct_metadata(
    db: &Db,
    document: &DocumentRow,
    change: MetadataChange,
) -> Result<DocumentRow, CorrectionError> {
    let metadata = corrected(document.metadata(), change).map_err(CorrectionError::Invalid)?;
    if document.status != "ready" {
        return Err(CorrectionError::NotReady);
    }
    if metadata != document.metadata() {
        let company = db
            .assistant_by_id(document.assistant_id)
            .await?
            .map(|assistant| assistant.company_name)
            .unwrap_or_default();
        let about = metadata.context(&company);
        let indexed: Vec<(i64, KeywordEntry)> = db
            .passages_of_document(document.id)
            .await?
            .into_iter()
            .map(|(id, heading, text)| {
                let passage = Passage {
                    page: None,
                    heading,
                    text,
                };
                (
                    id,
                    keyword_entry(keyword_text(&document.name, &about, &passage)),
                )
            })
            .collect();
        db.set_document_metadata(document, &metadata, &indexed)
            .await?;
    }
    Ok(db
        .document_of(document.assistant_id, document.id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?)
}
