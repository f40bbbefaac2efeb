//! Documents made in memory for tests (shared by the API tests and the
//! fuzz tests): nothing large is kept in the repository.
#![allow(dead_code)]

/// A PDF of `pages` pages, one line of text each, written directly (every
/// object, the cross-reference table and the trailer), so that thousands
/// of pages take milliseconds to make. `extra` is put in the catalog.
pub fn pdf_with_pages(pages: usize, extra: &str) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |out: &mut Vec<u8>, body: String| {
        offsets.push(out.len());
        let number = offsets.len();
        out.extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    };
    // 1 catalog, 2 page tree, 3 font, then page i at 4 + 2i and its content at 5 + 2i.
    object(
        &mut out,
        format!("<< /Type /Catalog /Pages 2 0 R {extra} >>"),
    );
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    object(
        &mut out,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        ),
    );
    object(
        &mut out,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    );
    for i in 0..pages {
        object(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            ),
        );
        let text = format!(
            "BT /F1 12 Tf 72 720 Td (Page {} revenue line {}) Tj ET",
            i + 1,
            i * 7
        );
        object(
            &mut out,
            format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        );
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for offset in &offsets {
        table.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

// Zipped documents of every format (Word, spreadsheets, presentations,
// OpenDocument, e-books), shared with the crate's unit tests.
#[path = "../../src/ingest/fixtures.rs"]
mod office;
pub use office::*;

pub const WORD: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;

pub fn docx(body: &str) -> Vec<u8> {
    let xml = format!("{WORD}{body}</w:body></w:document>");
    zip_of(&[("word/document.xml", xml.as_bytes())])
}
