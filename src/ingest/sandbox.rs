//! Documents are read in a process of their own: the server runs its own
//! binary's hidden `extract` command, hands it the file on standard input
//! and reads its passages back as JSON lines. The child limits the memory
//! it may allocate and its CPU time before it reads anything, and the server kills
//! it at the wall-time limit; a stack overflow, a panic, running out of
//! memory or a hang in any parser (ours or a crate's) ends only the child.
//!
//! The protocol: standard input holds one JSON line ([`Request`]) and then
//! the file's bytes; standard output carries one [`Line`] per line, ending
//! with `Finished` or `Failed`.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::detect::Format;
use super::email::{Attachment, MAX_ATTACHMENTS, read_email};
use super::extract::{Progress, extract, pdf_blocks};
use super::metadata::{DocumentMetadata, read_metadata};
use super::ocr::{MAX_OCR_PAGES, OcrReport, OcrTools, read_scanned_pages};
use crate::db::documents::NewChunk;
use crate::search::index::chunks_for_index;

/// The most passages one document may have.
pub const MAX_PASSAGES: usize = 50_000;
/// The longest line the child may write (a passage with its context).
const MAX_LINE_BYTES: u64 = 256 * 1024;
/// The time a document may take is stretched by this much for each
/// scanned page it has to read by OCR.
pub const OCR_TIME_PER_PAGE: Duration = Duration::from_secs(20);
/// The most an e-mail's attachments may hold together.
const MAX_ATTACHMENT_BYTES: usize = 64 * 1024 * 1024;
/// The bytes of an attachment sent per line (within [`MAX_LINE_BYTES`]
/// once in base64).
const ATTACHMENT_PIECE_BYTES: usize = 96 * 1024;
/// How much of the child's standard error is kept to tell why it stopped.
const STDERR_KEPT_BYTES: usize = 16 * 1024;

/// The limits the child sets on itself (`aiconvokit extract`).
#[derive(Debug, Clone, clap::Args)]
pub struct ChildLimits {
    /// Memory limit (what it allocates), in megabytes.
    #[arg(long)]
    pub memory_mb: u64,
    /// CPU-time limit, in seconds.
    #[arg(long)]
    pub cpu_secs: u64,
}

/// What the child is asked to read.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    content_type: String,
    name: String,
    company: String,
    /// Tesseract's codes for the scanned pages' languages, joined by `+`.
    ocr_languages: String,
    /// The OCR programs.
    ocr_tools: OcrTools,
}

/// One line of the child's output.
#[derive(Debug, Serialize, Deserialize)]
enum Line {
    /// Pages found so far / pages read so far, and the scanned pages to
    /// read by OCR / read so far.
    Pages {
        total: u32,
        done: u32,
        ocr_total: u32,
        ocr_done: u32,
    },
    /// A passage, ready for the index.
    Chunk {
        page: Option<i64>,
        heading: String,
        text: String,
        indexed: String,
    },
    /// A piece of an attachment (an e-mail's), to become a document of its
    /// own: its name and bytes (base64), `more` until its last piece.
    Attachment {
        name: String,
        data: String,
        more: bool,
    },
    /// The document was read: its page counts and what it is.
    Finished {
        pages: i64,
        empty_pages: i64,
        ocr_pages: i64,
        notice: Option<String>,
        metadata: DocumentMetadata,
    },
    /// The document cannot be read: a sentence for its owner.
    Failed(String),
}

/// The scanned pages the server waits for, at most.
const MAX_OCR_PAGES_U32: u32 = MAX_OCR_PAGES as u32;

/// A document to read, and what it is read with.
#[derive(Debug, Clone, Copy)]
pub struct ToRead<'a> {
    pub content_type: &'a str,
    pub name: &'a str,
    /// The assistant's company, a hint for the document's metadata.
    pub company: &'a str,
    /// The assistant's OCR languages (Tesseract's codes joined by `+`).
    pub ocr_languages: &'a str,
}

/// How the server runs the child.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The program with the `extract` command.
    pub program: PathBuf,
    pub memory_mb: u64,
    pub timeout: Duration,
    /// The programs scanned pages are read with.
    pub ocr_tools: OcrTools,
}

/// A document read by the child.
#[derive(Debug)]
pub struct Extracted {
    pub chunks: Vec<NewChunk>,
    pub pages: i64,
    pub empty_pages: i64,
    /// Pages whose text was read by OCR.
    pub ocr_pages: i64,
    /// Something its owner should know (scanned pages left unread).
    pub notice: Option<String>,
    pub metadata: DocumentMetadata,
    /// Files it carries that become documents of their own (an e-mail's
    /// attachments).
    pub attachments: Vec<Attachment>,
}

/// What reading one document cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadCost {
    /// The child's peak resident memory, in kilobytes (sampled).
    pub peak_memory_kb: u64,
    /// From start to the child's exit.
    pub elapsed: Duration,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The document's fault: said to its owner as it is.
    #[error("{0}")]
    Unreadable(String),
    /// Ours (the child could not be started, its output was garbled): logged.
    #[error("the document reader failed: {0}")]
    Internal(String),
}

impl Sandbox {
    /// A sandbox running `program` (this binary by default).
    pub fn new(program: Option<PathBuf>, memory_mb: u64, timeout: Duration) -> Self {
        let program = program
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("aiconvokit"));
        Self {
            program,
            memory_mb,
            timeout,
            ocr_tools: OcrTools::default(),
        }
    }

    /// Reads `bytes` (of `content_type`) in a child process, reporting
    /// pages into `progress`. Returns once the child is gone, with what it
    /// cost.
    pub async fn read(
        &self,
        document: &ToRead<'_>,
        bytes: Vec<u8>,
        progress: &Progress,
    ) -> (Result<Extracted, SandboxError>, ReadCost) {
        let started = std::time::Instant::now();
        let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let outcome = self.read_in_child(document, bytes, progress, &peak).await;
        let cost = ReadCost {
            peak_memory_kb: peak.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
        };
        (outcome, cost)
    }

    async fn read_in_child(
        &self,
        document: &ToRead<'_>,
        bytes: Vec<u8>,
        progress: &Progress,
        peak: &Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<Extracted, SandboxError> {
        let mut child = tokio::process::Command::new(&self.program)
            .arg("extract")
            .arg("--memory-mb")
            .arg(self.memory_mb.to_string())
            .arg("--cpu-secs")
            .arg(self.timeout.as_secs().max(1).to_string())
            // The child needs nothing of the server's environment (its
            // secrets least of all); mimalloc must not reserve a 1 GB
            // arena up front, which would use up the whole allowance.
            .env_clear()
            .env("MIMALLOC_ARENA_RESERVE", "0")
            // Where the OCR tools are, and Tesseract's data when the
            // operator moved it.
            .envs(
                ["PATH", "TESSDATA_PREFIX", "TMPDIR"]
                    .into_iter()
                    .filter_map(|name| std::env::var_os(name).map(|value| (name, value))),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                SandboxError::Internal(format!("cannot start {}: {e}", self.program.display()))
            })?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(SandboxError::Internal("the child has no pipes".into()));
        };
        let request = serde_json::to_vec(&Request {
            content_type: document.content_type.to_owned(),
            name: document.name.to_owned(),
            company: document.company.to_owned(),
            ocr_languages: document.ocr_languages.to_owned(),
            ocr_tools: self.ocr_tools.clone(),
        })
        .map_err(|e| SandboxError::Internal(e.to_string()))?;
        // A child that stops reading (it failed early) makes the write
        // fail: that is no error of ours, its exit tells why.
        let feeding = tokio::spawn(async move {
            let _ = stdin.write_all(&request).await;
            let _ = stdin.write_all(b"\n").await;
            let _ = stdin.write_all(&bytes).await;
            let _ = stdin.shutdown().await;
        });
        let errors = tokio::spawn(keep_tail(stderr));
        let sampling = child
            .id()
            .map(|pid| tokio::spawn(sample_peak_memory(pid, peak.clone())));
        let _stop_sampling = AbortOnDrop(sampling);
        let started = tokio::time::Instant::now();
        // Scanned pages to read stretch the time allowed.
        let deadline = || {
            let ocr_pages = progress.ocr_total.load(Ordering::Relaxed);
            started + self.timeout + OCR_TIME_PER_PAGE * ocr_pages
        };
        let reading = read_lines(BufReader::new(stdout), progress);
        tokio::pin!(reading);
        let outcome = loop {
            tokio::select! {
                outcome = &mut reading => break Some(outcome),
                () = tokio::time::sleep(Duration::from_millis(500)) => {
                    if tokio::time::Instant::now() >= deadline() {
                        break None;
                    }
                }
            }
        };
        feeding.abort();
        let outcome = match outcome {
            Some(outcome) => outcome,
            None => {
                let _ = child.kill().await;
                return Err(SandboxError::Unreadable(format!(
                    "This file could not be read: it took longer than {}.",
                    duration_words(self.timeout)
                )));
            }
        };
        if outcome.is_err() {
            // Too much output or a garbled line: stop it now.
            let _ = child.kill().await;
        }
        let status = match tokio::time::timeout_at(deadline(), child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => return Err(SandboxError::Internal(e.to_string())),
            Err(_) => {
                let _ = child.kill().await;
                return Err(SandboxError::Unreadable(format!(
                    "This file could not be read: it took longer than {}.",
                    duration_words(self.timeout)
                )));
            }
        };
        let stderr = errors.await.unwrap_or_default();
        match outcome {
            Ok(Some(Ending::Finished(extracted))) if status.success() => Ok(extracted),
            Ok(Some(Ending::Failed(sentence))) => Err(SandboxError::Unreadable(sentence)),
            Err(error) => Err(error),
            Ok(_) => Err(self.why_it_stopped(status, &stderr)),
        }
    }

    /// The sentence for a child that stopped without finishing.
    fn why_it_stopped(&self, status: ExitStatus, stderr: &str) -> SandboxError {
        use std::os::unix::process::ExitStatusExt;
        const SIGXCPU: i32 = 24;
        let sentence = if status.signal() == Some(SIGXCPU) {
            format!("it took longer than {}", duration_words(self.timeout))
        } else if stderr.contains("overflowed its stack") {
            "it is nested too deeply".to_owned()
        } else if stderr.contains("memory allocation of")
            || stderr.contains("unable to allocate")
            || stderr.contains("out of memory")
        {
            format!(
                "it needed more than {} of memory",
                megabytes_words(self.memory_mb)
            )
        } else {
            tracing::warn!(%status, stderr = %stderr.trim(), "the document reader stopped");
            "the reader stopped on it unexpectedly (the file may be damaged)".to_owned()
        };
        SandboxError::Unreadable(format!("This file could not be read: {sentence}."))
    }
}

/// How the child's output ended.
enum Ending {
    Finished(Extracted),
    Failed(String),
}

/// Reads the child's lines until it ends them; `None` when its output
/// stopped short (it died).
async fn read_lines(
    mut stdout: BufReader<tokio::process::ChildStdout>,
    progress: &Progress,
) -> Result<Option<Ending>, SandboxError> {
    let mut chunks = Vec::new();
    let mut attachments: Vec<Attachment> = Vec::new();
    let mut attachment_bytes = 0usize;
    let mut receiving: Option<Attachment> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut stdout)
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| SandboxError::Internal(e.to_string()))?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') {
            if read as u64 >= MAX_LINE_BYTES {
                return Err(SandboxError::Internal(
                    "a line of output is too long".into(),
                ));
            }
            // The child died in the middle of a line.
            return Ok(None);
        }
        let parsed: Line = serde_json::from_slice(&line)
            .map_err(|e| SandboxError::Internal(format!("garbled output: {e}")))?;
        match parsed {
            Line::Pages {
                total,
                done,
                ocr_total,
                ocr_done,
            } => {
                progress.pages_total.store(total, Ordering::Relaxed);
                progress.pages_done.store(done, Ordering::Relaxed);
                progress
                    .ocr_total
                    .store(ocr_total.min(MAX_OCR_PAGES_U32), Ordering::Relaxed);
                progress.ocr_done.store(ocr_done, Ordering::Relaxed);
            }
            Line::Chunk {
                page,
                heading,
                text,
                indexed,
            } => {
                if chunks.len() >= MAX_PASSAGES {
                    return Err(SandboxError::Unreadable(too_many_passages()));
                }
                chunks.push(NewChunk {
                    page,
                    heading,
                    text,
                    keyword: crate::search::index::keyword_entry(indexed),
                });
            }
            Line::Attachment { name, data, more } => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| SandboxError::Internal(format!("garbled attachment: {e}")))?;
                attachment_bytes += bytes.len();
                if attachment_bytes > MAX_ATTACHMENT_BYTES || attachments.len() >= MAX_ATTACHMENTS {
                    return Err(SandboxError::Unreadable(format!(
                        "Its attachments hold more than {} MB or are more than {MAX_ATTACHMENTS}.",
                        MAX_ATTACHMENT_BYTES / 1024 / 1024
                    )));
                }
                let piece = receiving.get_or_insert_with(|| Attachment {
                    name: name.chars().take(255).collect(),
                    bytes: Vec::new(),
                });
                piece.bytes.extend_from_slice(&bytes);
                if !more && let Some(done) = receiving.take() {
                    attachments.push(done);
                }
            }
            Line::Finished {
                pages,
                empty_pages,
                ocr_pages,
                notice,
                metadata,
            } => {
                return Ok(Some(Ending::Finished(Extracted {
                    chunks,
                    pages,
                    empty_pages,
                    ocr_pages,
                    notice: notice.map(|notice| notice.chars().take(500).collect()),
                    metadata: metadata.cleaned(),
                    attachments,
                })));
            }
            Line::Failed(sentence) => return Ok(Some(Ending::Failed(sentence))),
        }
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Keeps the child's peak resident memory (`VmHWM`) in `peak`, read every
/// 50 ms while it runs.
async fn sample_peak_memory(pid: u32, peak: Arc<std::sync::atomic::AtomicU64>) {
    let path = format!("/proc/{pid}/status");
    loop {
        let Ok(status) = tokio::fs::read_to_string(&path).await else {
            return;
        };
        if let Some(kb) = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
        {
            peak.fetch_max(kb, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last few kilobytes of the child's standard error.
async fn keep_tail(mut stderr: tokio::process::ChildStderr) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stderr.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > STDERR_KEPT_BYTES {
            kept.drain(..kept.len() - STDERR_KEPT_BYTES);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

fn too_many_passages() -> String {
    format!(
        "This file could not be read: it has more than {MAX_PASSAGES} passages of text. Split it into smaller documents."
    )
}

/// "5 minutes", "90 seconds", "1 minute".
pub fn duration_words(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        60 => "1 minute".to_owned(),
        s if s >= 120 && s % 60 == 0 => format!("{} minutes", s / 60),
        1 => "1 second".to_owned(),
        s => format!("{s} seconds"),
    }
}

/// "1 GB", "512 MB", "1.5 GB".
pub fn megabytes_words(megabytes: u64) -> String {
    if megabytes >= 1024 && megabytes.is_multiple_of(1024) {
        format!("{} GB", megabytes / 1024)
    } else if megabytes >= 1024 {
        format!("{:.1} GB", megabytes as f64 / 1024.0)
    } else {
        format!("{megabytes} MB")
    }
}

/// The child: sets its limits, reads the request and the file from
/// standard input, and writes pages, passages and the ending to standard
/// output. Never returns an error: a document it cannot read is a `Failed`
/// line; anything worse (a stack overflow, no memory) ends the process,
/// and the server tells why from its exit.
pub fn run_child(limits: &ChildLimits) -> std::process::ExitCode {
    let memory = limits.memory_mb.saturating_mul(1024 * 1024);
    // The data limit counts what the process allocates (heap and anonymous
    // mappings), not the binary's own mapped code, whose size varies.
    if let Err(error) = rlimit::setrlimit(rlimit::Resource::DATA, memory, memory) {
        eprintln!("extract: cannot limit memory: {error}");
        return std::process::ExitCode::FAILURE;
    }
    // SIGXCPU at the soft limit; the hard one (a little later) kills.
    if let Err(error) = rlimit::setrlimit(
        rlimit::Resource::CPU,
        limits.cpu_secs,
        limits.cpu_secs.saturating_add(5),
    ) {
        eprintln!("extract: cannot limit CPU time: {error}");
        return std::process::ExitCode::FAILURE;
    }
    // A server that dies (even by SIGKILL) leaves no reader behind.
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(1);
            }
        }
    });
    let mut input = std::io::stdin().lock();
    let mut header = Vec::new();
    if std::io::BufRead::read_until(&mut input, b'\n', &mut header).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    let Ok(request) = serde_json::from_slice::<Request>(&header) else {
        eprintln!("extract: the request line is not valid");
        return std::process::ExitCode::FAILURE;
    };
    let mut bytes = Vec::new();
    if input.read_to_end(&mut bytes).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    let output = std::sync::Mutex::new(BufWriter::new(std::io::stdout()));
    let send = |line: &Line| {
        if let Ok(mut output) = output.lock() {
            let written = serde_json::to_writer(&mut *output, line)
                .map_err(std::io::Error::from)
                .and_then(|()| output.write_all(b"\n"))
                .and_then(|()| match line {
                    // Progress is read as it comes.
                    Line::Pages { .. } => output.flush(),
                    _ => Ok(()),
                });
            if written.is_err() {
                // The server is gone: nothing left to do.
                std::process::exit(1);
            }
        }
    };
    let progress = Arc::new(Progress::default());
    let finished = read_document(&request, &bytes, &progress, &send);
    send(&finished);
    if let Ok(mut output) = output.lock()
        && output.flush().is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

/// Reads and cuts the document, sending its pages' progress and passages.
fn read_document(
    request: &Request,
    bytes: &[u8],
    progress: &Arc<Progress>,
    send: &(dyn Fn(&Line) + Sync),
) -> Line {
    let Some(format) = Format::from_content_type(&request.content_type) else {
        return Line::Failed(format!("Unsupported file type {}.", request.content_type));
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let pages = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut last = (u32::MAX, u32::MAX, u32::MAX);
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let now = (
                    progress.pages_total.load(Ordering::Relaxed),
                    progress.pages_done.load(Ordering::Relaxed),
                    progress.ocr_done.load(Ordering::Relaxed),
                );
                if now != last && now.0 > 0 {
                    send(&Line::Pages {
                        total: now.0,
                        done: now.1,
                        ocr_total: progress.ocr_total.load(Ordering::Relaxed),
                        ocr_done: now.2,
                    });
                    last = now;
                }
            }
        });
        let pages = extract(format, bytes, progress).map(|mut pages| {
            let report = if format == Format::Pdf {
                read_scanned_pages(
                    &request.ocr_tools,
                    bytes,
                    &mut pages,
                    &request.ocr_languages,
                    progress,
                    pdf_blocks,
                )
            } else {
                OcrReport::default()
            };
            (pages, report)
        });
        done.store(true, Ordering::Relaxed);
        pages
    });
    let (pages, ocr) = match pages {
        Ok(read) => read,
        Err(error) => return Line::Failed(format!("The file could not be read: {error}.")),
    };
    let total = i64::try_from(pages.len()).unwrap_or(i64::MAX);
    let empty = i64::try_from(pages.iter().filter(|p| p.blocks.is_empty()).count()).unwrap_or(0);
    send(&Line::Pages {
        total: u32::try_from(total).unwrap_or(u32::MAX),
        done: u32::try_from(total).unwrap_or(u32::MAX),
        ocr_total: progress.ocr_total.load(Ordering::Relaxed),
        ocr_done: progress.ocr_done.load(Ordering::Relaxed),
    });
    let metadata = read_metadata(&request.name, &pages);
    let chunks = chunks_for_index(&pages, &request.name, &request.company, &metadata);
    drop(pages);
    if chunks.len() > MAX_PASSAGES {
        return Line::Failed(too_many_passages());
    }
    if format == Format::Eml
        && let Ok((_, attachments)) = read_email(bytes)
    {
        use base64::Engine as _;
        for attachment in attachments {
            let pieces: Vec<&[u8]> = attachment.bytes.chunks(ATTACHMENT_PIECE_BYTES).collect();
            for (index, piece) in pieces.iter().enumerate() {
                send(&Line::Attachment {
                    name: attachment.name.clone(),
                    data: base64::engine::general_purpose::STANDARD.encode(piece),
                    more: index + 1 < pieces.len(),
                });
            }
        }
    }
    for chunk in chunks {
        send(&Line::Chunk {
            page: chunk.page,
            heading: chunk.heading,
            text: chunk.text,
            indexed: chunk.keyword.text,
        });
    }
    Line::Finished {
        pages: total,
        empty_pages: empty,
        ocr_pages: i64::from(ocr.pages),
        notice: ocr.notice,
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_said_in_words() {
        assert_eq!(duration_words(Duration::from_secs(300)), "5 minutes");
        assert_eq!(duration_words(Duration::from_secs(60)), "1 minute");
        assert_eq!(duration_words(Duration::from_secs(90)), "90 seconds");
        assert_eq!(duration_words(Duration::from_secs(3)), "3 seconds");
        assert_eq!(megabytes_words(1024), "1 GB");
        assert_eq!(megabytes_words(2048), "2 GB");
        assert_eq!(megabytes_words(512), "512 MB");
        assert_eq!(megabytes_words(1536), "1.5 GB");
    }

    #[test]
    fn lines_round_trip_as_json() {
        let line = Line::Chunk {
            page: Some(3),
            heading: "Cash".into(),
            text: "a\nb".into(),
            indexed: "x".into(),
        };
        let text = serde_json::to_string(&line).unwrap();
        assert!(!text.contains('\n'));
        assert!(matches!(
            serde_json::from_str::<Line>(&text).unwrap(),
            Line::Chunk { page: Some(3), .. }
        ));
    }
}
