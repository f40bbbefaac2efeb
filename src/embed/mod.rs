//! Sentence embeddings computed in-process: a sentence-transformers model of
//! the BERT family (all-MiniLM-L6-v2 by default) run with candle, read from
//! a folder holding `config.json`, `tokenizer.json` and `model.safetensors`.
//! Vectors are the mean of the token vectors (padding excluded),
//! L2-normalised, with inputs truncated at the model's maximum length, as
//! sentence-transformers computes them.

use std::path::{Path, PathBuf};

mod bert;
mod kernels;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::{Tokenizer, TruncationParams};

use bert::{Config, Encoder};

/// Tokens read of each text when the model folder does not say.
const DEFAULT_MAX_TOKENS: usize = 256;

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding model folder {path} lacks {file}")]
    MissingFile { path: PathBuf, file: &'static str },
    #[error("the embedding model in {path} could not be read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("the embedding model failed: {0}")]
    Failed(String),
}

/// A loaded sentence-embedding model.
pub struct LocalModel {
    encoder: Encoder,
    tokenizer: Tokenizer,
    dimensions: usize,
    name: String,
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("name", &self.name)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

impl LocalModel {
    /// Loads the model in `folder` (on the CPU).
    pub fn load(folder: &Path) -> Result<Self, EmbedError> {
        let file = |name: &'static str| {
            let path = folder.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(EmbedError::MissingFile {
                    path: folder.to_owned(),
                    file: name,
                })
            }
        };
        let unreadable = |reason: String| EmbedError::Unreadable {
            path: folder.to_owned(),
            reason,
        };
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(file("config.json")?)
                .map_err(|e| unreadable(e.to_string()))?,
        )
        .map_err(|e| unreadable(format!("config.json: {e}")))?;
        let max_tokens = max_tokens(folder);
        let mut tokenizer = Tokenizer::from_file(file("tokenizer.json")?)
            .map_err(|e| unreadable(format!("tokenizer.json: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| unreadable(format!("tokenizer.json: {e}")))?;
        // Texts are packed one after another, not padded to a common length.
        tokenizer.with_padding(None);
        let weights =
            std::fs::read(file("model.safetensors")?).map_err(|e| unreadable(e.to_string()))?;
        let variables = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| unreadable(format!("model.safetensors: {e}")))?;
        let encoder = Encoder::load(&variables, &config)
            .map_err(|e| unreadable(format!("model.safetensors: {e}")))?;
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| folder.display().to_string());
        Ok(Self {
            encoder,
            tokenizer,
            dimensions: config.hidden_size,
            name,
        })
    }

    /// The model's name (its folder's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The length of its vectors.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// How many tokens of `text` the model reads (after truncation).
    pub fn tokens(&self, text: &str) -> usize {
        self.tokenizer
            .encode(text, true)
            .map_or(0, |encoding| encoding.get_ids().len())
    }

    /// One unit-length vector per text, in order. CPU-heavy: call it from a
    /// blocking thread.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let failed = |e: &dyn std::fmt::Display| EmbedError::Failed(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| failed(&e))?;
        let texts: Vec<(&[u32], &[u32])> = encodings
            .iter()
            .map(|encoding| (encoding.get_ids(), encoding.get_type_ids()))
            .collect();
        self.encoder.mean_pooled(&texts).map_err(|e| failed(&e))
    }
}

/// Makes candle compute each model call's element-wise operations on the
/// calling thread (unless `CANDLE_NUM_THREADS` is set). By default candle
/// runs large ones on a pool of its own behind one lock, so a question's
/// embedding would queue behind background batches; with this, background
/// embedding uses the cores by running batches side by side, and a
/// question is never held up by it.
///
/// # Safety
///
/// Sets an environment variable: call it before any other thread exists
/// (first thing in `main`, before the async runtime starts).
#[allow(unsafe_code)]
pub unsafe fn use_one_candle_thread_per_call() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: the caller guarantees no other thread reads or writes
        // the environment meanwhile.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
}

/// `max_seq_length` from `sentence_bert_config.json`, when there is one.
fn max_tokens(folder: &Path) -> usize {
    std::fs::read_to_string(folder.join("sentence_bert_config.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|config| config["max_seq_length"].as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_TOKENS)
}

/// Scales `vector` to unit length (a zero vector stays zero).
pub fn normalize(vector: &mut [f32]) {
    let norm = dot(vector, vector).sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
}

/// The dot product of two vectors of the same length (their cosine when
/// both are unit length).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent sums let the compiler use SIMD lanes.
    let mut sums = [0.0f32; 8];
    let (a_chunks, a_rest) = a.as_chunks::<8>();
    let (b_chunks, b_rest) = b.as_chunks::<8>();
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    let rest: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    sums.iter().sum::<f32>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default model's folder, put in place by `.ci/setup.sh`.
    fn default_model() -> LocalModel {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
        LocalModel::load(&folder).unwrap_or_else(|e| {
            panic!("{e}: run `source .ci/setup.sh && setup_embedding_model` first")
        })
    }

    #[test]
    fn vectors_match_sentence_transformers() {
        let reference: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/minilm-reference.json"))
                .expect("reference");
        let sentences: Vec<&str> = reference["sentences"]
            .as_array()
            .expect("sentences")
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        let model = default_model();
        assert_eq!(model.dimensions(), 384);
        // All at once (padded to the longest, truncated at 256 tokens) and
        // one by one give the reference vectors.
        let together = model.embed(&sentences).expect("embed");
        for (index, sentence) in sentences.iter().enumerate() {
            let expected: Vec<f32> = reference["embeddings"][index]
                .as_array()
                .expect("vector")
                .iter()
                .filter_map(|v| v.as_f64().map(|v| v as f32))
                .collect();
            let alone = model.embed(&[sentence]).expect("embed").remove(0);
            for vector in [&together[index], &alone] {
                let cosine = dot(vector, &expected);
                assert!(
                    cosine >= 0.999,
                    "sentence {index} ({sentence:.40}): cosine {cosine}"
                );
                assert!((dot(vector, vector) - 1.0).abs() < 1e-4, "unit length");
            }
        }
        assert!(model.embed(&[]).expect("nothing").is_empty());
    }

    #[test]
    fn a_folder_without_the_model_says_which_file_is_missing() {
        let empty = tempfile::tempdir().expect("dir");
        let error = LocalModel::load(empty.path()).expect_err("no model");
        assert!(error.to_string().contains("lacks config.json"), "{error}");
    }

    #[test]
    fn dot_products_of_any_length() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let expected: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(dot(&a, &a), expected);
        assert_eq!(dot(&[], &[]), 0.0);
    }
}
