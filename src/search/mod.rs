//! Finding the passages an assistant would read for a question.
//!
//! [`search`] is the one entry point callers use: the keyword index
//! (BM25), fused with semantic search ([`semantic`]) when a model is loaded.

pub mod bm25;
pub mod query;
pub mod semantic;

use std::collections::HashMap;

use crate::db::Db;
use crate::db::documents::FoundChunk;
use semantic::{SEMANTIC_WEIGHT, Semantic, fuse};

/// Passages returned when the caller does not say how many.
pub const DEFAULT_K: i64 = 5;
/// The most passages one search returns.
pub const MAX_K: i64 = 50;

/// How many candidates each ranking gives to the fusion, at least.
const FUSION_DEPTH: i64 = 40;

/// The best `k` passages of an assistant's documents for a question: the
/// keyword ranking, fused with the semantic one when a model is loaded
/// (a convex combination of normalised scores, see [`fuse`]; the score is
/// then the fused score, in [0, 1]). If the semantic side fails, the
/// keyword ranking is returned alone.
pub async fn search(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
    question: &str,
    k: i64,
) -> sqlx::Result<Vec<FoundChunk>> {
    let k = k.clamp(1, MAX_K);
    let terms = query::terms(question);
    let Some(semantic) = semantic else {
        return db.search_chunks(assistant_id, &terms, k).await;
    };
    let depth = (k * 4).max(FUSION_DEPTH);
    // The question is embedded (on a blocking thread) while the keyword
    // index is read.
    let (keyword, nearest) = tokio::join!(
        db.search_chunks(assistant_id, &terms, depth),
        semantic.nearest(
            db,
            assistant_id,
            question,
            usize::try_from(depth).unwrap_or(40)
        )
    );
    let mut keyword = keyword?;
    let nearest = match nearest {
        Ok(nearest) => nearest,
        Err(error) => {
            tracing::warn!(%error, "semantic search failed; keywords only");
            Vec::new()
        }
    };
    if nearest.is_empty() {
        keyword.truncate(usize::try_from(k).unwrap_or(5));
        return Ok(keyword);
    }
    let keyword_scores: Vec<(i64, f64)> = keyword.iter().map(|c| (c.chunk_id, c.score)).collect();
    let semantic_scores: Vec<(i64, f64)> = nearest
        .into_iter()
        .map(|(id, cosine)| (id, f64::from(cosine)))
        .collect();
    let fused = fuse(
        &keyword_scores,
        &semantic_scores,
        SEMANTIC_WEIGHT,
        usize::try_from(k).unwrap_or(5),
    );
    let keyword_ids: Vec<i64> = keyword.iter().map(|c| c.chunk_id).collect();
    let missing: Vec<i64> = fused
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !keyword_ids.contains(id))
        .collect();
    let mut rows: HashMap<i64, FoundChunk> = keyword.into_iter().map(|c| (c.chunk_id, c)).collect();
    rows.extend(
        db.chunks_by_ids(assistant_id, &missing)
            .await?
            .into_iter()
            .map(|c| (c.chunk_id, c)),
    );
    Ok(fused
        .into_iter()
        .filter_map(|(id, score)| {
            rows.remove(&id).map(|mut chunk| {
                chunk.score = score;
                chunk
            })
        })
        .collect())
}
