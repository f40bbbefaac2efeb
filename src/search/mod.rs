//! Finding the passages an assistant would read for a question.
//!
//! [`search`] is the one entry point callers use; it ranks with the keyword
//! index today, and is where a second ranker (semantic) will be fused in.

pub mod query;

use crate::db::Db;
use crate::db::documents::FoundChunk;

/// Passages returned when the caller does not say how many.
pub const DEFAULT_K: i64 = 5;
/// The most passages one search returns.
pub const MAX_K: i64 = 50;

/// The best `k` passages of an assistant's documents for a question.
pub async fn search(
    db: &Db,
    assistant_id: i64,
    question: &str,
    k: i64,
) -> sqlx::Result<Vec<FoundChunk>> {
    let terms = query::terms(question);
    db.search_chunks(assistant_id, &terms, k.clamp(1, MAX_K))
        .await
}
