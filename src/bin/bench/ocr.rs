//! OCR speed and accuracy on real pages: the first pages of a FinanceBench
//! filing are rendered to images (as a scanner would make them), wrapped
//! in a PDF without a text layer, and read back through the server's own
//! OCR step. Accuracy compares what OCR read with the filing's text layer.

use std::path::Path;
use std::time::Instant;

use aiconvokit::ingest::detect::Format;
use aiconvokit::ingest::extract::{Block, Page, Progress, extract};
use aiconvokit::ingest::ocr::{OcrTools, character_accuracy, read_scanned_pages, tools_installed};

/// Renders `pages` pages of `pdf` at `dpi` as a scanned PDF, times OCR on
/// it and prints pages per second and character accuracy.
pub fn print_speed(pdf_path: &Path, pages: u32, dpi: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        tools_installed(&OcrTools::default()),
        "OCR is not installed (tesseract-ocr, poppler-utils)"
    );
    let original = std::fs::read(pdf_path)?;
    let truth = extract(Format::Pdf, &original, &Progress::default())?;
    let folder = tempfile::tempdir()?;
    let mut document = oxidize_pdf::Document::new();
    for number in 1..=pages {
        let image = folder.path().join(format!("page{number}"));
        let status = std::process::Command::new("pdftoppm")
            .args(["-f", &number.to_string(), "-l", &number.to_string()])
            .args(["-r", &dpi.to_string(), "-jpeg", "-singlefile"])
            .arg(pdf_path)
            .arg(&image)
            .status()?;
        anyhow::ensure!(status.success(), "pdftoppm failed on page {number}");
        let jpeg = std::fs::read(image.with_extension("jpg"))?;
        let mut page = oxidize_pdf::Page::letter();
        page.add_image("scan", oxidize_pdf::Image::from_jpeg_data(jpeg)?);
        page.draw_image("scan", 0.0, 0.0, 612.0, 792.0)?;
        document.add_page(page);
    }
    let scanned = document.to_bytes()?;
    let mut read = extract(Format::Pdf, &scanned, &Progress::default())?;
    let started = Instant::now();
    let report = read_scanned_pages(
        &OcrTools::default(),
        &scanned,
        &mut read,
        "eng",
        &Progress::default(),
        |text| vec![Block::Paragraph(text.to_owned())],
    );
    let seconds = started.elapsed().as_secs_f64();
    let accuracy: Vec<f64> = truth
        .iter()
        .zip(&read)
        .take(pages as usize)
        .map(|(truth, read)| character_accuracy(&text_of(truth), &text_of(read)))
        .collect();
    let mean = accuracy.iter().sum::<f64>() / accuracy.len().max(1) as f64;
    println!(
        "OCR ({} pages of {}, rendered at {dpi} dpi): {} read in {seconds:.1} s = {:.2} pages/s, \
         character accuracy against the text layer {:.3} (lowest page {:.3})",
        pages,
        pdf_path.file_name().unwrap_or_default().to_string_lossy(),
        report.pages,
        f64::from(report.pages) / seconds,
        mean,
        accuracy.iter().copied().fold(f64::INFINITY, f64::min),
    );
    Ok(())
}

fn text_of(page: &Page) -> String {
    page.blocks
        .iter()
        .map(|block| match block {
            Block::Heading(text) | Block::Paragraph(text) => text.as_str(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
