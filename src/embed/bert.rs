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

/// The element-wise passes, written so the compiler vectorises them
/// (lane-wise accumulators, branch-free polynomial approximations of `exp`
/// and `erf`), run through [`run`] with the CPU's best vector
/// instructions enabled.
pub mod kernels {
    /// A pass over values in place.
    #[derive(Clone, Copy)]
    pub enum Pass<'a> {
        AddBias(&'a [f32]),
        AddBiasGelu(&'a [f32]),
        AddBiasGeluTanh(&'a [f32]),
        AddBiasRelu(&'a [f32]),
        /// `x + bias + residual`, then layer norm with `norm`.
        AddBiasResidualNorm {
            bias: &'a [f32],
            residual: &'a [f32],
            norm: Norm<'a>,
        },
        LayerNorm(Norm<'a>),
        /// `softmax(scale × row)` over rows of `width`.
        ScaledSoftmax {
            width: usize,
            scale: f32,
        },
    }

    /// Layer-norm weights and epsilon.
    #[derive(Clone, Copy)]
    pub struct Norm<'a> {
        pub weight: &'a [f32],
        pub bias: &'a [f32],
        pub eps: f32,
    }

    /// Runs `pass` over `values`, compiled for the best vector instructions
    /// the CPU has (AVX-512, AVX2 + FMA, or baseline), chosen at run time.
    pub fn run(pass: Pass<'_>, values: &mut [f32]) {
        pulp::Arch::new().dispatch(Vectorized { pass, values });
    }

    struct Vectorized<'a, 'b> {
        pass: Pass<'a>,
        values: &'b mut [f32],
    }

    impl pulp::WithSimd for Vectorized<'_, '_> {
        type Output = ();

        // Inlined, with every kernel, into the function pulp compiles for
        // the chosen instructions.
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) {
            let values = self.values;
            match self.pass {
                Pass::AddBias(bias) => add_bias_rows(values, bias),
                Pass::AddBiasGelu(bias) => add_bias_gelu_rows(values, bias),
                Pass::AddBiasGeluTanh(bias) => add_bias_gelu_tanh_rows(values, bias),
                Pass::AddBiasRelu(bias) => add_bias_relu_rows(values, bias),
                Pass::AddBiasResidualNorm {
                    bias,
                    residual,
                    norm,
                } => {
                    add_bias_and_rows(values, bias, residual);
                    layer_norm_rows(values, norm.weight, norm.bias, norm.eps);
                }
                Pass::LayerNorm(norm) => layer_norm_rows(values, norm.weight, norm.bias, norm.eps),
                Pass::ScaledSoftmax { width, scale } => scaled_softmax_rows(values, width, scale),
            }
        }
    }

    /// Lanes of the accumulators.
    const LANES: usize = 16;

    #[inline(always)]
    fn sum(values: &[f32]) -> f32 {
        let mut sums = [0.0f32; LANES];
        let (chunks, rest) = values.as_chunks::<LANES>();
        for chunk in chunks {
            for lane in 0..LANES {
                sums[lane] += chunk[lane];
            }
        }
        sums.iter().sum::<f32>() + rest.iter().sum::<f32>()
    }

    #[inline(always)]
    fn sum_of_squared_differences(values: &[f32], mean: f32) -> f32 {
        let mut sums = [0.0f32; LANES];
        let (chunks, rest) = values.as_chunks::<LANES>();
        for chunk in chunks {
            for lane in 0..LANES {
                let d = chunk[lane] - mean;
                sums[lane] += d * d;
            }
        }
        sums.iter().sum::<f32>() + rest.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>()
    }

    #[inline(always)]
    fn max(values: &[f32]) -> f32 {
        let mut maxima = [f32::NEG_INFINITY; LANES];
        let (chunks, rest) = values.as_chunks::<LANES>();
        for chunk in chunks {
            for lane in 0..LANES {
                maxima[lane] = maxima[lane].max(chunk[lane]);
            }
        }
        maxima
            .iter()
            .chain(rest)
            .copied()
            .fold(f32::NEG_INFINITY, f32::max)
    }

    /// `e^x` within 2 ulp for the arguments softmax and GELU give it
    /// (Cephes' polynomial; below −87 it is 0).
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        const LOG2_E: f32 = std::f32::consts::LOG2_E;
        const LN2_HIGH: f32 = 0.693_359_4;
        const LN2_LOW: f32 = -2.121_944_4e-4;
        let clamped = x.clamp(-87.0, 88.0);
        // Rounded to the nearest integer by the 1.5 × 2^23 trick (no call
        // to `floorf`, which would stop vectorisation).
        const ROUND: f32 = 12_582_912.0;
        let n = (clamped * LOG2_E + ROUND) - ROUND;
        let r = clamped - n * LN2_HIGH - n * LN2_LOW;
        let mut p = 1.987_569_1e-4_f32;
        p = p * r + 1.398_199_9e-3;
        p = p * r + 8.333_452e-3;
        p = p * r + 4.166_579_6e-2;
        p = p * r + 1.666_666_5e-1;
        p = p * r + 0.5;
        p = p * r * r + r + 1.0;
        // 2^n built from its bits; n lies in [-126, 128).
        let power = f32::from_bits(((n as i32 + 127).clamp(0, 255) as u32) << 23);
        if x < -87.0 { 0.0 } else { p * power }
    }

    /// The error function, within 1e-6 (the rational approximation Eigen
    /// and XLA use for single precision).
    #[inline(always)]
    pub fn erf(x: f32) -> f32 {
        let x = x.clamp(-4.0, 4.0);
        let x2 = x * x;
        let mut p = -2.726_142_3e-10_f32;
        p = p * x2 + 2.770_681_4e-8;
        p = p * x2 + -2.101_024e-6;
        p = p * x2 + -5.692_506_4e-5;
        p = p * x2 + -7.349_906_3e-4;
        p = p * x2 + -2.954_600_1e-3;
        p = p * x2 + -1.609_603_3e-2;
        let mut q = -1.456_607_2e-5_f32;
        q = q * x2 + -2.133_740_6e-4;
        q = q * x2 + -1.682_827e-3;
        q = q * x2 + -7.373_329_4e-3;
        q = q * x2 + -1.426_474e-2;
        x * p / q
    }

    /// `values[row] += bias` for every row.
    #[inline(always)]
    pub fn add_bias_rows(values: &mut [f32], bias: &[f32]) {
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v += b;
            }
        }
    }

    /// `values[row] += bias + residual[row]` for every row.
    #[inline(always)]
    pub fn add_bias_and_rows(values: &mut [f32], bias: &[f32], residual: &[f32]) {
        let width = bias.len();
        for (row, other) in values
            .chunks_exact_mut(width)
            .zip(residual.chunks_exact(width))
        {
            for ((v, b), r) in row.iter_mut().zip(bias).zip(other) {
                *v += b + r;
            }
        }
    }

    /// `gelu(values[row] + bias)` (with the error function).
    #[inline(always)]
    pub fn add_bias_gelu_rows(values: &mut [f32], bias: &[f32]) {
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                let x = *v + b;
                *v = 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2));
            }
        }
    }

    /// `gelu(values[row] + bias)` (the tanh approximation).
    #[inline(always)]
    pub fn add_bias_gelu_tanh_rows(values: &mut [f32], bias: &[f32]) {
        const SQRT_2_OVER_PI: f32 = 0.797_884_6;
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                let x = *v + b;
                let inner = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
                // tanh(y) = 1 - 2 / (e^{2y} + 1)
                let tanh = 1.0 - 2.0 / (exp(2.0 * inner) + 1.0);
                *v = 0.5 * x * (1.0 + tanh);
            }
        }
    }

    /// `max(values[row] + bias, 0)`.
    #[inline(always)]
    pub fn add_bias_relu_rows(values: &mut [f32], bias: &[f32]) {
        for row in values.chunks_exact_mut(bias.len()) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v = (*v + b).max(0.0);
            }
        }
    }

    /// Layer norm of every row (of `weight.len()` values), in place.
    #[inline(always)]
    pub fn layer_norm_rows(values: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
        let width = weight.len();
        for row in values.chunks_exact_mut(width) {
            let mean = sum(row) / width as f32;
            let variance = sum_of_squared_differences(row, mean) / width as f32;
            let scale = 1.0 / (variance + eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
                *v = (*v - mean) * scale * w + b;
            }
        }
    }

    /// `softmax(scale × row)` for every row of `width` values, in place.
    #[inline(always)]
    pub fn scaled_softmax_rows(values: &mut [f32], width: usize, scale: f32) {
        for row in values.chunks_exact_mut(width) {
            let top = max(row) * scale;
            for v in row.iter_mut() {
                *v = exp(*v * scale - top);
            }
            let total = 1.0 / sum(row);
            for v in row.iter_mut() {
                *v *= total;
            }
        }
    }

    /// The mean of rows of `width` values, scaled to unit length.
    pub fn mean_of_rows(rows: &[f32], width: usize) -> Vec<f32> {
        let mut mean = vec![0.0f32; width];
        let count = rows.len() / width.max(1);
        for row in rows.chunks_exact(width) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= count.max(1) as f32);
        crate::embed::normalize(&mut mean);
        mean
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn exp_matches_the_standard_library() {
            for i in -1000..=200 {
                let x = i as f32 * 0.1;
                let (ours, theirs) = (exp(x), x.exp());
                assert!(
                    (ours - theirs).abs() <= theirs * 1e-6 + 1e-37,
                    "exp({x}) = {ours}, not {theirs}"
                );
            }
            assert_eq!(exp(-200.0), 0.0);
        }

        #[test]
        fn erf_matches_its_series() {
            // erf from its Taylor series (exact enough for |x| <= 3 in f64).
            let reference = |x: f64| {
                let (mut term, mut total, mut n) = (x, x, 0.0);
                while term.abs() > 1e-17 {
                    n += 1.0;
                    term *= -x * x / n;
                    total += term / (2.0 * n + 1.0);
                }
                total * 2.0 / std::f64::consts::PI.sqrt()
            };
            for i in -300..=300 {
                let x = f64::from(i) * 0.01;
                let ours = f64::from(erf(x as f32));
                assert!((ours - reference(x)).abs() < 2e-6, "erf({x}) = {ours}");
            }
            assert!((erf(10.0) - 1.0).abs() < 1e-6 && (erf(-10.0) + 1.0).abs() < 1e-6);
        }

        #[test]
        fn softmax_rows_sum_to_one_and_keep_order() {
            let mut values = vec![1.0, 2.0, 3.0, -1000.0, 0.0, 0.0];
            run(
                Pass::ScaledSoftmax {
                    width: 3,
                    scale: 2.0,
                },
                &mut values,
            );
            let expected = [(-4.0f32).exp(), (-2.0f32).exp(), 1.0];
            let total: f32 = expected.iter().sum();
            for (v, e) in values[..3].iter().zip(expected) {
                assert!((v - e / total).abs() < 1e-6);
            }
            assert!(values[3] == 0.0 && (values[4] - 0.5).abs() < 1e-6);
        }

        #[test]
        fn layer_norm_centres_and_scales_each_row() {
            let mut values: Vec<f32> = (0..40).map(|i| i as f32).collect();
            let (weight, bias) = (vec![2.0; 20], vec![1.0; 20]);
            let norm = Norm {
                weight: &weight,
                bias: &bias,
                eps: 1e-12,
            };
            run(Pass::LayerNorm(norm), &mut values);
            for row in values.chunks(20) {
                let mean = row.iter().sum::<f32>() / 20.0;
                let variance = row.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 20.0;
                assert!((mean - 1.0).abs() < 1e-5 && (variance - 4.0).abs() < 1e-4);
            }
        }
    }
}
