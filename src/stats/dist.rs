//! Accurate discrete densities and tails shared by the tests.
//!
//! Densities use Loader's saddle-point form (C. Loader, "Fast and accurate
//! computation of binomial probabilities", 2000), the algorithm behind R's
//! `dbinom`/`dhyper`. It keeps ~1e-14 relative accuracy for counts in the
//! millions, where statrs' `Binomial::cdf` (incomplete beta with an `ln Γ`
//! prefactor) is off by up to ~1e-9 relative at n = 1e6 (measured against
//! SciPy), as large as the tolerance the fixtures use.
//!
//! Tails are sums of pmf terms taken outward from the evaluation point,
//! away from the mode (as Boost does for the hypergeometric, which SciPy
//! wraps), so only terms that matter are visited and tiny tails keep full
//! relative precision.

use statrs::function::erf::erfc_inv;
use std::f64::consts::{SQRT_2, TAU};

/// Relative size below which further tail terms are ignored.
const TAIL_EPS: f64 = 1e-17;

/// `ln(n!) - ((n + 1/2) ln n - n + ln √(2π))` for integer `n` (Loader's δ(n)).
#[allow(clippy::excessive_precision, reason = "table values as published")]
fn stirlerr(n: f64) -> f64 {
    // Exact values for n = 0..=15 (n = 0 is a placeholder, never used).
    const TABLE: [f64; 16] = [
        0.0,
        0.081_061_466_795_327_258_219_670_26,
        0.041_340_695_955_409_294_093_822_08,
        0.027_677_925_684_998_339_148_789_29,
        0.020_790_672_103_765_093_111_522_77,
        0.016_644_691_189_821_192_163_194_87,
        0.013_876_128_823_070_747_998_745_73,
        0.011_896_709_945_891_770_095_055_72,
        0.010_411_265_261_972_096_497_478_57,
        0.009_255_462_182_712_732_917_728_637,
        0.008_330_563_433_362_871_256_469_319,
        0.007_573_675_487_951_840_794_972_024,
        0.006_942_840_107_209_529_865_664_153,
        0.006_408_994_188_004_207_068_439_631,
        0.005_951_370_112_758_847_735_624_416,
        0.005_554_733_551_962_801_371_038_690,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        // Callers only pass integers in 1..=15 here.
        return TABLE[n as usize];
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// Deviance term `x ln(x/np) + np - x`, by series when `x ≈ np` to avoid
/// cancellation (Loader 2000, as in R's `bd0`).
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        if s.abs() < f64::MIN_POSITIVE {
            return s;
        }
        let mut ej = 2.0 * x * v;
        v *= v;
        // |v| < 0.01, so this converges long before the cap.
        for j in 1..1000 {
            ej *= v;
            let previous = s;
            s += ej / f64::from(2 * j + 1);
            if s == previous {
                return s;
            }
        }
        return s;
    }
    x * (x / np).ln() + np - x
}

/// `ln` of the binomial pmf at integer `x` for integer `n`, with `q = 1 - p`
/// passed separately (R's `dbinom_raw`). Written so that swapping `x` and
/// `n - x` (with `p` and `q`) gives bit-identical results: SciPy's two-sided
/// tests compare pmf values with a 1e-14 tolerance and symmetric tables must
/// tie exactly.
fn ln_dbinom_raw(x: f64, n: f64, p: f64, q: f64) -> f64 {
    if p == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q == 0.0 {
        return if x == n { 0.0 } else { f64::NEG_INFINITY };
    }
    if x == 0.0 {
        if n == 0.0 {
            return 0.0;
        }
        return if p < 0.1 {
            -bd0(n, n * q) - n * p
        } else {
            n * q.ln()
        };
    }
    if x == n {
        return if q < 0.1 {
            -bd0(n, n * p) - n * q
        } else {
            n * p.ln()
        };
    }
    if x < 0.0 || x > n {
        return f64::NEG_INFINITY;
    }
    let lc = stirlerr(n) - (stirlerr(x) + stirlerr(n - x)) - (bd0(x, n * p) + bd0(n - x, n * q));
    let lf = (TAU * (x * (n - x) / n)).ln();
    lc - 0.5 * lf
}

/// Sums `1 + r1 + r1·r2 + ...` for a log-concave run of decreasing terms,
/// where `step(i) = (num, den)` gives the ratio `r_i = num/den` of term `i`
/// to term `i - 1` (i = 1, 2, ...) and the run has `len` terms after the
/// first. Stops once the geometric bound on the remainder, `term·r/(1 - r)`,
/// drops below `TAIL_EPS` of the sum.
///
/// Works in blocks of four terms over a common denominator: one division per
/// block instead of one per term, and the block's products do not wait on
/// each other, which makes long runs (n ~ 1e6) about 3× faster.
fn sum_run(len: u64, mut step: impl FnMut(f64) -> (f64, f64)) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let mut i = 1.0;
    let mut left = len;
    while left >= 4 {
        let (n1, d1) = step(i);
        let (n2, d2) = step(i + 1.0);
        let (n3, d3) = step(i + 2.0);
        let (n4, d4) = step(i + 3.0);
        let d34 = d3 * d4;
        let d234 = d2 * d34;
        let n12 = n1 * n2;
        let n123 = n12 * n3;
        let inv = 1.0 / (d1 * d234);
        sum += term * ((n1 * d234 + n12 * d34 + n123 * d4 + n123 * n4) * inv);
        term *= n123 * n4 * inv;
        left -= 4;
        i += 4.0;
        // Remainder <= term·r/(1 - r) with r = n4/d4, written without division.
        if term * n4 <= TAIL_EPS * sum * (d4 - n4) {
            return sum;
        }
    }
    for _ in 0..left {
        let (num, den) = step(i);
        let r = num / den;
        term *= r;
        sum += term;
        if term * r <= TAIL_EPS * sum * (1.0 - r) {
            break;
        }
        i += 1.0;
    }
    sum
}

/// Binomial(n, p) distribution with accurate pmf and tails.
#[derive(Debug, Clone, Copy)]
pub(super) struct Binomial {
    n: i64,
    p: f64,
    q: f64,
}

impl Binomial {
    /// `p` must lie in [0, 1]; `n` must be below 2^53.
    pub(super) fn new(n: i64, p: f64) -> Self {
        Self { n, p, q: 1.0 - p }
    }

    pub(super) fn ln_pmf(&self, x: i64) -> f64 {
        if x < 0 || x > self.n {
            return f64::NEG_INFINITY;
        }
        ln_dbinom_raw(x as f64, self.n as f64, self.p, self.q)
    }

    pub(super) fn pmf(&self, x: i64) -> f64 {
        self.ln_pmf(x).exp()
    }

    fn mode(&self) -> i64 {
        (((self.n + 1) as f64 * self.p).floor() as i64).min(self.n)
    }

    /// `P(X <= x)` for `x < mode`: terms decrease going down from `x`.
    fn sum_down(&self, x: i64) -> f64 {
        let (n, p, q) = (self.n as f64, self.p, self.q);
        let top = x as f64;
        // pmf(j - 1) / pmf(j) = j·q / ((n - j + 1)·p)
        let s = sum_run(x as u64, |i| {
            let j = top - i + 1.0;
            (j * q, (n - j + 1.0) * p)
        });
        (self.ln_pmf(x) + s.ln()).exp()
    }

    /// `P(X >= x)` for `x > mode`: terms decrease going up from `x`.
    fn sum_up(&self, x: i64) -> f64 {
        let (n, p, q) = (self.n as f64, self.p, self.q);
        let bottom = x as f64;
        // pmf(j + 1) / pmf(j) = (n - j)·p / ((j + 1)·q)
        let s = sum_run((self.n - x) as u64, |i| {
            let j = bottom + i - 1.0;
            ((n - j) * p, (j + 1.0) * q)
        });
        (self.ln_pmf(x) + s.ln()).exp()
    }

    /// `P(X <= x)`.
    pub(super) fn cdf(&self, x: i64) -> f64 {
        if x < 0 {
            0.0
        } else if x >= self.n || self.p == 0.0 {
            1.0
        } else if self.q == 0.0 {
            0.0
        } else if x < self.mode() {
            self.sum_down(x)
        } else {
            1.0 - self.sum_up(x + 1)
        }
    }

    /// `P(X > x)`.
    pub(super) fn sf(&self, x: i64) -> f64 {
        if x < 0 {
            1.0
        } else if x >= self.n || self.p == 0.0 {
            0.0
        } else if self.q == 0.0 {
            1.0
        } else if x < self.mode() {
            1.0 - self.sum_down(x)
        } else {
            self.sum_up(x + 1)
        }
    }
}

/// Hypergeometric distribution of the number of successes in `draws` draws
/// without replacement from `successes` successes and `failures` failures.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hypergeometric {
    successes: i64,
    failures: i64,
    draws: i64,
    /// `p = draws/total` and `q = 1 - p` of Loader's form, and its
    /// x-independent term `ln dbinom(draws; total, p)`, computed once.
    p: f64,
    q: f64,
    ln_norm: f64,
}

impl Hypergeometric {
    /// Requires non-negative counts with `draws <= successes + failures`,
    /// all below 2^53.
    pub(super) fn new(successes: i64, failures: i64, draws: i64) -> Self {
        let total = (successes + failures) as f64;
        let (p, q) = if total > 0.0 {
            (draws as f64 / total, (total - draws as f64) / total)
        } else {
            (0.0, 1.0)
        };
        Self {
            successes,
            failures,
            draws,
            p,
            q,
            ln_norm: ln_dbinom_raw(draws as f64, total, p, q),
        }
    }

    pub(super) fn min(&self) -> i64 {
        (self.draws - self.failures).max(0)
    }

    pub(super) fn max(&self) -> i64 {
        self.draws.min(self.successes)
    }

    /// Mean `draws·successes/total`.
    pub(super) fn mean(&self) -> f64 {
        self.draws as f64 * self.successes as f64 / (self.successes + self.failures) as f64
    }

    /// `floor((draws + 1)(successes + 1) / (total + 2))`, as Boost and SciPy.
    pub(super) fn mode(&self) -> i64 {
        let total = self.successes + self.failures;
        let num = (self.draws + 1) as f64 * (self.successes + 1) as f64;
        (num / (total + 2) as f64).floor() as i64
    }

    /// Loader's form, as R's `dhyper`: `dbinom(x; successes, p) ·
    /// dbinom(draws - x; failures, p) / dbinom(draws; total, p)` at
    /// `p = draws/total`, which keeps full relative accuracy.
    pub(super) fn ln_pmf(&self, x: i64) -> f64 {
        if x < self.min() || x > self.max() {
            return f64::NEG_INFINITY;
        }
        if self.draws == 0 {
            return 0.0;
        }
        let with = ln_dbinom_raw(x as f64, self.successes as f64, self.p, self.q);
        let without = ln_dbinom_raw(
            (self.draws - x) as f64,
            self.failures as f64,
            self.p,
            self.q,
        );
        with + without - self.ln_norm
    }

    pub(super) fn pmf(&self, x: i64) -> f64 {
        self.ln_pmf(x).exp()
    }

    /// `pmf(x + 1) / pmf(x)` as `(numerator, denominator)`.
    fn step_up(&self, x: f64) -> (f64, f64) {
        let (k, f, n) = (
            self.successes as f64,
            self.failures as f64,
            self.draws as f64,
        );
        ((k - x) * (n - x), (x + 1.0) * (f - n + x + 1.0))
    }

    /// Ratio `pmf(x + 1) / pmf(x)`.
    pub(super) fn ratio_up(&self, x: f64) -> f64 {
        let (num, den) = self.step_up(x);
        num / den
    }

    /// Ratio `pmf(x) / pmf(x + 1)`.
    pub(super) fn ratio_down(&self, x: f64) -> f64 {
        let (num, den) = self.step_up(x);
        den / num
    }

    fn sum_down(&self, x: i64) -> f64 {
        let top = x as f64;
        let s = sum_run((x - self.min()) as u64, |i| {
            let (num, den) = self.step_up(top - i);
            (den, num)
        });
        (self.ln_pmf(x) + s.ln()).exp()
    }

    fn sum_up(&self, x: i64) -> f64 {
        let bottom = x as f64;
        let s = sum_run((self.max() - x) as u64, |i| self.step_up(bottom + i - 1.0));
        (self.ln_pmf(x) + s.ln()).exp()
    }

    /// `P(X <= x)`.
    pub(super) fn cdf(&self, x: i64) -> f64 {
        if x < self.min() {
            0.0
        } else if x >= self.max() {
            1.0
        } else if x < self.mode() {
            self.sum_down(x)
        } else {
            1.0 - self.sum_up(x + 1)
        }
    }

    /// `P(X > x)`.
    pub(super) fn sf(&self, x: i64) -> f64 {
        if x < self.min() {
            1.0
        } else if x >= self.max() {
            0.0
        } else if x < self.mode() {
            1.0 - self.sum_down(x)
        } else {
            self.sum_up(x + 1)
        }
    }
}

/// The index SciPy's `_binary_search_for_binom_tst(a, d, lo, hi)` returns,
/// found faster.
///
/// For `a` non-decreasing on `[lo, hi]` (`lo <= hi`) SciPy's search returns
/// the crossing `i` in `lo - 1..=hi` with `a(i) <= d < a(i + 1)` (taking
/// `a(lo - 1) = -∞`, `a(hi + 1) = +∞`); the two-sided binomial and Fisher
/// p-values are defined through it. Here the crossing is bracketed by
/// galloping out from `guess` (the mirror image of the observation, usually
/// within a few steps of the answer) and then bisected, so a pmf is evaluated
/// a handful of times instead of `log2(hi - lo)` times. The result is the
/// same unless `a` has a plateau exactly at `d`.
pub(super) fn find_crossing(a: impl Fn(i64) -> f64, d: f64, lo: i64, hi: i64, guess: i64) -> i64 {
    let g = guess.clamp(lo, hi);
    // Invariant once set: a(below) <= d < a(above).
    let (mut below, mut above);
    let mut step = 1;
    if a(g) <= d {
        below = g;
        loop {
            if below >= hi {
                return hi;
            }
            let probe = below.saturating_add(step).min(hi);
            if a(probe) <= d {
                below = probe;
                step = step.saturating_mul(2);
            } else {
                above = probe;
                break;
            }
        }
    } else {
        above = g;
        loop {
            if above <= lo {
                return lo - 1;
            }
            let probe = above.saturating_sub(step).max(lo);
            if a(probe) > d {
                above = probe;
                step = step.saturating_mul(2);
            } else {
                below = probe;
                break;
            }
        }
    }
    while above - below > 1 {
        let mid = below + (above - below) / 2;
        if a(mid) <= d {
            below = mid;
        } else {
            above = mid;
        }
    }
    below
}

/// Standard normal CDF `Φ(x)`, accurate to a few ulps in both tails.
///
/// W. J. Cody's rational Chebyshev approximations (ANORM, ACM TOMS 715,
/// 1993; Math. Comp. 1969), the algorithm behind R's `pnorm`. Used instead
/// of statrs' `erfc`, whose relative error reaches 1e-10 (measured against
/// mpmath), too coarse for p-values compared at 1e-9.
#[allow(
    clippy::excessive_precision,
    reason = "Cody's coefficients as published"
)]
pub(super) fn normal_cdf(x: f64) -> f64 {
    const A: [f64; 5] = [
        2.235_252_035_460_683_928_7e00,
        1.610_282_310_685_558_788_1e02,
        1.067_689_485_460_370_958_2e03,
        1.815_498_125_334_356_124_9e04,
        6.568_233_791_820_744_911_3e-2,
    ];
    const B: [f64; 4] = [
        4.720_258_190_468_824_187_0e01,
        9.760_985_517_377_766_932_2e02,
        1.026_093_220_861_897_820_5e04,
        4.550_778_933_502_672_995_6e04,
    ];
    const C: [f64; 9] = [
        3.989_415_120_881_346_676_4e-1,
        8.883_149_794_388_375_941_2e00,
        9.350_665_613_217_785_597_9e01,
        5.972_702_763_948_002_622_6e02,
        2.494_537_585_290_372_671_1e03,
        6.848_190_450_536_282_332_6e03,
        1.160_265_143_764_735_012_4e04,
        9.842_714_838_383_978_021_8e03,
        1.076_557_677_372_019_231_7e-8,
    ];
    const D: [f64; 8] = [
        2.226_668_804_432_811_569_1e01,
        2.353_879_017_826_249_986_1e02,
        1.519_377_599_407_554_805_0e03,
        6.485_558_298_266_760_755_0e03,
        1.861_557_164_088_509_809_1e04,
        3.490_095_272_114_597_726_6e04,
        3.891_200_328_609_327_141_1e04,
        1.968_542_967_685_999_072_7e04,
    ];
    const P: [f64; 6] = [
        2.158_985_340_579_569_9e-1,
        1.274_011_611_602_473_639e-1,
        2.223_527_787_064_980_7e-2,
        1.421_619_193_227_893_466e-3,
        2.911_287_495_116_879_2e-5,
        2.307_344_176_494_017_303e-2,
    ];
    const Q: [f64; 5] = [
        1.284_260_096_144_911_21e00,
        4.682_382_124_808_651_18e-1,
        6.598_813_786_892_855_15e-2,
        3.782_396_332_027_582_44e-3,
        7.297_515_550_839_662_05e-5,
    ];
    // 1/√(2π).
    const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_677_94;
    if x.is_nan() {
        return f64::NAN;
    }
    let y = x.abs();
    if y >= 40.0 {
        // Φ(-40) ≈ 4e-350 underflows; this also covers the infinities.
        return if x < 0.0 { 0.0 } else { 1.0 };
    }
    if y <= 0.662_91 {
        let xsq = if y > f64::EPSILON / 2.0 { x * x } else { 0.0 };
        let (mut num, mut den) = (A[4] * xsq, xsq);
        for i in 0..3 {
            num = (num + A[i]) * xsq;
            den = (den + B[i]) * xsq;
        }
        return 0.5 + x * (num + A[3]) / (den + B[3]);
    }
    let ratio = if y <= 32.0_f64.sqrt() {
        let (mut num, mut den) = (C[8] * y, y);
        for i in 0..7 {
            num = (num + C[i]) * y;
            den = (den + D[i]) * y;
        }
        (num + C[7]) / (den + D[7])
    } else {
        let xsq = 1.0 / (y * y);
        let (mut num, mut den) = (P[5] * xsq, xsq);
        for i in 0..4 {
            num = (num + P[i]) * xsq;
            den = (den + Q[i]) * xsq;
        }
        (FRAC_1_SQRT_2PI - xsq * (num + P[4]) / (den + Q[4])) / y
    };
    // exp(-y²/2) split as exp(-s²/2)·exp(-(y-s)(y+s)/2) with s = y rounded
    // down to 1/16, so the large part of the exponent is exact.
    let s = (y * 16.0).trunc() / 16.0;
    let tail = (-s * s * 0.5).exp() * (-(y - s) * (y + s) * 0.5).exp() * ratio;
    if x < 0.0 { tail } else { 1.0 - tail }
}

/// Standard normal upper quantile: `z` with `P(Z > z) = alpha`.
pub(super) fn normal_upper_quantile(alpha: f64) -> f64 {
    SQRT_2 * erfc_inv(2.0 * alpha)
}

/// Two-sided critical value `z_{1-α/2}` for a confidence level in (0, 1).
pub(super) fn two_sided_z(confidence: f64) -> Option<f64> {
    (confidence > 0.0 && confidence < 1.0).then(|| normal_upper_quantile((1.0 - confidence) / 2.0))
}

/// Whether a confidence level is usable (strictly between 0 and 1).
pub(super) fn valid_confidence(confidence: f64) -> bool {
    confidence > 0.0 && confidence < 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ln C(n, k) + k ln p + (n-k) ln q` summed exactly with integers for small n.
    fn naive_binom_pmf(x: u64, n: u64, p: f64) -> f64 {
        let mut c = 1.0;
        for i in 0..x {
            c = c * (n - i) as f64 / (i + 1) as f64;
        }
        c * p.powi(x as i32) * (1.0 - p).powi((n - x) as i32)
    }

    #[test]
    fn binomial_pmf_matches_naive_for_small_n() {
        for n in 1..30 {
            for x in 0..=n {
                let b = Binomial::new(n as i64, 0.3);
                let expected = naive_binom_pmf(x, n, 0.3);
                let got = b.pmf(x as i64);
                assert!((got - expected).abs() <= 1e-13 * expected, "{x} {n}");
            }
        }
    }

    #[test]
    fn binomial_tails_sum_to_one() {
        let b = Binomial::new(1000, 0.37);
        for x in [-1, 0, 100, 369, 370, 371, 500, 999, 1000] {
            let total = b.cdf(x) + b.sf(x);
            assert!((total - 1.0).abs() < 1e-14, "{x}: {total}");
        }
    }

    #[test]
    fn degenerate_binomial() {
        let zero = Binomial::new(5, 0.0);
        assert_eq!(zero.pmf(0), 1.0);
        assert_eq!(zero.cdf(0), 1.0);
        assert_eq!(zero.sf(0), 0.0);
        let one = Binomial::new(5, 1.0);
        assert_eq!(one.pmf(5), 1.0);
        assert_eq!(one.cdf(4), 0.0);
        assert_eq!(one.sf(4), 1.0);
    }

    #[test]
    fn hypergeometric_pmf_sums_to_one_and_is_symmetric() {
        let h = Hypergeometric::new(12, 12, 9);
        let total: f64 = (h.min()..=h.max()).map(|x| h.pmf(x)).sum();
        assert!((total - 1.0).abs() < 1e-14);
        // successes == failures: pmf(x) == pmf(draws - x) bit for bit.
        for x in 0..=9 {
            assert_eq!(h.ln_pmf(x), h.ln_pmf(9 - x));
        }
        let half = Hypergeometric::new(7, 13, 10);
        for x in half.min()..=half.max() {
            assert_eq!(half.ln_pmf(x), half.ln_pmf(7 - x));
        }
    }

    #[test]
    fn hypergeometric_tails() {
        let h = Hypergeometric::new(30, 50, 25);
        let mut cdf = 0.0;
        for x in h.min()..=h.max() {
            cdf += h.pmf(x);
            assert!((h.cdf(x) - cdf).abs() < 1e-14, "{x}");
            assert!((h.sf(x) - (1.0 - cdf)).abs() < 1e-14, "{x}");
        }
    }

    /// SciPy's `_binary_search_for_binom_tst`, line for line.
    fn scipy_binary_search(a: impl Fn(i64) -> f64, d: f64, mut lo: i64, mut hi: i64) -> i64 {
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let value = a(mid);
            if value < d {
                lo = mid + 1;
            } else if value > d {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        if a(lo) <= d { lo } else { lo - 1 }
    }

    #[test]
    fn crossing_matches_scipy_search() {
        // Strictly increasing sequences, thresholds on and between values,
        // every guess: the same index as SciPy's search.
        let mut seed = 12345_u64;
        for len in 1..40_i64 {
            let mut values = Vec::new();
            let mut v = 0.0;
            for _ in 0..len {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                v += 1.0 + (seed >> 40) as f64 / 1e7;
                values.push(v);
            }
            let a = |i: i64| values[i as usize];
            let mut thresholds = vec![-1.0, v + 1.0];
            thresholds.extend(values.iter().copied());
            thresholds.extend(values.iter().map(|x| x + 0.5));
            for &d in &thresholds {
                let expected = scipy_binary_search(a, d, 0, len - 1);
                for guess in -2..len + 2 {
                    assert_eq!(
                        find_crossing(a, d, 0, len - 1, guess),
                        expected,
                        "len {len} d {d} guess {guess}"
                    );
                }
            }
        }
    }

    #[test]
    #[allow(
        clippy::excessive_precision,
        reason = "reference values as printed by mpmath"
    )]
    fn normal_cdf_against_mpmath() {
        // Values from mpmath.ncdf at 40 digits.
        let cases = [
            (-1.0, 0.158_655_253_931_457_051_41),
            (-5.0, 2.866_515_718_791_939_116_7e-7),
            (-10.0, 7.619_853_024_160_526_066e-24),
            (-30.0, 4.906_713_927_148_187_059_5e-198),
            (1.5, 0.933_192_798_731_141_934),
        ];
        for (x, want) in cases {
            let got = normal_cdf(x);
            assert!(
                (got - want).abs() <= 4e-16 * want,
                "{x}: {got:e} vs {want:e}"
            );
        }
        assert!(normal_cdf(f64::NAN).is_nan());
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    }

    #[test]
    fn normal_helpers() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((normal_upper_quantile(0.025) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!(two_sided_z(1.0).is_none());
        assert!(!valid_confidence(f64::NAN));
    }
}
