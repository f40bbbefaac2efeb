//! The element-wise passes, written so the compiler vectorises them
//! (lane-wise accumulators, branch-free polynomial approximations of `exp`
//! and `erf`), run through [`run`] with the CPU's best vector
//! instructions enabled.

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
