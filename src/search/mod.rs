//! Finding the passages an assistant would read for a question.
//!
//! [`search`] is the one entry point callers use: the keyword index
//! (BM25), fused with semantic search ([`semantic`]) when a model is loaded.

pub mod index;
pub mod query;
pub mod rescore;
pub mod route;
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

/// Why a passage ranked where it did (what `?explain=true` shows).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Explanation {
    /// Its keyword (BM25) score, when the keyword ranking found it.
    pub keyword_score: Option<f64>,
    /// Its place in the keyword ranking, from 1.
    pub keyword_rank: Option<usize>,
    /// Its cosine similarity to the question, when semantic search found it.
    pub semantic_score: Option<f64>,
    /// Its place in the semantic ranking, from 1.
    pub semantic_rank: Option<usize>,
    /// Whether its document is one the question names (see `route`).
    pub routed: bool,
    /// What the second look added (all the question's words, close
    /// together, its years), to a score where the first pass's best is 1.
    pub rescore: Option<f64>,
}

impl Explanation {
    /// Why the passage ranked, as lines for people: its place in each
    /// ranking and whether its document is one the question names.
    pub fn in_words(&self, route: &route::Route) -> Vec<String> {
        let mut lines = Vec::new();
        lines.push(match (self.keyword_rank, self.keyword_score) {
            (Some(rank), Some(score)) if score < 0.005 => {
                format!("Keywords: #{rank} (BM25 under 0.01: the words are in most passages)")
            }
            (Some(rank), Some(score)) => format!("Keywords: #{rank} (BM25 {score:.2})"),
            _ => "Keywords: not among the matches".to_owned(),
        });
        if let (Some(rank), Some(score)) = (self.semantic_rank, self.semantic_score) {
            lines.push(format!("Meaning: #{rank} (similarity {score:.2})"));
        }
        if let Some(bonus) = self.rescore {
            lines.push(format!(
                "Second look: +{bonus:.2} (the question's words, close together, its years)"
            ));
        }
        if self.routed {
            lines.push(format!(
                "From a document the question names (by {})",
                route.by.join(", ")
            ));
        } else if !route.documents.is_empty() {
            lines.push(
                "From another document: the ones the question names hold no match".to_owned(),
            );
        }
        lines
    }
}

/// A search's passages, best first, each with why it ranked, and the
/// documents the question named.
#[derive(Debug, Clone, Default)]
pub struct Searched {
    pub found: Vec<(FoundChunk, Explanation)>,
    pub route: route::Route,
}

/// The best `k` passages of an assistant's documents for a question: the
/// keyword ranking, fused with the semantic one when a model is loaded
/// (a convex combination of normalised scores, see [`fuse`]; the score is
/// then the fused score, in [0, 1]). If the semantic side fails, the
/// keyword ranking is returned alone.
///
/// When the question names some of the assistant's documents (a company,
/// year, quarter or kind: [`route`]), only their passages are returned,
/// unless none of them matches: then the others are searched.
pub async fn search(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
    question: &str,
    k: i64,
) -> sqlx::Result<Vec<FoundChunk>> {
    Ok(
        search_with(db, semantic, assistant_id, question, k, Stages::SERVED)
            .await?
            .found
            .into_iter()
            .map(|(chunk, _)| chunk)
            .collect(),
    )
}

/// The stages of a search that can be left out, to measure what each
/// contributes (`bench --stages`); [`Stages::SERVED`] is what is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stages {
    /// Read the documents a question names first ([`route`]).
    pub routing: bool,
    /// Add synonyms of the question's words to the keyword query
    /// ([`query::Keywords`]).
    pub synonyms: bool,
    /// Look again at the best candidates ([`rescore`]).
    pub rescoring: bool,
}

impl Stages {
    /// Every stage, as served.
    pub const SERVED: Self = Self {
        routing: true,
        synonyms: true,
        rescoring: true,
    };
}

/// [`search`] with some stages left out, and why each passage ranked.
pub async fn search_with(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
    question: &str,
    k: i64,
    stages: Stages,
) -> sqlx::Result<Searched> {
    let k = k.clamp(1, MAX_K);
    let route = if stages.routing {
        route_of(db, assistant_id, question).await?
    } else {
        route::Route::default()
    };
    // The second look needs candidates beyond the `k` returned.
    let wanted = usize::try_from(k).unwrap_or(5);
    let depth = if stages.rescoring {
        k.max(rescore::DEPTH)
    } else {
        k
    };
    let terms = query::terms(question);
    let mut found = if route.documents.is_empty() {
        let ask = Ask {
            question,
            terms: &terms,
            only: None,
            k: depth,
        };
        ranked(db, semantic, stages, assistant_id, ask).await?
    } else {
        // Within the documents a company named, its name tells nothing apart.
        let routed_terms: Vec<String> = terms
            .iter()
            .filter(|term| !route.company_words.contains(term))
            .cloned()
            .collect();
        let routed_terms = if routed_terms.is_empty() {
            terms.clone()
        } else {
            routed_terms
        };
        let ask = Ask {
            question,
            terms: &routed_terms,
            only: Some(route.documents.as_slice()),
            k: depth,
        };
        let mut found = ranked(db, semantic, stages, assistant_id, ask).await?;
        for (_, why) in &mut found {
            why.routed = true;
        }
        found
    };
    if stages.rescoring {
        rescore::rescore(&terms, &mut found, rescore::WEIGHTS);
    }
    found.truncate(wanted);
    // The documents named hold nothing that matches: the others answer.
    if !route.documents.is_empty() && found.is_empty() {
        let lowest = found.last().map_or(f64::MAX, |(chunk, _)| chunk.score);
        let ask = Ask {
            question,
            terms: &terms,
            only: None,
            k,
        };
        let others = ranked(db, semantic, stages, assistant_id, ask).await?;
        for (mut chunk, why) in others {
            if found.len() == wanted {
                break;
            }
            if found.iter().all(|(f, _)| f.chunk_id != chunk.chunk_id) {
                // Below every routed passage, whatever its own scale.
                chunk.score = chunk.score.min(lowest);
                found.push((chunk, why));
            }
        }
    }
    Ok(Searched { found, route })
}

/// The documents of an assistant that a question names.
pub async fn route_of(db: &Db, assistant_id: i64, question: &str) -> sqlx::Result<route::Route> {
    let documents: Vec<route::RoutedDocument> = documents_to_route(db, assistant_id)
        .await?
        .into_iter()
        .filter(|(_, ready)| *ready)
        .map(|(document, _)| document)
        .collect();
    Ok(route::route(question, &documents))
}

/// An assistant's documents as routing sees them, each with whether it is
/// ready.
pub async fn documents_to_route(
    db: &Db,
    assistant_id: i64,
) -> sqlx::Result<Vec<(route::RoutedDocument, bool)>> {
    Ok(db
        .documents_of(assistant_id)
        .await?
        .into_iter()
        .map(|row| {
            let document = route::RoutedDocument {
                id: row.id,
                metadata: row.metadata(),
                name: row.name,
            };
            (document, row.status == "ready")
        })
        .collect())
}

/// [`search`] without routing, over `only` some documents (or all).
/// One ranking's input: the question, its keyword terms, the documents
/// to search (all when `None`) and how many passages.
struct Ask<'a> {
    question: &'a str,
    terms: &'a [String],
    only: Option<&'a [i64]>,
    k: i64,
}

async fn ranked(
    db: &Db,
    semantic: Option<&Semantic>,
    stages: Stages,
    assistant_id: i64,
    ask: Ask<'_>,
) -> sqlx::Result<Vec<(FoundChunk, Explanation)>> {
    let Ask {
        question,
        terms,
        only,
        k,
    } = ask;
    let keywords = if stages.synonyms {
        query::Keywords::with_synonyms(terms.to_vec())
    } else {
        query::Keywords::plain(terms.to_vec())
    };
    let keyword_only = |keyword: Vec<FoundChunk>| -> Vec<(FoundChunk, Explanation)> {
        keyword
            .into_iter()
            .enumerate()
            .map(|(rank, chunk)| {
                let why = Explanation {
                    keyword_score: Some(chunk.score),
                    keyword_rank: Some(rank + 1),
                    ..Explanation::default()
                };
                (chunk, why)
            })
            .collect()
    };
    let Some(semantic) = semantic else {
        let keyword = db
            .search_chunks_in(assistant_id, only, &keywords.terms, &keywords.weights, k)
            .await?;
        return Ok(keyword_only(keyword));
    };
    let depth = (k * 4).max(FUSION_DEPTH);
    // The question is embedded (on a blocking thread) while the keyword
    // index is read.
    let (keyword, nearest) = tokio::join!(
        db.search_chunks_in(
            assistant_id,
            only,
            &keywords.terms,
            &keywords.weights,
            depth
        ),
        semantic.nearest_in(
            db,
            assistant_id,
            only,
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
        return Ok(keyword_only(keyword));
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
    let missing: Vec<i64> = fused
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !keyword_scores.iter().any(|(k, _)| k == id))
        .collect();
    let mut rows: HashMap<i64, FoundChunk> = keyword.into_iter().map(|c| (c.chunk_id, c)).collect();
    rows.extend(
        db.chunks_by_ids(assistant_id, &missing)
            .await?
            .into_iter()
            .map(|c| (c.chunk_id, c)),
    );
    let place = |scores: &[(i64, f64)], id: i64| {
        scores
            .iter()
            .position(|(candidate, _)| *candidate == id)
            .map(|rank| (rank + 1, scores[rank].1))
    };
    Ok(fused
        .into_iter()
        .filter_map(|(id, score)| {
            let keyword = place(&keyword_scores, id);
            let semantic = place(&semantic_scores, id);
            rows.remove(&id).map(|mut chunk| {
                chunk.score = score;
                let why = Explanation {
                    keyword_score: keyword.map(|(_, score)| score),
                    keyword_rank: keyword.map(|(rank, _)| rank),
                    semantic_score: semantic.map(|(_, score)| score),
                    semantic_rank: semantic.map(|(rank, _)| rank),
                    routed: false,
                    rescore: None,
                };
                (chunk, why)
            })
        })
        .collect())
}
