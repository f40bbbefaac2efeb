//! The BERT encoder of a sentence-embedding model, run on the CPU.
//!
//! The tokens of all texts of a call are packed one after another, with no
//! padding: every step but attention works on the whole pack at once, and
//! attention runs text by text. Matrix products go through candle (whose
//! `gemm` kernels use AVX-512 or AVX2 where the CPU has them); everything
//! between them (bias, GELU, residual and layer norm, softmax) is done in
//! place by fused passes in [`kernels`], compiled for the CPU's vector
//! instructions.

use candle_core::{CpuStorage, Device, IndexOp, InplaceOp1, InplaceOp2, Layout, Storage, Tensor};
use candle_nn::VarBuilder;
use serde::Deserialize;

use super::kernels;

/// What `config.json` says of the encoder.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: Activation,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    pub model_type: Option<String>,
}

fn default_layer_norm_eps() -> f64 {
    1e-12
}

/// The feed-forward activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// GELU with the error function (BERT's `gelu`).
    Gelu,
    /// GELU's tanh approximation.
    #[serde(alias = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluApproximate,
    Relu,
}

/// A loaded encoder.
pub struct Encoder {
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<EncoderLayer>,
    hidden: usize,
    heads: usize,
    vocab: usize,
    max_positions: usize,
    type_vocab: usize,
    activation: Activation,
}

/// Layer-norm weights.
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

/// A linear layer: `weight` is `(inputs, outputs)` (a transposed view of the
/// stored matrix).
struct Dense {
    weight: Tensor,
    bias: Vec<f32>,
}

struct EncoderLayer {
    /// Query, key and value in one product.
    qkv: Dense,
    attention_output: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

impl Encoder {
    /// Reads the encoder's weights (`embeddings.*`, `encoder.*`, or the
    /// same under `bert.`).
    pub fn load(variables: &VarBuilder, config: &Config) -> candle_core::Result<Self> {
        match Self::load_from(variables, config) {
            Ok(encoder) => Ok(encoder),
            Err(error) => match &config.model_type {
                Some(prefix) => Self::load_from(&variables.pp(prefix), config).map_err(|_| error),
                None => Err(error),
            },
        }
    }

    fn load_from(variables: &VarBuilder, config: &Config) -> candle_core::Result<Self> {
        let hidden = config.hidden_size;
        if config.num_attention_heads == 0 || !hidden.is_multiple_of(config.num_attention_heads) {
            candle_core::bail!(
                "hidden_size {hidden} is not a multiple of num_attention_heads {}",
                config.num_attention_heads
            );
        }
        let eps = config.layer_norm_eps as f32;
        let embeddings = variables.pp("embeddings");
        let table = |name: &str, rows: usize| -> candle_core::Result<Vec<f32>> {
            embeddings
                .get((rows, hidden), &format!("{name}.weight"))?
                .flatten_all()?
                .to_vec1()
        };
        let encoder = variables.pp("encoder").pp("layer");
        let layers = (0..config.num_hidden_layers)
            .map(|index| EncoderLayer::load(&encoder.pp(index), config, eps))
            .collect::<candle_core::Result<_>>()?;
        Ok(Self {
            word: table("word_embeddings", config.vocab_size)?,
            position: table("position_embeddings", config.max_position_embeddings)?,
            token_type: table("token_type_embeddings", config.type_vocab_size)?,
            embedding_norm: Norm::load(&embeddings.pp("LayerNorm"), hidden, eps)?,
            layers,
            hidden,
            heads: config.num_attention_heads,
            vocab: config.vocab_size,
            max_positions: config.max_position_embeddings,
            type_vocab: config.type_vocab_size,
            activation: config.hidden_act,
        })
    }

    /// The mean of each text's token vectors, L2-normalised. Each text is
    /// its token ids and token type ids (of the same length).
    pub fn mean_pooled(&self, texts: &[(&[u32], &[u32])]) -> candle_core::Result<Vec<Vec<f32>>> {
        let lengths: Vec<usize> = texts.iter().map(|(ids, _)| ids.len()).collect();
        if lengths.contains(&0) {
            candle_core::bail!("a text without tokens");
        }
        let tokens: usize = lengths.iter().sum();
        let mut hidden = Tensor::from_vec(
            self.embed_tokens(texts)?,
            (tokens, self.hidden),
            &Device::Cpu,
        )?;
        for layer in &self.layers {
            hidden = layer.forward(&hidden, &lengths, self.heads, self.activation)?;
        }
        with_values(&hidden, |values| {
            let mut start = 0;
            lengths
                .iter()
                .map(|&length| {
                    let rows = &values[start * self.hidden..(start + length) * self.hidden];
                    start += length;
                    kernels::mean_of_rows(rows, self.hidden)
                })
                .collect()
        })
    }

    /// Word, position and token-type embeddings, summed and normalised.
    fn embed_tokens(&self, texts: &[(&[u32], &[u32])]) -> candle_core::Result<Vec<f32>> {
        let h = self.hidden;
        let tokens: usize = texts.iter().map(|(ids, _)| ids.len()).sum();
        let mut values = Vec::with_capacity(tokens * h);
        for (ids, type_ids) in texts {
            if ids.len() > self.max_positions {
                candle_core::bail!(
                    "{} tokens, more than the model's {}",
                    ids.len(),
                    self.max_positions
                );
            }
            for (position, (&id, &type_id)) in ids.iter().zip(type_ids.iter()).enumerate() {
                let (id, type_id) = (id as usize, type_id as usize);
                if id >= self.vocab || type_id >= self.type_vocab {
                    candle_core::bail!("token {id} (type {type_id}) is outside the vocabulary");
                }
                let word = &self.word[id * h..(id + 1) * h];
                let place = &self.position[position * h..(position + 1) * h];
                let kind = &self.token_type[type_id * h..(type_id + 1) * h];
                values.extend(
                    word.iter()
                        .zip(place)
                        .zip(kind)
                        .map(|((w, p), k)| w + p + k),
                );
            }
        }
        kernels::run(
            kernels::Pass::LayerNorm(self.embedding_norm.weights()),
            &mut values,
        );
        Ok(values)
    }
}

impl Norm {
    fn weights(&self) -> kernels::Norm<'_> {
        kernels::Norm {
            weight: &self.weight,
            bias: &self.bias,
            eps: self.eps,
        }
    }

    fn load(variables: &VarBuilder, size: usize, eps: f32) -> candle_core::Result<Self> {
        let (weight, bias) = if variables.contains_tensor("weight") {
            ("weight", "bias")
        } else {
            ("gamma", "beta")
        };
        Ok(Self {
            weight: variables.get(size, weight)?.to_vec1()?,
            bias: variables.get(size, bias)?.to_vec1()?,
            eps,
        })
    }
}

impl Dense {
    fn load(variables: &VarBuilder, inputs: usize, outputs: usize) -> candle_core::Result<Self> {
        Ok(Self {
            weight: variables.get((outputs, inputs), "weight")?.t()?,
            bias: variables.get(outputs, "bias")?.to_vec1()?,
        })
    }

    /// `input · weight` (the bias is left to the fused step after it).
    fn product(&self, input: &Tensor) -> candle_core::Result<Tensor> {
        input.matmul(&self.weight)
    }
}

impl EncoderLayer {
    fn load(variables: &VarBuilder, config: &Config, eps: f32) -> candle_core::Result<Self> {
        let (h, inner) = (config.hidden_size, config.intermediate_size);
        let attention = variables.pp("attention");
        let own = attention.pp("self");
        let (query, key, value) = (
            Dense::load(&own.pp("query"), h, h)?,
            Dense::load(&own.pp("key"), h, h)?,
            Dense::load(&own.pp("value"), h, h)?,
        );
        let qkv = Dense {
            weight: Tensor::cat(&[&query.weight, &key.weight, &value.weight], 1)?,
            bias: [query.bias, key.bias, value.bias].concat(),
        };
        Ok(Self {
            qkv,
            attention_output: Dense::load(&attention.pp("output").pp("dense"), h, h)?,
            attention_norm: Norm::load(&attention.pp("output").pp("LayerNorm"), h, eps)?,
            intermediate: Dense::load(&variables.pp("intermediate").pp("dense"), h, inner)?,
            output: Dense::load(&variables.pp("output").pp("dense"), inner, h)?,
            output_norm: Norm::load(&variables.pp("output").pp("LayerNorm"), h, eps)?,
        })
    }

    fn forward(
        &self,
        hidden: &Tensor,
        lengths: &[usize],
        heads: usize,
        activation: Activation,
    ) -> candle_core::Result<Tensor> {
        let (tokens, h) = hidden.dims2()?;
        let qkv = self.qkv.product(hidden)?;
        qkv.inplace_op1(&InPlace(kernels::Pass::AddBias(&self.qkv.bias)))?;
        let context = attention(&qkv, lengths, heads, h)?.reshape((tokens, h))?;

        let attended = self.attention_output.product(&context)?;
        attended.inplace_op2(
            hidden,
            &AddBiasResidualNorm(&self.attention_output.bias, &self.attention_norm),
        )?;

        let inner = self.intermediate.product(&attended)?;
        let bias = &self.intermediate.bias;
        inner.inplace_op1(&InPlace(match activation {
            Activation::Gelu => kernels::Pass::AddBiasGelu(bias),
            Activation::GeluApproximate => kernels::Pass::AddBiasGeluTanh(bias),
            Activation::Relu => kernels::Pass::AddBiasRelu(bias),
        }))?;
        let output = self.output.product(&inner)?;
        output.inplace_op2(
            &attended,
            &AddBiasResidualNorm(&self.output.bias, &self.output_norm),
        )?;
        Ok(output)
    }
}

/// Self-attention, text by text (so no text attends to another's tokens,
/// and no padding is computed). `qkv` is `(tokens, 3 × hidden)`; the
/// result is `(tokens, heads, head size)`.
fn attention(
    qkv: &Tensor,
    lengths: &[usize],
    heads: usize,
    hidden: usize,
) -> candle_core::Result<Tensor> {
    let head_size = hidden / heads;
    let scale = 1.0 / (head_size as f32).sqrt();
    let mut contexts = Vec::with_capacity(lengths.len());
    let mut start = 0;
    for &length in lengths {
        let text = qkv
            .narrow(0, start, length)?
            .reshape((length, 3, heads, head_size))?;
        let part = |index: usize| text.i((.., index))?.transpose(0, 1)?.contiguous();
        let (query, key, value) = (part(0)?, part(1)?, part(2)?);
        let scores = query.matmul(&key.t()?)?;
        scores.inplace_op1(&InPlace(kernels::Pass::ScaledSoftmax {
            width: length,
            scale,
        }))?;
        contexts.push(scores.matmul(&value)?.transpose(0, 1)?);
        start += length;
    }
    Tensor::cat(&contexts, 0)
}

/// Runs `read` on a contiguous f32 tensor's values.
fn with_values<R>(tensor: &Tensor, read: impl FnOnce(&[f32]) -> R) -> candle_core::Result<R> {
    let (storage, layout) = tensor.storage_and_layout();
    let Storage::Cpu(storage) = &*storage else {
        candle_core::bail!("the encoder runs on the CPU");
    };
    Ok(read(contiguous(storage, layout)?))
}

fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg("expected a contiguous tensor".into()))?;
    Ok(&storage.as_slice::<f32>()?[start..end])
}

fn contiguous_mut<'a>(
    storage: &'a mut CpuStorage,
    layout: &Layout,
) -> candle_core::Result<&'a mut [f32]> {
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| candle_core::Error::Msg("expected a contiguous tensor".into()))?;
    match storage {
        CpuStorage::F32(values) => Ok(&mut values[start..end]),
        _ => candle_core::bail!("expected f32 values"),
    }
}

/// A pass of [`kernels`] over a tensor's values, in place.
struct InPlace<'a>(kernels::Pass<'a>);

impl InplaceOp1 for InPlace<'_> {
    fn name(&self) -> &'static str {
        "encoder-pass"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        kernels::run(self.0, contiguous_mut(storage, layout)?);
        Ok(())
    }
}

/// `norm(x + bias + residual)`, row by row, into `x`.
struct AddBiasResidualNorm<'a>(&'a [f32], &'a Norm);

impl InplaceOp2 for AddBiasResidualNorm<'_> {
    fn name(&self) -> &'static str {
        "add-bias-residual-norm"
    }

    fn cpu_fwd(
        &self,
        storage: &mut CpuStorage,
        layout: &Layout,
        residual: &CpuStorage,
        residual_layout: &Layout,
    ) -> candle_core::Result<()> {
        let values = contiguous_mut(storage, layout)?;
        let residual = contiguous(residual, residual_layout)?;
        if residual.len() != values.len() {
            candle_core::bail!("residual of another shape");
        }
        let pass = kernels::Pass::AddBiasResidualNorm {
            bias: self.0,
            residual,
            norm: self.1.weights(),
        };
        kernels::run(pass, values);
        Ok(())
    }
}
