//! Scanned pages read by OCR. A PDF page with no text layer (or almost
//! none) is rendered to an image by poppler's `pdftoppm` and read by
//! Tesseract, both from Debian's packages. They run as processes of the
//! document reader (the sandbox's child), so they inherit its memory and
//! CPU limits, and each page has a time limit of its own.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::page::Progress;
use super::page::{Block, Page};

/// A page with fewer letters and digits than this in its text layer is
/// taken as scanned and read by OCR.
pub const MIN_TEXT_CHARS: usize = 20;
/// The longest side of a page's image, in pixels: about 215 dpi on A4 (on
/// FinanceBench pages scanned at 200 dpi, faster and more accurate than
/// 3,500 pixels: 0.43 against 0.28 pages/s, 0.984 against 0.952), and a
/// bound on the memory a page with a giant media box could take.
pub const PAGE_PIXELS: u32 = 2500;
/// How long rendering and reading one page may take.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(120);
/// The most pages of one document read by OCR.
pub const MAX_OCR_PAGES: usize = 2_000;
/// The most pages read at once (each by a single-threaded Tesseract).
pub const MAX_WORKERS: usize = 4;
/// The OCR languages of a new assistant.
pub const DEFAULT_LANGUAGES: &str = "eng";
/// The most languages an assistant may choose.
pub const MAX_LANGUAGES: usize = 5;

/// The OCR programs, by name on the `PATH` or by path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OcrTools {
    pub tesseract: String,
    pub pdftoppm: String,
}

impl Default for OcrTools {
    fn default() -> Self {
        Self {
            tesseract: "tesseract".into(),
            pdftoppm: "pdftoppm".into(),
        }
    }
}

/// What OCR did for one document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OcrReport {
    /// Pages whose text came from OCR.
    pub pages: u32,
    /// Something for the owner to know (OCR not installed, pages it
    /// could not read).
    pub notice: Option<String>,
}

/// Whether the text layer of a page is too thin to be its text.
pub fn looks_scanned(page: &Page) -> bool {
    let chars: usize = page
        .blocks
        .iter()
        .map(|block| match block {
            Block::Heading(text) | Block::Paragraph(text) => {
                text.chars().filter(|c| c.is_alphanumeric()).count()
            }
        })
        .sum();
    chars < MIN_TEXT_CHARS
}

/// Reads the scanned pages of a PDF by OCR in `languages` (Tesseract's
/// codes joined by `+`), replacing their blocks with what was read, and
/// counting them in `progress`.
pub fn read_scanned_pages(
    tools: &OcrTools,
    pdf: &[u8],
    pages: &mut [Page],
    languages: &str,
    progress: &Progress,
    to_blocks: impl Fn(&str) -> Vec<Block>,
) -> OcrReport {
    let scanned: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, page)| looks_scanned(page))
        .map(|(index, _)| index)
        .collect();
    if scanned.is_empty() {
        return OcrReport::default();
    }
    if !tools_installed(tools) {
        return OcrReport {
            pages: 0,
            notice: Some(format!(
                "{} scanned {}: OCR is not installed on this server, so {} no text.",
                scanned.len(),
                if scanned.len() == 1 { "page" } else { "pages" },
                if scanned.len() == 1 {
                    "it has"
                } else {
                    "they have"
                },
            )),
        };
    }
    let Ok(folder) = tempfile::tempdir() else {
        return OcrReport {
            pages: 0,
            notice: Some("Scanned pages could not be read: no room for their images.".into()),
        };
    };
    let source = folder.path().join("document.pdf");
    if std::fs::write(&source, pdf).is_err() {
        return OcrReport {
            pages: 0,
            notice: Some("Scanned pages could not be read: no room for their images.".into()),
        };
    }
    let languages = checked_languages(languages);
    progress
        .ocr_total
        .store(count(scanned.len().min(MAX_OCR_PAGES)), Ordering::Relaxed);
    let mut report = OcrReport::default();
    let mut failed = 0usize;
    // Pages are read side by side, one Tesseract (one thread) each.
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, MAX_WORKERS);
    let todo: Vec<usize> = scanned.iter().copied().take(MAX_OCR_PAGES).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(usize, Result<String, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let (todo, next, source, languages) = (&todo, &next, &source, &languages);
                let own = folder.path().join(format!("worker{worker}"));
                scope.spawn(move || {
                    let mut read = Vec::new();
                    if std::fs::create_dir_all(&own).is_err() {
                        return read;
                    }
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = todo.get(at) else {
                            return read;
                        };
                        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                        read.push((index, read_page(tools, source, number, languages, &own)));
                        progress.ocr_done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    // Pages no worker reached (none could make its folder) count as failed.
    failed += todo.len().saturating_sub(results.len());
    for (index, result) in results {
        match result {
            Ok(text) => {
                let blocks = to_blocks(&text);
                if !blocks.is_empty() {
                    pages[index].blocks = blocks;
                    report.pages += 1;
                }
            }
            Err(why) => {
                tracing::debug!(page = index + 1, %why, "OCR failed");
                failed += 1;
            }
        }
    }
    let skipped = scanned.len().saturating_sub(MAX_OCR_PAGES);
    report.notice = match (failed, skipped) {
        (0, 0) => None,
        (failed, 0) => Some(format!(
            "{failed} scanned {} could not be read by OCR.",
            if failed == 1 { "page" } else { "pages" }
        )),
        (_, skipped) => Some(format!(
            "Only the first {MAX_OCR_PAGES} scanned pages were read by OCR; {skipped} more have no text."
        )),
    };
    report
}

/// Whether `pdftoppm` and `tesseract` can be run here.
pub fn tools_installed(tools: &OcrTools) -> bool {
    let runs = |program: &str, flag: &str| {
        Command::new(program)
            .arg(flag)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    runs(&tools.tesseract, "--version") && runs(&tools.pdftoppm, "-v")
}

/// The languages Tesseract can read on this server (its `osd` script
/// detector is not a language), sorted.
pub fn installed_languages(tools: &OcrTools) -> Vec<String> {
    let Ok(output) = Command::new(&tools.tesseract)
        .arg("--list-langs")
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    let mut languages: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|code| is_language_code(code) && *code != "osd")
        .map(str::to_owned)
        .collect();
    languages.sort();
    languages
}

/// Whether `code` has the shape of a Tesseract language code (`eng`,
/// `chi_sim`, `deu_latf`).
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('_');
    let base = parts.next().unwrap_or_default();
    base.len() == 3
        && base.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|part| {
            (2..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_lowercase())
        })
        && code.split('_').count() <= 2
}

/// `languages` with anything that is not a language code dropped (they
/// were checked when saved; this keeps a command line clean regardless).
fn checked_languages(languages: &str) -> String {
    let kept: Vec<&str> = languages
        .split('+')
        .filter(|code| is_language_code(code))
        .take(MAX_LANGUAGES)
        .collect();
    if kept.is_empty() {
        DEFAULT_LANGUAGES.to_owned()
    } else {
        kept.join("+")
    }
}

/// Renders page `number` of `pdf` and reads it.
fn read_page(
    tools: &OcrTools,
    pdf: &Path,
    number: u32,
    languages: &str,
    folder: &Path,
) -> Result<String, String> {
    let image = folder.join("page");
    let started = Instant::now();
    run_within(
        Command::new(&tools.pdftoppm)
            .args(["-f", &number.to_string(), "-l", &number.to_string()])
            .args([
                "-scale-to",
                &PAGE_PIXELS.to_string(),
                "-gray",
                "-png",
                "-singlefile",
            ])
            .arg(pdf)
            .arg(&image),
        PAGE_TIMEOUT,
    )?;
    let png = folder.join("page.png");
    let text = folder.join("text");
    let remaining = PAGE_TIMEOUT.saturating_sub(started.elapsed());
    run_within(
        Command::new(&tools.tesseract)
            .arg(&png)
            .arg(&text)
            .args(["-l", languages, "--psm", "3"])
            // One thread per page: the server has other work.
            .env("OMP_THREAD_LIMIT", "1"),
        remaining,
    )?;
    let read = std::fs::read_to_string(folder.join("text.txt")).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_file(folder.join("text.txt"));
    read
}

/// Runs a command to its end, killing it past `limit`.
fn run_within(command: &mut Command, limit: Duration) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("exited with {status}")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("took too long".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// How much of `truth` OCR got right: 1 − the edit distance between the
/// two (in characters, whitespace runs collapsed) / the truth's length.
pub fn character_accuracy(truth: &str, read: &str) -> f64 {
    let collapse = |text: &str| -> Vec<char> {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .collect()
    };
    let (truth, read) = (collapse(truth), collapse(read));
    if truth.is_empty() {
        return if read.is_empty() { 1.0 } else { 0.0 };
    }
    let mut previous: Vec<usize> = (0..=read.len()).collect();
    for (i, t) in truth.iter().enumerate() {
        let mut current = vec![i + 1; read.len() + 1];
        for (j, r) in read.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(t != r))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    (1.0 - previous[read.len()] as f64 / truth.len() as f64).max(0.0)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_text_layers_are_scanned_pages() {
        let page = |text: &str| Page {
            number: Some(1),
            blocks: vec![Block::Paragraph(text.into())],
        };
        assert!(looks_scanned(&Page {
            number: Some(1),
            blocks: vec![]
        }));
        assert!(looks_scanned(&page("- 12 -")));
        assert!(!looks_scanned(&page(
            "Revenue grew by 12% in 2023 over 2022."
        )));
    }

    #[test]
    fn accuracy_counts_edits_against_the_truth() {
        assert!((character_accuracy("Revenue 12%", "Revenue  12%") - 1.0).abs() < 1e-9);
        assert!((character_accuracy("abcd", "abed") - 0.75).abs() < 1e-9);
        assert!(character_accuracy("abc", "").abs() < 1e-9);
    }

    #[test]
    fn language_codes_are_checked() {
        for good in ["eng", "deu", "chi_sim", "deu_latf"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in [
            "", "en", "ENG", "eng;rm", "../x", "eng_", "a_b_c", "eng+deu", "-l",
        ] {
            assert!(!is_language_code(bad), "{bad}");
        }
        assert_eq!(checked_languages("eng+;rm -rf+deu"), "eng+deu");
        assert_eq!(checked_languages(""), "eng");
    }
}
