//! BM25, the keyword ranking, over one assistant's passages only.
//!
//! Every statistic a term's weight depends on (the number of passages, how
//! many of them hold the term, their average length) is counted over the
//! asking assistant's passages, never over the whole index: a score then
//! says nothing about other accounts' documents, and their words do not
//! move this assistant's ranking. The database supplies the counts (SQLite
//! through FTS5 ranking functions, PostgreSQL in SQL); the arithmetic is
//! here.

/// Term-frequency saturation: how quickly repeating a word stops adding.
pub const K1: f64 = 1.2;
/// How much a passage's length discounts its term frequencies.
pub const B: f64 = 0.75;

/// An assistant's passages, counted: what [`idf`] and [`term_score`] need
/// besides the term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collection {
    /// How many passages the assistant has.
    pub passages: u64,
    /// Their average length in words (as the keyword index counts them).
    pub average_length: f64,
}

impl Collection {
    /// From a passage count and the sum of their lengths.
    pub fn new(passages: u64, total_length: u64) -> Self {
        let average_length = if passages == 0 {
            1.0
        } else {
            (total_length as f64 / passages as f64).max(1.0)
        };
        Self {
            passages,
            average_length,
        }
    }
}

/// The weight of a term held by `df` of the collection's passages.
pub fn idf(collection: Collection, df: u64) -> f64 {
    let n = collection.passages as f64;
    let df = df as f64;
    ((n - df + 0.5) / (df + 0.5)).ln().max(1e-6)
}

/// One term's part of a passage's score: `tf` occurrences in a passage of
/// `length` words.
pub fn term_score(idf: f64, tf: f64, length: f64, average_length: f64) -> f64 {
    if tf <= 0.0 {
        return 0.0;
    }
    idf * (tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * length / average_length)))
}

/// A passage's score: the sum over the query's terms, `idfs[i]` the weight
/// of term `i` and `tfs[i]` its occurrences in the passage.
pub fn passage_score(idfs: &[f64], tfs: &[f64], length: f64, average_length: f64) -> f64 {
    idfs.iter()
        .zip(tfs)
        .map(|(&idf, &tf)| term_score(idf, tf, length, average_length))
        .sum()
}
