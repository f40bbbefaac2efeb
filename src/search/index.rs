//! What each index holds for a passage: the keyword index's text (the
//! passage with its context) with its words and length, and the text the
//! semantic index embeds. Ingestion and metadata corrections make a
//! passage's entries here; `db` stores them as given.

use crate::db::documents::{KeywordEntry, NewChunk};
use crate::ingest::chunk::{Passage, heading_without_columns, passages};
use crate::ingest::page::Page;
use crate::model::DocumentMetadata;
use crate::search::query::{remove_thousands_separators, words_only};

/// A document's pages as passages ready for the index, each with its
/// context: the document's name, the assistant's company, what the
/// document is, and the passage's heading.
pub fn chunks_for_index(
    pages: &[Page],
    document: &str,
    company: &str,
    metadata: &DocumentMetadata,
) -> Vec<NewChunk> {
    let about = metadata.context(company);
    passages(pages)
        .into_iter()
        .map(|passage| NewChunk {
            page: passage.page.map(i64::from),
            keyword: keyword_entry(keyword_text(document, &about, &passage)),
            heading: passage.heading,
            text: passage.text,
        })
        .collect()
}

/// What the keyword index holds for a passage: its text with its context,
/// so a question that names the document, company or section matches.
/// Numbers lose their grouping commas, as they do in questions.
pub fn keyword_text(document: &str, about: &str, passage: &Passage) -> String {
    let stem = document
        .rsplit_once('.')
        .map_or(document, |(stem, _)| stem)
        .replace(['_', '-'], " ");
    let text = passage_text(&stem, about, &passage.heading, &passage.text);
    remove_thousands_separators(&text)
}

/// A passage's keyword text as both engines index it: SQLite's FTS5 reads
/// `text` itself; PostgreSQL's index is given the words FTS5 holds (its
/// tokenizer splits where [`words_only`] does) and how many, BM25's
/// passage length, counting stop words as FTS5 does.
pub fn keyword_entry(text: String) -> KeywordEntry {
    let words = words_only(&text);
    let tokens =
        i32::try_from(words.split(' ').filter(|w| !w.is_empty()).count()).unwrap_or(i32::MAX);
    KeywordEntry {
        text,
        words,
        tokens,
    }
}

/// What the semantic index embeds for a passage: [`passage_text`] without
/// the columns' years of its table context, which the keyword index reads.
pub fn vector_text(document: &str, about: &str, heading: &str, text: &str) -> String {
    passage_text(document, about, &heading_without_columns(heading), text)
}

/// A passage's context (document name, what the document is, heading),
/// then its text.
pub fn passage_text(document: &str, about: &str, heading: &str, text: &str) -> String {
    let context: Vec<&str> = [document, about, heading]
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    format!("{}\n{text}", context.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyword_index_carries_document_company_metadata_and_heading() {
        let passage = Passage {
            page: Some(3),
            heading: "Cash flows".into(),
            text: "Capex rose to 1,577.".into(),
        };
        assert_eq!(
            keyword_text("3M_2018_10K.pdf", "3M Company | 10-K | FY2018", &passage),
            "3M 2018 10K | 3M Company | 10-K | FY2018 | Cash flows\nCapex rose to 1577."
        );
        assert_eq!(
            keyword_text("notes.txt", "", &passage),
            "notes | Cash flows\nCapex rose to 1577."
        );
    }

    #[test]
    fn keyword_entries_count_the_words_postgres_is_given() {
        let entry = keyword_entry("Part XK-4427-C | notes\nthe end.".into());
        assert_eq!(entry.words, "Part XK 4427 C notes the end");
        assert_eq!(entry.tokens, 7);
        assert_eq!(keyword_entry(String::new()).tokens, 0);
    }

    #[test]
    fn passages_are_embedded_with_their_context() {
        assert_eq!(
            passage_text("10k.pdf", "3M", "", "Capex"),
            "10k.pdf | 3M\nCapex"
        );
        assert_eq!(
            vector_text("10k.pdf", "3M", "Cash flows", "Capex"),
            "10k.pdf | 3M | Cash flows\nCapex"
        );
    }
}
