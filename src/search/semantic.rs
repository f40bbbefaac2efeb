//! Semantic search: passages are embedded in the background (with their
//! document, company and heading) and a question finds the passages whose
//! vectors are nearest to its own, by exact cosine over the assistant's
//! vectors, kept in memory per assistant as one contiguous array.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::db::Db;
use crate::embed::{EmbedError, LocalModel, dot, normalize};
use crate::llm::Provider;
use crate::search::index::vector_text;

/// Passages embedded in one model call: texts of similar length go
/// together, so batches run side by side take about as long.
pub const BATCH: usize = 16;
/// Passages fetched at a time by the background indexer, sorted by length
/// into batches.
const FETCH: i64 = 64;

/// The embedding model and the vectors it made, ready to search.
pub struct Semantic {
    embedder: Embedder,
    /// Background embedding takes one permit: one fetch of passages at a
    /// time.
    background: Semaphore,
    /// The threads background embedding computes on: one per core, at idle
    /// priority, so that a question (embedded on the shared pool) or a
    /// request takes a core from them the moment it needs one. (`None` if
    /// the pool could not be made: the shared one.)
    background_threads: Option<Arc<rayon::ThreadPool>>,
    cache: Mutex<HashMap<i64, Arc<AssistantVectors>>>,
}

impl std::fmt::Debug for Semantic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("model", &self.model_name())
            .finish_non_exhaustive()
    }
}

/// What turns text into vectors.
#[derive(Debug)]
pub enum Embedder {
    /// A sentence-transformers model run in-process.
    Local(Arc<LocalModel>),
    /// The configured OpenAI-compatible provider's `/embeddings` endpoint.
    Remote {
        provider: Arc<Provider>,
        model: String,
        /// `openai:<model>`, stored with each vector.
        name: String,
    },
}

impl Embedder {
    /// The provider's embedding `model`.
    pub fn remote(provider: Arc<Provider>, model: &str) -> Self {
        Self::Remote {
            provider,
            model: model.to_owned(),
            name: format!("openai:{model}"),
        }
    }
}

/// One assistant's vectors, row after row.
struct AssistantVectors {
    fingerprint: (i64, i64),
    chunk_ids: Vec<i64>,
    /// The document of each passage, row for row.
    document_ids: Vec<i64>,
    values: Vec<f32>,
}

impl Semantic {
    /// Semantic search with a model run in-process.
    pub fn new(model: LocalModel) -> Self {
        Self::new_shared(Arc::new(model))
    }

    /// Semantic search with a model run in-process, shared with others.
    pub fn new_shared(model: Arc<LocalModel>) -> Self {
        Self::with_embedder(Embedder::Local(model))
    }

    /// Semantic search with `embedder`.
    pub fn with_embedder(embedder: Embedder) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let background_threads = rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .thread_name(|i| format!("embed-{i}"))
            .start_handler(|_| run_at_idle_priority())
            .build()
            .map(Arc::new)
            .ok();
        Self {
            embedder,
            background: Semaphore::new(1),
            background_threads,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The model's name, stored with each vector.
    pub fn model_name(&self) -> &str {
        match &self.embedder {
            Embedder::Local(model) => model.name(),
            Embedder::Remote { name, .. } => name,
        }
    }

    /// Vectors for `texts`, at normal priority: by the model on a blocking
    /// thread (its matrix products on the shared pool), or by the provider.
    async fn embed_now(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EmbedError> {
        let model = match &self.embedder {
            Embedder::Local(model) => model.clone(),
            Embedder::Remote {
                provider, model, ..
            } => {
                let mut vectors = provider
                    .embed(model, texts)
                    .await
                    .map_err(|e| EmbedError::Failed(e.to_string()))?;
                vectors.iter_mut().for_each(|v| normalize(v));
                return Ok(vectors);
            }
        };
        tokio::task::spawn_blocking(move || {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            model.embed(&texts)
        })
        .await
        .map_err(|e| EmbedError::Failed(e.to_string()))?
    }

    /// The `k` passages of an assistant nearest to `question`, nearest
    /// first, as (id, cosine); empty when none has a vector yet.
    pub async fn nearest(
        &self,
        db: &Db,
        assistant_id: i64,
        question: &str,
        k: usize,
    ) -> Result<Vec<(i64, f32)>, SemanticError> {
        self.nearest_in(db, assistant_id, None, question, k).await
    }

    /// [`Semantic::nearest`] among the passages of some of the
    /// assistant's documents only (`only`; all of them when `None`).
    pub async fn nearest_in(
        &self,
        db: &Db,
        assistant_id: i64,
        only: Option<&[i64]>,
        question: &str,
        k: usize,
    ) -> Result<Vec<(i64, f32)>, SemanticError> {
        if question.trim().is_empty() || only.is_some_and(<[i64]>::is_empty) {
            return Ok(Vec::new());
        }
        let (vectors, query) = tokio::join!(
            self.vectors_of(db, assistant_id),
            self.embed_question(question)
        );
        let (vectors, query) = (vectors?, query?);
        if vectors.chunk_ids.is_empty() || query.is_empty() {
            return Ok(Vec::new());
        }
        if vectors.values.len() / vectors.chunk_ids.len() != query.len() {
            return Err(SemanticError::Model(EmbedError::Failed(
                "the question's vector and the stored ones differ in length".into(),
            )));
        }
        let nearest = match only {
            None => top_k(&vectors.values, query.len(), &query, k),
            Some(documents) => top_k_where(&vectors.values, query.len(), &query, k, |row| {
                documents.contains(&vectors.document_ids[row])
            }),
        };
        Ok(nearest
            .into_iter()
            .map(|(row, cosine)| (vectors.chunk_ids[row], cosine))
            .collect())
    }

    /// The vector of a question (on the shared pool, beside background work).
    pub async fn embed_question(&self, question: &str) -> Result<Vec<f32>, EmbedError> {
        Ok(self
            .embed_now(vec![question.to_owned()])
            .await?
            .pop()
            .unwrap_or_default())
    }

    async fn vectors_of(
        &self,
        db: &Db,
        assistant_id: i64,
    ) -> Result<Arc<AssistantVectors>, SemanticError> {
        let fingerprint = db.vectors_fingerprint(assistant_id).await?;
        if let Some(cached) = self.cached(assistant_id)
            && cached.fingerprint == fingerprint
        {
            return Ok(cached);
        }
        let stored = db.vectors_of(assistant_id).await?;
        let mut chunk_ids = Vec::with_capacity(stored.len());
        let mut document_ids = Vec::with_capacity(stored.len());
        // All vectors of one model have one length (a remote model's is
        // only known from its vectors).
        let dimensions = stored.first().map_or(0, |row| row.vector.len() / 4);
        let mut values = Vec::with_capacity(stored.len() * dimensions);
        for row in stored {
            let vector = from_bytes(&row.vector);
            if vector.len() == dimensions {
                chunk_ids.push(row.chunk_id);
                document_ids.push(row.document_id);
                values.extend(vector);
            }
        }
        let vectors = Arc::new(AssistantVectors {
            fingerprint,
            chunk_ids,
            document_ids,
            values,
        });
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(assistant_id, vectors.clone());
        }
        Ok(vectors)
    }

    /// Drops a deleted assistant's vectors from memory.
    pub fn forget(&self, assistant_id: i64) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&assistant_id);
        }
    }

    fn cached(&self, assistant_id: i64) -> Option<Arc<AssistantVectors>> {
        self.cache.lock().ok()?.get(&assistant_id).cloned()
    }

    /// Embeds the next passages still without a vector (a few batches,
    /// side by side); returns how many it embedded (0: nothing left).
    pub async fn index_next_batch(&self, db: &Db) -> Result<usize, SemanticError> {
        let _permit = self.background.acquire().await;
        let passages = db.unembedded_chunks(FETCH).await?;
        if passages.is_empty() {
            return Ok(0);
        }
        let batches = batches_by_length(passages, |c| &c.text);
        let texts: Vec<Vec<String>> = batches
            .iter()
            .map(|batch| {
                batch
                    .iter()
                    .map(|c| vector_text(&c.document, &c.context(), &c.heading, &c.text))
                    .collect()
            })
            .collect();
        let vectors = self.embed_in_background(texts).await?;
        let rows: Vec<(i64, i64, Vec<u8>)> = batches
            .iter()
            .flatten()
            .zip(vectors.iter().flatten())
            .map(|(chunk, vector)| (chunk.chunk_id, chunk.assistant_id, to_bytes(vector)))
            .collect();
        db.insert_vectors(self.model_name(), &rows).await?;
        Ok(rows.len())
    }

    /// Vectors for batches of texts, on the background threads (the
    /// batches side by side) or from the provider (one after another).
    async fn embed_in_background(
        &self,
        batches: Vec<Vec<String>>,
    ) -> Result<Vec<Vec<Vec<f32>>>, EmbedError> {
        let model = match &self.embedder {
            Embedder::Local(model) => model.clone(),
            Embedder::Remote { .. } => {
                let mut vectors = Vec::with_capacity(batches.len());
                for batch in batches {
                    vectors.push(self.embed_now(batch).await?);
                }
                return Ok(vectors);
            }
        };
        let threads = self.background_threads.clone();
        tokio::task::spawn_blocking(move || match threads {
            Some(pool) => pool.install(|| embed_batches(&model, &batches)),
            None => embed_batches(&model, &batches),
        })
        .await
        .map_err(|e| EmbedError::Failed(e.to_string()))?
    }
}

/// Embeds `batches` in parallel on the current rayon pool, one model call
/// per batch; the vectors come back batch by batch, in order.
pub fn embed_batches(
    model: &LocalModel,
    batches: &[Vec<String>],
) -> Result<Vec<Vec<Vec<f32>>>, EmbedError> {
    use rayon::prelude::*;
    batches
        .par_iter()
        .map(|batch| {
            let texts: Vec<&str> = batch.iter().map(String::as_str).collect();
            model.embed(&texts)
        })
        .collect()
}

/// Why semantic search could not run (keyword search still does).
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error(transparent)]
    Model(#[from] EmbedError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Embeds passages in the background, for ever: new documents' passages
/// as they become ready, and at start those a crash or a model change left
/// without a vector.
pub async fn index_in_background(db: Db, semantic: Arc<Semantic>) {
    match db.drop_vectors_not_by(semantic.model_name()).await {
        Ok(0) => {}
        Ok(dropped) => tracing::info!(
            dropped,
            "the embedding model changed: re-embedding passages"
        ),
        Err(error) => tracing::warn!(%error, "cannot drop other models' vectors"),
    }
    loop {
        match semantic.index_next_batch(&db).await {
            Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
            Ok(_) => tokio::task::yield_now().await,
            Err(error) => {
                tracing::warn!(%error, "semantic indexing failed; retrying shortly");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// Lowers the calling thread to idle scheduling (Linux `SCHED_IDLE`;
/// the lowest priority elsewhere): it then runs only on a core nothing
/// else wants.
fn run_at_idle_priority() {
    use thread_priority::{ThreadPriority, set_current_thread_priority};
    #[cfg(unix)]
    let lowered = {
        use thread_priority::unix::{
            NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        )
        .or_else(|_| set_current_thread_priority(ThreadPriority::Min))
    };
    #[cfg(not(unix))]
    let lowered = set_current_thread_priority(ThreadPriority::Min);
    if let Err(error) = lowered {
        tracing::warn!(?error, "background embedding runs at normal priority");
    }
    // candle spreads large element-wise operations over a pool of its own,
    // made at first use by threads that inherit their maker's priority:
    // make it here, at idle priority, so that it never competes with
    // requests either. (A question's operations are mostly too small for it.)
    candle_core::utils::barrier_pool();
}

/// `items` in batches of at most [`BATCH`], shortest texts first, so that
/// each batch holds texts of similar length.
pub fn batches_by_length<T>(mut items: Vec<T>, text: impl Fn(&T) -> &str) -> Vec<Vec<T>> {
    items.sort_by_key(|item| text(item).len());
    let mut batches = Vec::new();
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        batches.push(rest.by_ref().take(BATCH).collect());
    }
    batches
}

/// The rows of `values` (each `dimensions` long) with the `k` highest dot
/// products with `query`, best first.
pub fn top_k(values: &[f32], dimensions: usize, query: &[f32], k: usize) -> Vec<(usize, f32)> {
    if dimensions == 0 || k == 0 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, f32)> = values
        .chunks_exact(dimensions)
        .map(|row| dot(row, query))
        .enumerate()
        .collect();
    best_first(&mut scored, k);
    scored
}

/// Keeps the `k` highest scores of `scored`, highest first.
fn best_first(scored: &mut Vec<(usize, f32)>, k: usize) {
    let k = k.min(scored.len());
    if k == 0 {
        return;
    }
    scored.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
    scored.truncate(k);
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
}

/// [`top_k`] among the rows for which `keep(row)` holds.
pub fn top_k_where(
    values: &[f32],
    dimensions: usize,
    query: &[f32],
    k: usize,
    keep: impl Fn(usize) -> bool,
) -> Vec<(usize, f32)> {
    if dimensions == 0 || k == 0 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, f32)> = values
        .chunks_exact(dimensions)
        .enumerate()
        .filter(|(row, _)| keep(*row))
        .map(|(row, vector)| (row, dot(vector, query)))
        .collect();
    best_first(&mut scored, k);
    scored
}

/// How much of the fused score is the semantic one (the rest is the
/// keyword one): equal weights.
pub const SEMANTIC_WEIGHT: f64 = 0.5;

/// Fuses two scored candidate lists (id, score; higher is better) by a
/// convex combination of their min-max normalised scores: each list's best
/// scores 1 and its worst 0, a candidate missing from a list scores 0
/// there, and the fused score is `(1 − semantic_weight) × keyword +
/// semantic_weight × semantic`, in [0, 1]. The best `k`, best first.
///
/// Measured on the FinanceBench dev set against reciprocal-rank fusion on
/// the same candidates, page recall@5 0.77 against 0.69, and at least 0.71
/// for any semantic weight from 0.3 to 0.6 (`bench --fusion-study`): unlike
/// ranks, scores keep how far ahead the best candidates are.
pub fn fuse(
    keyword: &[(i64, f64)],
    semantic: &[(i64, f64)],
    semantic_weight: f64,
    k: usize,
) -> Vec<(i64, f64)> {
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for (candidates, weight) in [
        (keyword, 1.0 - semantic_weight),
        (semantic, semantic_weight),
    ] {
        let high = candidates
            .iter()
            .map(|(_, s)| *s)
            .fold(f64::NEG_INFINITY, f64::max);
        let low = candidates
            .iter()
            .map(|(_, s)| *s)
            .fold(f64::INFINITY, f64::min);
        let range = high - low;
        for (id, score) in candidates {
            let normalised = if range > 0.0 {
                (score - low) / range
            } else {
                1.0
            };
            *scores.entry(*id).or_default() += weight * normalised;
        }
    }
    let mut fused: Vec<(i64, f64)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused.truncate(k);
    fused
}

/// A vector as stored: f32, little-endian.
pub fn to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A stored vector read back.
pub fn from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_survive_storage() {
        let vector = [0.5f32, -1.25, 3.0e-7];
        assert_eq!(from_bytes(&to_bytes(&vector)), vector);
    }

    #[test]
    fn nearest_rows_come_first() {
        let values = [1.0, 0.0, 0.0, 1.0, 0.6, 0.8];
        assert_eq!(top_k(&values, 2, &[0.0, 1.0], 2), [(1, 1.0), (2, 0.8)]);
        assert_eq!(top_k(&values, 2, &[0.0, 1.0], 10).len(), 3);
        assert!(top_k(&[], 2, &[0.0, 1.0], 3).is_empty());
    }

    #[test]
    fn fusion_rewards_agreement_and_keeps_margins() {
        let keyword = [(1, 12.0), (2, 11.0), (3, 2.0)];
        let semantic = [(3, 0.9), (4, 0.8), (1, 0.3)];
        let fused = fuse(&keyword, &semantic, 0.5, 4);
        let ids: Vec<i64> = fused.iter().map(|(id, _)| *id).collect();
        // 1: 0.5 + 0; 2: 0.45 + 0; 3: 0 + 0.5; 4: 0 + 0.42: the two lists'
        // best tie (lower id first), a close second beats a distant one.
        assert_eq!(ids, [1, 3, 2, 4]);
        assert!(fused.iter().all(|(_, score)| (0.0..=1.0).contains(score)));
        // A lone candidate scores in full; an empty list adds nothing.
        assert_eq!(fuse(&[(7, 3.0)], &[], 0.5, 5), [(7, 0.5)]);
        assert!(fuse(&[], &[], 0.5, 5).is_empty());
    }

    #[test]
    fn batches_hold_texts_of_similar_length() {
        let texts: Vec<String> = (0..40).rev().map(|n| "x".repeat(n)).collect();
        let batches = batches_by_length(texts, |t| t.as_str());
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, [BATCH, BATCH, 40 - 2 * BATCH]);
        assert_eq!(batches[0][0].len(), 0);
        assert_eq!(batches[2].last().map(String::len), Some(39));
        assert!(batches_by_length(Vec::<String>::new(), |t| t.as_str()).is_empty());
    }
}
