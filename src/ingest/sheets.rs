//! Spreadsheets (.xlsx, .xls, .ods), read with calamine: each sheet is a
//! page, numbered in the workbook's order and headed by the sheet's name.
//! The first row with any value is taken as the column headers, and every
//! row after it is one paragraph that names its columns ("Region: North |
//! Revenue: 120"), so a row found alone still says what its values are.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::atomic::Ordering;

use calamine::{Data, DataRef, Reader, Xlsx};

use super::detect::Format;
use super::package::Package;
use super::page::Progress;
use super::page::{Block, ExtractError, MAX_TEXT_BYTES, Page};

/// What it is, as said to its owner.
const KIND: &str = "spreadsheet";
/// The most sheets read from one workbook.
pub const MAX_SHEETS: usize = 1_000;
/// The longest a cell's text is kept (a cell may hold up to 32,767
/// characters; a row of such cells would be one giant passage).
const MAX_CELL_CHARS: usize = 2_000;

/// The pages of a spreadsheet: one per sheet with any value.
pub fn spreadsheet_pages(
    format: Format,
    bytes: &[u8],
    progress: &Progress,
) -> Result<Vec<Page>, ExtractError> {
    let sheets = match format {
        Format::Xlsx => xlsx_sheets(bytes, progress)?,
        _ => ranged_sheets(format, bytes, progress)?,
    };
    Ok(sheets
        .into_iter()
        .zip(1..)
        .map(|((name, rows), number)| Page {
            number: Some(number),
            blocks: sheet_blocks(&name, rows),
        })
        .collect())
}

/// A sheet's rows of cell texts, in order, from its cells in any order.
type Rows = BTreeMap<u32, BTreeMap<u32, String>>;

/// Keeps the text of one cell, counting what the sheets hold so far.
struct Collector {
    text_bytes: usize,
}

impl Collector {
    fn add(
        &mut self,
        rows: &mut Rows,
        (row, column): (u32, u32),
        text: &str,
    ) -> Result<(), ExtractError> {
        let text = cell_text(text);
        if text.is_empty() {
            return Ok(());
        }
        self.text_bytes += text.len() + 2;
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(ExtractError::TooMuchText);
        }
        rows.entry(row).or_default().insert(column, text);
        Ok(())
    }
}

/// An .xlsx read cell by cell: a sheet that claims a huge range but holds
/// few values costs only its values.
fn xlsx_sheets(bytes: &[u8], progress: &Progress) -> Result<Vec<(String, Rows)>, ExtractError> {
    refuse_bombs(bytes)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = checked(workbook.sheet_names())?;
    progress
        .pages_total
        .store(count(names.len()), Ordering::Relaxed);
    let mut collector = Collector { text_bytes: 0 };
    let mut sheets = Vec::with_capacity(names.len());
    for (index, name) in names.into_iter().enumerate() {
        let mut rows = Rows::new();
        let mut cells = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
        while let Some(cell) = cells.next_cell().map_err(unreadable)? {
            let text = match cell.get_value() {
                DataRef::SharedString(text) => (*text).to_owned(),
                other => value_text(&Data::from(other.clone())),
            };
            collector.add(&mut rows, cell.get_position(), &text)?;
        }
        sheets.push((name, rows));
        progress
            .pages_done
            .store(count(index + 1), Ordering::Relaxed);
    }
    Ok(sheets)
}

/// An .xls or .ods, read a sheet at a time.
fn ranged_sheets(
    format: Format,
    bytes: &[u8],
    progress: &Progress,
) -> Result<Vec<(String, Rows)>, ExtractError> {
    if format == Format::Ods {
        refuse_bombs(bytes)?;
    }
    let mut workbook: calamine::Sheets<_> = match format {
        Format::Ods => {
            calamine::Sheets::Ods(calamine::Ods::new(Cursor::new(bytes)).map_err(unreadable)?)
        }
        _ => calamine::Sheets::Xls(calamine::Xls::new(Cursor::new(bytes)).map_err(unreadable)?),
    };
    let names = checked(workbook.sheet_names())?;
    progress
        .pages_total
        .store(count(names.len()), Ordering::Relaxed);
    let mut collector = Collector { text_bytes: 0 };
    let mut sheets = Vec::with_capacity(names.len());
    for (index, name) in names.into_iter().enumerate() {
        let range = workbook.worksheet_range(&name).map_err(unreadable)?;
        let mut rows = Rows::new();
        for (row, column, value) in range.used_cells() {
            let (top, left) = range.start().unwrap_or_default();
            let position = (
                top.saturating_add(u32::try_from(row).unwrap_or(u32::MAX)),
                left.saturating_add(u32::try_from(column).unwrap_or(u32::MAX)),
            );
            collector.add(&mut rows, position, &value_text(value))?;
        }
        sheets.push((name, rows));
        progress
            .pages_done
            .store(count(index + 1), Ordering::Relaxed);
    }
    Ok(sheets)
}

/// Zipped workbooks that claim to expand past the budget are refused
/// before calamine inflates them.
fn refuse_bombs(bytes: &[u8]) -> Result<(), ExtractError> {
    let mut package = Package::open(bytes, KIND)?;
    if package.declared_size() > super::page::MAX_DOCUMENT_XML_BYTES {
        return Err(ExtractError::Expands(KIND));
    }
    Ok(())
}

/// The sheets' names, refused when there are too many.
fn checked(names: Vec<String>) -> Result<Vec<String>, ExtractError> {
    if names.len() > MAX_SHEETS {
        return Err(ExtractError::Unreadable(
            KIND,
            format!("it has more than {MAX_SHEETS} sheets"),
        ));
    }
    Ok(names)
}

fn unreadable(error: impl std::fmt::Display) -> ExtractError {
    let message = error.to_string();
    if message.contains("Cell limit exceeded") {
        // calamine refuses sheets claiming more than 100 million cells.
        return ExtractError::Unreadable(KIND, "a sheet claims more than 100 million cells".into());
    }
    ExtractError::Unreadable(KIND, message.chars().take(200).collect())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A cell's value as it reads: whole numbers without a decimal point,
/// dates as ISO dates.
fn value_text(value: &Data) -> String {
    match value {
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{number:.0}")
        }
        Data::DateTime(date) => match date.as_datetime() {
            Some(moment) if moment.time() == chrono::NaiveTime::MIN => {
                moment.date().format("%Y-%m-%d").to_string()
            }
            Some(moment) => moment.format("%Y-%m-%d %H:%M").to_string(),
            None => date.to_string(),
        },
        Data::Error(_) | Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Whitespace collapsed, cut at [`MAX_CELL_CHARS`].
fn cell_text(text: &str) -> String {
    let mut kept = String::new();
    for word in text.split_whitespace() {
        if kept.len() + word.len() > MAX_CELL_CHARS {
            break;
        }
        if !kept.is_empty() {
            kept.push(' ');
        }
        kept.push_str(word);
    }
    kept
}

/// The sheet's name as its heading, the header row, then each row naming
/// its columns. A column without a header is named by its letter.
fn sheet_blocks(name: &str, rows: Rows) -> Vec<Block> {
    let mut rows = rows.into_iter();
    let Some((_, headers)) = rows.next() else {
        return Vec::new();
    };
    let title = cell_text(name);
    let mut blocks = vec![
        Block::Heading(if title.is_empty() {
            "Sheet".into()
        } else {
            title
        }),
        Block::Paragraph(headers.values().cloned().collect::<Vec<_>>().join(" | ")),
    ];
    for (_, cells) in rows {
        let row = cells
            .iter()
            .map(|(column, value)| match headers.get(column) {
                Some(header) => format!("{header}: {value}"),
                None => format!("{}: {value}", column_letters(*column)),
            })
            .collect::<Vec<_>>()
            .join(" | ");
        blocks.push(Block::Paragraph(row));
    }
    blocks
}

/// A 0-based column index as a spreadsheet names it: 0 → A, 27 → AB.
fn column_letters(index: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(index) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fixtures::xlsx;

    #[test]
    fn each_sheet_is_a_page_and_rows_name_their_columns() {
        let book = xlsx(&[
            (
                "Revenue",
                &[
                    &["Region", "2023", "2024"],
                    &["North", "120", "135.5"],
                    &["South", "", "90"],
                ],
            ),
            ("Empty", &[]),
            ("Staff", &[&["Team", "People"], &["Sales", "12"]]),
        ]);
        let pages = spreadsheet_pages(Format::Xlsx, &book, &Progress::default()).unwrap();
        assert_eq!(pages.len(), 3, "every sheet keeps its page number");
        assert_eq!(pages[0].number, Some(1));
        assert_eq!(
            pages[0].blocks,
            vec![
                Block::Heading("Revenue".into()),
                Block::Paragraph("Region | 2023 | 2024".into()),
                Block::Paragraph("Region: North | 2023: 120 | 2024: 135.5".into()),
                Block::Paragraph("Region: South | 2024: 90".into()),
            ]
        );
        assert!(pages[1].blocks.is_empty());
        assert_eq!(pages[2].number, Some(3));
        assert_eq!(pages[2].blocks[0], Block::Heading("Staff".into()));
    }

    #[test]
    fn a_sheet_claiming_a_huge_range_costs_only_its_values() {
        let sheet = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData></worksheet>"#;
        let mut book = xlsx(&[("Wide", &[&["x"]])]);
        // Swap in the sheet above.
        let parts = [("xl/worksheets/sheet1.xml", sheet.as_bytes().to_vec())];
        book = replace_parts(&book, &parts);
        let pages = spreadsheet_pages(Format::Xlsx, &book, &Progress::default()).unwrap();
        assert_eq!(pages[0].blocks[2], Block::Paragraph("XFD: far away".into()));
    }

    #[test]
    fn columns_are_named_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn damaged_workbooks_are_errors_not_panics() {
        for bytes in [
            &b"PK\x03\x04 truncated"[..],
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not ole",
        ] {
            for format in [Format::Xlsx, Format::Xls, Format::Ods] {
                assert!(spreadsheet_pages(format, bytes, &Progress::default()).is_err());
            }
        }
    }

    /// The package with some parts replaced.
    fn replace_parts(zip: &[u8], replaced: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
        for index in 0..archive.len() {
            let mut part = archive.by_index(index).unwrap();
            let name = part.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            if let Some((_, new)) = replaced.iter().find(|(n, _)| *n == name) {
                bytes = new.clone();
            }
            parts.push((name, bytes));
        }
        let refs: Vec<(&str, &[u8])> = parts
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        crate::ingest::fixtures::zip_of(&refs)
    }
}
