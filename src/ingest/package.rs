//! Office documents and e-books are zip packages of XML parts. A
//! [`Package`] reads their parts within one budget of decompressed bytes,
//! so that a zip bomb ends as an error rather than an exhausted machine,
//! and refuses XML nested deeper than the readers' walks allow.

use std::io::{Cursor, Read};

use super::markup::nests_too_deeply;
use super::page::{ExtractError, MAX_DOCUMENT_XML_BYTES};

/// The most parts a package may hold (a real one has tens to hundreds).
pub const MAX_PARTS: usize = 10_000;

/// An opened zip package of one kind of document.
pub struct Package<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// What it is, as said to its owner ("Word document", "spreadsheet"…).
    kind: &'static str,
    /// Decompressed bytes still allowed.
    budget: u64,
}

impl<'a> Package<'a> {
    /// Opens `bytes` as a zip package of `kind`.
    pub fn open(bytes: &'a [u8], kind: &'static str) -> Result<Self, ExtractError> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
            ExtractError::Unreadable(kind, format!("it is not a readable zip ({error})"))
        })?;
        if archive.len() > MAX_PARTS {
            return Err(ExtractError::Unreadable(
                kind,
                format!("it holds more than {MAX_PARTS} parts"),
            ));
        }
        Ok(Self {
            archive,
            kind,
            budget: MAX_DOCUMENT_XML_BYTES,
        })
    }

    /// What the package is, as said to its owner.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Whether the package holds a part of that name.
    pub fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// The sum of the sizes its parts declare once decompressed (a zip may
    /// lie about them: reading still stops at the budget).
    pub fn declared_size(&mut self) -> u64 {
        (0..self.archive.len())
            .filter_map(|index| {
                self.archive
                    .by_index_raw(index)
                    .ok()
                    .map(|part| part.size())
            })
            .fold(0u64, u64::saturating_add)
    }

    /// A part's bytes, or `None` when there is no such part. Every read
    /// counts against the package's budget, whatever size the part claims.
    pub fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let kind = self.kind;
        let part = match self.archive.by_name(name) {
            Ok(part) => part,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(error) => {
                return Err(ExtractError::Unreadable(
                    kind,
                    format!("its part {name} is damaged ({error})"),
                ));
            }
        };
        if part.size() > self.budget {
            return Err(ExtractError::Expands(kind));
        }
        let mut bytes = Vec::new();
        part.take(self.budget + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| ExtractError::Unreadable(kind, format!("it is damaged ({error})")))?;
        let read = bytes.len() as u64;
        if read > self.budget {
            return Err(ExtractError::Expands(kind));
        }
        self.budget -= read;
        Ok(Some(bytes))
    }

    /// A part as UTF-8 text.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        let kind = self.kind;
        self.bytes(name)?
            .map(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| ExtractError::Unreadable(kind, format!("{name} is not UTF-8")))
            })
            .transpose()
    }

    /// A part as XML text, refused when nested deeper than the walks of
    /// its readers allow (they recurse once per level).
    pub fn xml(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        let xml = self.text(name)?;
        if xml
            .as_deref()
            .is_some_and(|xml| nests_too_deeply(xml, false))
        {
            return Err(ExtractError::TooDeep);
        }
        Ok(xml)
    }

    /// An error saying what is wrong with this package.
    pub fn error(&self, why: impl Into<String>) -> ExtractError {
        ExtractError::Unreadable(self.kind, why.into())
    }
}

/// Parses XML text, the error said for a package of `kind`. roxmltree
/// refuses DTDs, so no entity expands.
pub fn parse<'x>(
    xml: &'x str,
    kind: &'static str,
    name: &str,
) -> Result<roxmltree::Document<'x>, ExtractError> {
    roxmltree::Document::parse(xml).map_err(|error| {
        ExtractError::Unreadable(kind, format!("{name} is not valid XML ({error})"))
    })
}

/// Resolves `target` (a relationship's target) against the folder of the
/// part `from`: `ppt/slides/slide1.xml` + `../notesSlides/n1.xml` is
/// `ppt/notesSlides/n1.xml`. An absolute target starts at the root.
pub fn resolve(from: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let mut folder: Vec<&str> = from.split('/').collect();
        folder.pop();
        folder
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            piece => parts.push(piece),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::fixtures::zip_of;

    #[test]
    fn targets_resolve_against_their_part() {
        assert_eq!(
            resolve("ppt/slides/slide1.xml", "../notesSlides/notesSlide1.xml"),
            "ppt/notesSlides/notesSlide1.xml"
        );
        assert_eq!(
            resolve("ppt/presentation.xml", "slides/slide2.xml"),
            "ppt/slides/slide2.xml"
        );
        assert_eq!(
            resolve("OEBPS/content.opf", "/OEBPS/ch1.xhtml"),
            "OEBPS/ch1.xhtml"
        );
        assert_eq!(resolve("a.opf", "../../../etc/passwd"), "etc/passwd");
    }

    #[test]
    fn the_budget_is_shared_by_every_part_read() {
        let part = vec![b'a'; 40 * 1024 * 1024];
        let zip = zip_of(&[("one.xml", &part), ("two.xml", &part)]);
        let mut package = Package::open(&zip, "spreadsheet").unwrap();
        assert_eq!(package.declared_size(), 80 * 1024 * 1024);
        assert!(package.bytes("one.xml").unwrap().is_some());
        assert!(matches!(
            package.bytes("two.xml"),
            Err(ExtractError::Expands("spreadsheet"))
        ));
        assert!(package.bytes("missing.xml").unwrap().is_none());
    }

    #[test]
    fn not_a_zip_is_said_plainly() {
        let error = Package::open(b"PK\x03\x04 truncated", "presentation")
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .starts_with("the presentation could not be read: it is not a readable zip"),
            "{error}"
        );
    }
}
