//! Other ways of fusing the keyword and semantic rankings, compared on the
//! same candidates.

use std::collections::HashMap;

use aiconvokit::db::documents::FoundChunk;

use crate::recall::Split;
use crate::sets::Question;

fn by_ids(ids: &[i64], rows: &HashMap<i64, FoundChunk>) -> Vec<FoundChunk> {
    ids.iter().filter_map(|id| rows.get(id).cloned()).collect()
}

/// Reciprocal-rank fusion of rankings (ids, best first): each id scores
/// the sum of `weight / (60 + rank)` over the rankings it is in.
fn reciprocal_rank_fusion(rankings: &[(&[i64], f64)]) -> Vec<i64> {
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for (ranking, weight) in rankings {
        for (rank, id) in ranking.iter().enumerate() {
            *scores.entry(*id).or_default() += weight / (61.0 + rank as f64);
        }
    }
    let mut fused: Vec<(i64, f64)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused.into_iter().map(|(id, _)| id).collect()
}

/// At most one passage per page among the first ones.
fn one_per_page(found: Vec<FoundChunk>) -> Vec<FoundChunk> {
    let mut seen = std::collections::HashSet::new();
    let (mut first, mut rest): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    for chunk in found {
        if seen.insert((chunk.document_id, chunk.page)) {
            first.push(chunk);
        } else {
            rest.push(chunk);
        }
    }
    first.extend(rest);
    first
}

pub fn run(
    study: &mut Vec<(String, Split)>,
    keyword: &[FoundChunk],
    vector: &[FoundChunk],
    question: &Question,
) {
    let rows: HashMap<i64, FoundChunk> = keyword
        .iter()
        .chain(vector)
        .map(|c| (c.chunk_id, c.clone()))
        .collect();
    let keyword_ids: Vec<i64> = keyword.iter().map(|c| c.chunk_id).collect();
    let vector_ids: Vec<i64> = vector.iter().map(|c| c.chunk_id).collect();
    let mut variants: Vec<(String, Vec<FoundChunk>)> = Vec::new();
    for (kw, sem) in [(1.0, 1.0), (1.0, 1.5), (1.0, 2.0), (1.5, 1.0)] {
        let fused = reciprocal_rank_fusion(&[(&keyword_ids, kw), (&vector_ids, sem)]);
        let found = by_ids(&fused, &rows);
        variants.push((format!("rrf {kw}:{sem}"), found.clone()));
        variants.push((format!("rrf {kw}:{sem}, one per page"), one_per_page(found)));
    }
    // Convex combination of min-max normalised scores (BM25, cosine).
    let normalised = |found: &[FoundChunk]| -> HashMap<i64, f64> {
        let high = found.iter().map(|c| c.score).fold(f64::MIN, f64::max);
        let low = found.iter().map(|c| c.score).fold(f64::MAX, f64::min);
        let range = (high - low).max(1e-9);
        found
            .iter()
            .map(|c| (c.chunk_id, (c.score - low) / range))
            .collect()
    };
    let (keyword_norm, vector_norm) = (normalised(keyword), normalised(vector));
    for alpha in [0.3, 0.5, 0.6, 0.7] {
        let mut scores: HashMap<i64, f64> = HashMap::new();
        for (id, score) in &keyword_norm {
            *scores.entry(*id).or_default() += (1.0 - alpha) * score;
        }
        for (id, score) in &vector_norm {
            *scores.entry(*id).or_default() += alpha * score;
        }
        let mut ranked: Vec<(i64, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ids: Vec<i64> = ranked.into_iter().map(|(id, _)| id).collect();
        let found = by_ids(&ids, &rows);
        variants.push((format!("convex min-max {alpha}"), found.clone()));
        variants.push((
            format!("convex min-max {alpha}, one per page"),
            one_per_page(found),
        ));
    }
    // Scores: BM25 scaled by the best, semantic rank, summed.
    let best = keyword.iter().map(|c| c.score).fold(f64::MIN, f64::max);
    for alpha in [0.3, 0.5, 0.7] {
        let mut scores: HashMap<i64, f64> = HashMap::new();
        for chunk in keyword {
            *scores.entry(chunk.chunk_id).or_default() += (1.0 - alpha) * chunk.score / best;
        }
        let top = vector.len() as f64;
        for (rank, chunk) in vector.iter().enumerate() {
            *scores.entry(chunk.chunk_id).or_default() += alpha * (1.0 - rank as f64 / top);
        }
        let mut ranked: Vec<(i64, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ids: Vec<i64> = ranked.into_iter().map(|(id, _)| id).collect();
        let found = by_ids(&ids, &rows);
        variants.push((format!("linear {alpha}"), found.clone()));
        variants.push((format!("linear {alpha}, one per page"), one_per_page(found)));
    }
    variants.push((
        "semantic, one per page".into(),
        one_per_page(vector.to_vec()),
    ));
    variants.push((
        "keyword, one per page".into(),
        one_per_page(keyword.to_vec()),
    ));
    for (label, found) in variants {
        let slot = match study.iter_mut().find(|(l, _)| *l == label) {
            Some(slot) => slot,
            None => {
                study.push((label.clone(), Split::default()));
                study.last_mut().expect("pushed")
            }
        };
        let rank = found.iter().position(|hit| question.is_evidence(hit.page));
        slot.1.add(question.part, rank);
    }
}
