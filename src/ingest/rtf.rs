//! Rich Text Format (.rtf): the text of the document body, read by a small
//! tokenizer over RTF's groups and control words. Tables, fonts, styles,
//! pictures, embedded objects and other destinations are skipped; field
//! results (a link's text) are kept. A paragraph with an outline level is a
//! heading; table cells are joined by ` | `; explicit page breaks
//! (`\page`) number the pages, as in a Word document.

use super::page::{Block, ExtractError, MAX_NESTING, Page, normalize, pages_between_breaks};

/// Destinations whose text is not the document's.
const SKIPPED: [&str; 36] = [
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "footnote",
    "fldinst",
    "themedata",
    "datastore",
    "xmlnstbl",
    "generator",
    "rsidtbl",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "pgdsctbl",
    "mmathPr",
    "filetbl",
    "revtbl",
    "bkmkstart",
    "bkmkend",
    "listtext",
    "pntext",
    "pntxtb",
    "pntxta",
    "private",
    "shppict",
];

/// The pages of an RTF document.
pub fn rtf_pages(bytes: &[u8]) -> Result<Vec<Page>, ExtractError> {
    if !bytes.starts_with(b"{\\rtf") {
        return Err(ExtractError::Unreadable(
            "RTF document",
            "it does not start with {\\rtf".into(),
        ));
    }
    let mut reader = Reader::new(bytes);
    reader.run()?;
    Ok(reader.finish())
}

/// The state of one group: whether its text is skipped, and how many
/// fallback characters follow a `\u` in it.
#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    fallback: usize,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    groups: Vec<Group>,
    encoding: &'static encoding_rs::Encoding,
    /// Bytes of `\'hh` escapes waiting to be decoded together.
    pending: Vec<u8>,
    text: String,
    heading: bool,
    cells: Vec<String>,
    pages: Vec<Vec<Block>>,
    /// Fallback characters still to skip after a `\u`.
    skip_chars: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            groups: vec![Group {
                skip: false,
                fallback: 1,
            }],
            encoding: encoding_rs::WINDOWS_1252,
            pending: Vec::new(),
            text: String::new(),
            heading: false,
            cells: Vec::new(),
            pages: vec![Vec::new()],
            skip_chars: 0,
        }
    }

    fn group(&self) -> Group {
        self.groups.last().copied().unwrap_or(Group {
            skip: true,
            fallback: 1,
        })
    }

    fn run(&mut self) -> Result<(), ExtractError> {
        while self.at < self.bytes.len() {
            let byte = self.bytes[self.at];
            match byte {
                b'{' => {
                    self.flush_bytes();
                    if self.groups.len() > MAX_NESTING {
                        return Err(ExtractError::TooDeep);
                    }
                    let mut group = self.group();
                    // `{\*\dest …}`: a destination a reader may ignore.
                    if self.bytes[self.at + 1..].starts_with(b"\\*") {
                        group.skip = true;
                    }
                    self.groups.push(group);
                    self.at += 1;
                }
                b'}' => {
                    self.flush_bytes();
                    self.groups.pop();
                    self.at += 1;
                    if self.groups.is_empty() {
                        break;
                    }
                }
                b'\\' => self.control()?,
                b'\r' | b'\n' => self.at += 1,
                _ => {
                    self.at += 1;
                    if self.skip_chars > 0 {
                        self.skip_chars -= 1;
                    } else if !self.group().skip {
                        self.pending.push(byte);
                    }
                }
            }
        }
        self.flush_bytes();
        self.end_paragraph();
        Ok(())
    }

    /// A control word or symbol at `self.at` (a backslash).
    fn control(&mut self) -> Result<(), ExtractError> {
        let start = self.at + 1;
        let Some(&first) = self.bytes.get(start) else {
            self.at = start;
            return Ok(());
        };
        if !first.is_ascii_alphabetic() {
            self.at = start + 1;
            match first {
                b'\'' => {
                    let hex = self.bytes.get(start + 1..start + 3).unwrap_or_default();
                    self.at = start + 1 + hex.len();
                    if let Some(byte) = std::str::from_utf8(hex)
                        .ok()
                        .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    {
                        if self.skip_chars > 0 {
                            self.skip_chars -= 1;
                        } else if !self.group().skip {
                            self.pending.push(byte);
                        }
                    }
                }
                b'~' => self.push_char('\u{a0}'),
                b'_' => self.push_char('-'),
                b'{' | b'}' | b'\\' => self.push_char(char::from(first)),
                b'\r' | b'\n' => self.end_paragraph(),
                _ => {} // `\-`, `\*` and the like
            }
            return Ok(());
        }
        let name_end = start
            + self.bytes[start..]
                .iter()
                .take(32)
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
        let word = std::str::from_utf8(&self.bytes[start..name_end]).unwrap_or_default();
        let mut end = name_end;
        if self.bytes.get(end) == Some(&b'-') {
            end += 1;
        }
        end += self.bytes[end..]
            .iter()
            .take(10)
            .take_while(|b| b.is_ascii_digit())
            .count();
        let parameter: Option<i64> = std::str::from_utf8(&self.bytes[name_end..end])
            .ok()
            .and_then(|digits| digits.parse().ok());
        if self.bytes.get(end) == Some(&b' ') {
            end += 1;
        }
        self.at = end;
        self.word(word, parameter);
        Ok(())
    }

    fn word(&mut self, word: &str, parameter: Option<i64>) {
        if SKIPPED.contains(&word) {
            if let Some(group) = self.groups.last_mut() {
                group.skip = true;
            }
            return;
        }
        if self.group().skip {
            return;
        }
        match word {
            "ansicpg" => {
                if let Some(encoding) = parameter
                    .and_then(|page| u16::try_from(page).ok())
                    .and_then(codepage::to_encoding)
                {
                    self.encoding = encoding;
                }
            }
            "uc" => {
                if let Some(group) = self.groups.last_mut() {
                    group.fallback = usize::try_from(parameter.unwrap_or(1)).unwrap_or(1).min(10);
                }
            }
            "u" => {
                self.flush_bytes();
                let code = parameter.unwrap_or(0);
                // Negative values are code units above 32767.
                let unit = if code < 0 { code + 65_536 } else { code };
                if let Some(c) = u32::try_from(unit).ok().and_then(char::from_u32) {
                    self.text.push(c);
                }
                self.skip_chars = self.group().fallback;
            }
            "par" | "line" | "sect" => self.end_paragraph(),
            "pard" => self.heading = false,
            "outlinelevel" => self.heading = true,
            "page" => {
                self.end_paragraph();
                self.pages.push(Vec::new());
            }
            "tab" => self.push_char(' '),
            "cell" => {
                self.flush_bytes();
                let cell = normalize(&std::mem::take(&mut self.text));
                self.cells.push(cell);
            }
            "row" => {
                self.flush_bytes();
                let cells: Vec<String> = std::mem::take(&mut self.cells)
                    .into_iter()
                    .filter(|cell| !cell.is_empty())
                    .collect();
                if !cells.is_empty() {
                    self.push_block(Block::Paragraph(cells.join(" | ")));
                }
            }
            "emdash" => self.push_char('—'),
            "endash" => self.push_char('–'),
            "bullet" => self.push_char('•'),
            "lquote" => self.push_char('‘'),
            "rquote" => self.push_char('’'),
            "ldblquote" => self.push_char('“'),
            "rdblquote" => self.push_char('”'),
            _ => {}
        }
    }

    fn push_char(&mut self, c: char) {
        self.flush_bytes();
        if !self.group().skip {
            self.text.push(c);
        }
    }

    /// Decodes the bytes gathered so far in the document's code page.
    fn flush_bytes(&mut self) {
        if !self.pending.is_empty() {
            let (decoded, _, _) = self.encoding.decode(&self.pending);
            self.text.push_str(&decoded);
            self.pending.clear();
        }
    }

    fn end_paragraph(&mut self) {
        self.flush_bytes();
        let text = normalize(&std::mem::take(&mut self.text));
        if text.is_empty() {
            return;
        }
        let block = if self.heading {
            Block::Heading(text)
        } else {
            Block::Paragraph(text)
        };
        self.push_block(block);
    }

    fn push_block(&mut self, block: Block) {
        if let Some(page) = self.pages.last_mut() {
            page.push(block);
        }
    }

    fn finish(self) -> Vec<Page> {
        let has_breaks = self.pages.len() > 1;
        pages_between_breaks(self.pages, has_breaks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_text_with_headings_tables_and_accents() {
        let rtf = br#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}{\*\generator Writer;}
{\info{\title Secret title}}\pard\outlinelevel0\b Payment terms\b0\par
\pard Invoices are due within 30 days \'96 caf\'e9 \u8364?5.\par
\trowd\cellx1000\cellx2000 Term\cell 36 months\cell\row
{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt see the annex}}\par
\page Second page.\par}"#;
        let pages = rtf_pages(rtf).unwrap();
        assert_eq!(
            pages,
            vec![
                Page {
                    number: Some(1),
                    blocks: vec![
                        Block::Heading("Payment terms".into()),
                        Block::Paragraph("Invoices are due within 30 days – café €5.".into()),
                        Block::Paragraph("Term | 36 months".into()),
                        Block::Paragraph("see the annex".into()),
                    ]
                },
                Page {
                    number: Some(2),
                    blocks: vec![Block::Paragraph("Second page.".into())]
                },
            ]
        );
    }

    #[test]
    fn deep_or_broken_rtf_is_an_error_or_text_never_a_panic() {
        let deep = format!("{{\\rtf1 {}", "{".repeat(MAX_NESTING + 5));
        assert!(matches!(
            rtf_pages(deep.as_bytes()),
            Err(ExtractError::TooDeep)
        ));
        for broken in [
            &b"{\\rtf"[..],
            b"{\\rtf1 \\",
            b"{\\rtf1 \\'",
            b"{\\rtf1 \\u",
            b"{\\rtf1 }}}}",
            b"{\\rtf1 \\u-99999999999 x",
        ] {
            assert!(rtf_pages(broken).is_ok());
        }
        assert!(rtf_pages(b"plain").is_err());
    }
}
