//! Cochran–Mantel–Haenszel analysis of stratified 2×2 tables.
//!
//! One stratum per grant call, so that a group is compared with the
//! comparison group within calls (calls differ in success rates and in who
//! applies). Stratum layout: row 1 = the group, row 2 = the comparison
//! group; column 1 = approved, column 2 = not approved.

use serde::{Deserialize, Serialize};

use super::dist::{Hypergeometric, normal_cdf, normal_upper_quantile, valid_confidence};
use super::{Alternative, Estimate, Interval, MAX_COUNT, count};

/// One 2×2 table `[[a, b], [c, d]]`: the group has `a` approved and `b` not
/// approved, the comparison group `c` approved and `d` not approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stratum {
    /// Group, approved.
    pub a: u64,
    /// Group, not approved.
    pub b: u64,
    /// Comparison group, approved.
    pub c: u64,
    /// Comparison group, not approved.
    pub d: u64,
}

/// Result of [`mantel_haenszel`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CmhResult {
    /// Mantel–Haenszel common risk ratio (approval rate of row 1 over row 2),
    /// `Σ a·n2/n / Σ c·n1/n`, with the Greenland–Robins (1985) variance
    /// `Var ln RR = Σ (m1·n1·n2 − a·c·n)/n² / (Σ a·n2/n · Σ c·n1/n)` and a
    /// log-scale interval.
    pub risk_ratio: Estimate,
    /// Mantel–Haenszel common odds ratio `Σ a·d/n / Σ b·c/n` with the
    /// Robins–Breslow–Greenland (1986) interval, as R's `mantelhaen.test`.
    pub odds_ratio: Estimate,
    /// CMH chi-square with continuity correction (R, `correct = TRUE`):
    /// `(|Σ (a − E a)| − ½)² / Σ Var a`, the ½ dropped when `|Σ (a − E a)| < ½`.
    pub statistic: f64,
    /// Asymptotic p-value as R: two-sided from χ²(1); one-sided from the
    /// normal deviate `sign(Σ (a − E a))·√statistic`.
    pub p_value: f64,
    /// Exact conditional p-value (R's `mantelhaen.test(exact = TRUE)`):
    /// `Σ a` given all margins follows the convolution of the strata's
    /// hypergeometric distributions. `None` when the computation would exceed
    /// [`EXACT_WORK_LIMIT`]; use `p_value` then (the tables are large enough
    /// for it). Values below ~1e-300 are not resolved and may read 0.
    pub exact_p_value: Option<f64>,
    /// Mantel–Fleiss criterion: `Σ E a` is at least 5 away from both the
    /// smallest and the largest possible `Σ a`. When false, prefer
    /// `exact_p_value` over `p_value`.
    pub mantel_fleiss_ok: bool,
}

/// Limit on multiply-adds for the exact convolution, checked first against an
/// estimate from the strata's variances and then enforced while running
/// (both passes together; the second, unpruned pass only runs for p-values
/// below ~1e-28). Measured in release mode on a shared 2-core machine: 2–4 ms
/// at the limit; 40 calls of ~20 applicants need about 10^5 (~20–30 µs with
/// everything else), 40 calls of ~1,000 applicants about 7·10^6. Past it,
/// use `p_value`: tables that large meet the Mantel–Fleiss criterion many
/// times over.
pub const EXACT_WORK_LIMIT: u64 = 10_000_000;

/// Terms below this fraction of the running maximum are dropped from the
/// exact convolution; their total mass is tracked so the result can be
/// recomputed without pruning when it could matter (relative error > 1e-10).
const PRUNE: f64 = 1e-40;

/// A stratum as floats for the closed-form statistics, plus `a` and its
/// conditional (hypergeometric) distribution for the exact test.
#[derive(Debug, Clone, Copy)]
struct Table {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    ai: i64,
    dist: Hypergeometric,
}

impl Table {
    fn n(&self) -> f64 {
        self.a + self.b + self.c + self.d
    }
    fn row1(&self) -> f64 {
        self.a + self.b
    }
    fn row2(&self) -> f64 {
        self.c + self.d
    }
    fn col1(&self) -> f64 {
        self.a + self.c
    }
    fn col2(&self) -> f64 {
        self.b + self.d
    }
    /// All four margins positive; otherwise `a` is fixed given the margins.
    fn informative(&self) -> bool {
        self.row1() > 0.0 && self.row2() > 0.0 && self.col1() > 0.0 && self.col2() > 0.0
    }
}

fn table(s: &Stratum) -> Option<Table> {
    let (a, b, c, d) = (count(s.a)?, count(s.b)?, count(s.c)?, count(s.d)?);
    // Each count is at most 2^53, so the sum fits in i64; it must be exact in f64 too.
    if a + b + c + d > MAX_COUNT as i64 {
        return None;
    }
    Some(Table {
        a: a as f64,
        b: b as f64,
        c: c as f64,
        d: d as f64,
        ai: a,
        dist: Hypergeometric::new(a + c, b + d, a + b),
    })
}

/// Mantel–Haenszel analysis of stratified 2×2 tables (see [`CmhResult`] for
/// every field's formula and reference).
///
/// Strata with a zero margin (including empty strata) have a fixed `a` and
/// contribute nothing to the CMH statistic, the odds ratio, the exact test or
/// the Mantel–Fleiss criterion; R's `mantelhaen.test` gives the same numbers
/// once strata with fewer than 2 observations are removed (it rejects them).
/// For the risk ratio they enter the Mantel–Haenszel sums as the formulas
/// say (as statsmodels `StratifiedTable.riskratio_pooled` and epiR): a call
/// where everybody was approved adds `a·c/n` to both sums, pulling the
/// ratio towards 1.
///
/// Intervals follow R's rule for the odds ratio: two-sided
/// `est·exp(±z_{1−α/2}·se)`; for `Less` `[0, est·exp(z_{1−α}·se)]`; for
/// `Greater` `[est·exp(−z_{1−α}·se), ∞]`. When a Mantel–Haenszel sum is zero
/// the estimate is 0 or ∞ (NaN if both are) and the bounds follow IEEE
/// arithmetic, as in R.
///
/// Returns `None` when no stratum is informative, a count reaches 2^53, or
/// the confidence level is outside (0, 1).
pub fn mantel_haenszel(strata: &[Stratum], confidence: f64, alt: Alternative) -> Option<CmhResult> {
    mantel_haenszel_with(strata, confidence, alt, Exact::Always)
}

/// When [`mantel_haenszel_with`] computes the exact p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exact {
    /// Whenever it is within [`EXACT_WORK_LIMIT`].
    Always,
    /// Only when the Mantel–Fleiss criterion fails, i.e. when the asymptotic p-value is not to
    /// be trusted: an evaluation runs thousands of tests and must not pay for exact ones the
    /// normal approximation already answers.
    WhenNeeded,
}

/// [`mantel_haenszel`] with a choice of when to compute the exact p-value.
pub fn mantel_haenszel_with(
    strata: &[Stratum],
    confidence: f64,
    alt: Alternative,
    exact: Exact,
) -> Option<CmhResult> {
    if !valid_confidence(confidence) {
        return None;
    }
    let tables = strata.iter().map(table).collect::<Option<Vec<_>>>()?;
    let informative: Vec<Table> = tables.iter().copied().filter(Table::informative).collect();
    if informative.is_empty() {
        return None;
    }
    let (statistic, p_value) = cmh_test(&informative, alt);
    let mantel_fleiss_ok = mantel_fleiss(&informative);
    let exact_p_value = match exact {
        Exact::WhenNeeded if mantel_fleiss_ok => None,
        _ => exact_p_value(&informative, alt),
    };
    Some(CmhResult {
        risk_ratio: mh_risk_ratio(&tables, confidence, alt),
        odds_ratio: odds_ratio(&informative, confidence, alt),
        statistic,
        p_value,
        exact_p_value,
        mantel_fleiss_ok,
    })
}

/// The Mantel–Haenszel common risk ratio with its two-sided interval (Greenland–Robins), for
/// display whatever the direction of the test. `None` when no stratum has both rows.
pub fn risk_ratio(strata: &[Stratum], confidence: f64) -> Option<Estimate> {
    if !valid_confidence(confidence) {
        return None;
    }
    let tables = strata.iter().map(table).collect::<Option<Vec<_>>>()?;
    tables
        .iter()
        .any(|t| t.row1() > 0.0 && t.row2() > 0.0)
        .then(|| mh_risk_ratio(&tables, confidence, Alternative::TwoSided))
}

/// R's `mantelhaen.test(correct = TRUE)` statistic and p-value for 2×2×K.
fn cmh_test(tables: &[Table], alt: Alternative) -> (f64, f64) {
    let mut delta = 0.0;
    let mut variance = 0.0;
    for t in tables {
        let n = t.n();
        delta += t.a - t.row1() * t.col1() / n;
        variance += t.row1() * t.row2() * t.col1() * t.col2() / (n * n * (n - 1.0));
    }
    let yates = if delta.abs() >= 0.5 { 0.5 } else { 0.0 };
    let statistic = (delta.abs() - yates).powi(2) / variance;
    // R uses sign(0) = 0; signum(0.0) is 1, but then the statistic is 0 anyway.
    let z = delta.signum() * statistic.sqrt();
    let p_value = match alt {
        // P(χ²₁ > s) = P(|Z| > √s).
        Alternative::TwoSided => 2.0 * normal_cdf(-statistic.sqrt()),
        Alternative::Less => normal_cdf(z),
        Alternative::Greater => normal_cdf(-z),
    };
    (statistic, p_value)
}

/// `est·exp(…)` interval in R's one- or two-sided form.
fn log_interval(estimate: f64, se: f64, confidence: f64, alt: Alternative) -> Interval {
    match alt {
        Alternative::TwoSided => {
            let z = normal_upper_quantile((1.0 - confidence) / 2.0);
            Interval {
                lower: estimate * (-z * se).exp(),
                upper: estimate * (z * se).exp(),
            }
        }
        Alternative::Less => Interval {
            lower: 0.0,
            upper: estimate * (normal_upper_quantile(1.0 - confidence) * se).exp(),
        },
        Alternative::Greater => Interval {
            lower: estimate * (-normal_upper_quantile(1.0 - confidence) * se).exp(),
            upper: f64::INFINITY,
        },
    }
}

fn mh_risk_ratio(tables: &[Table], confidence: f64, alt: Alternative) -> Estimate {
    let (mut num, mut den, mut var_num) = (0.0, 0.0, 0.0);
    for t in tables.iter().filter(|t| t.n() > 0.0) {
        let n = t.n();
        num += t.a * t.row2() / n;
        den += t.c * t.row1() / n;
        var_num += (t.col1() * t.row1() * t.row2() - t.a * t.c * n) / (n * n);
    }
    let estimate = num / den;
    let se = (var_num / (num * den)).sqrt();
    Estimate {
        estimate,
        interval: log_interval(estimate, se, confidence, alt),
    }
}

fn odds_ratio(tables: &[Table], confidence: f64, alt: Alternative) -> Estimate {
    let (mut diag, mut offd) = (0.0, 0.0);
    let (mut p_r, mut ps_qr, mut q_s) = (0.0, 0.0, 0.0);
    for t in tables {
        let n = t.n();
        let (r, s) = (t.a * t.d / n, t.b * t.c / n);
        let (p, q) = ((t.a + t.d) / n, (t.b + t.c) / n);
        diag += r;
        offd += s;
        p_r += p * r;
        ps_qr += p * s + q * r;
        q_s += q * s;
    }
    let estimate = diag / offd;
    let se = (p_r / (2.0 * diag * diag) + ps_qr / (2.0 * diag * offd) + q_s / (2.0 * offd * offd))
        .sqrt();
    Estimate {
        estimate,
        interval: log_interval(estimate, se, confidence, alt),
    }
}

/// Mantel & Fleiss (1980): both `Σ E a − Σ min a` and `Σ max a − Σ E a` at least 5.
fn mantel_fleiss(tables: &[Table]) -> bool {
    let (mut expected, mut lowest, mut highest) = (0.0, 0.0, 0.0);
    for t in tables {
        expected += t.row1() * t.col1() / t.n();
        lowest += (t.col1() - t.row2()).max(0.0);
        highest += t.row1().min(t.col1());
    }
    expected - lowest >= 5.0 && highest - expected >= 5.0
}

/// Exact conditional p-value, or `None` past [`EXACT_WORK_LIMIT`].
fn exact_p_value(tables: &[Table], alt: Alternative) -> Option<f64> {
    if estimated_work(tables) > EXACT_WORK_LIMIT as f64 {
        return None;
    }
    let observed: i64 = tables.iter().map(|t| t.ai).sum();
    let mut budget = EXACT_WORK_LIMIT;
    let pruned = Convolution::build(tables, PRUNE, &mut budget)?;
    let p = pruned.p_value(observed, alt);
    if pruned.dropped <= 1e-10 * p {
        return Some(p);
    }
    // The pruned mass could matter at this p-value: redo without pruning.
    let full = Convolution::build(tables, 0.0, &mut budget)?;
    Some(full.p_value(observed, alt))
}

/// Multiply-adds the pruned convolution should need, so hopeless cases are
/// refused before any work: kept widths are about `±√(2 ln(1/PRUNE))` ≈ 13.6
/// standard deviations (capped by the supports), for each stratum and for
/// the running sum.
fn estimated_work(tables: &[Table]) -> f64 {
    let half_width = (2.0 * (1.0 / PRUNE).ln()).sqrt();
    let (mut variance, mut support, mut work) = (0.0_f64, 0.0, 0.0);
    for t in tables {
        let n = t.n();
        let var = t.row1() * t.row2() * t.col1() * t.col2() / (n * n * (n - 1.0));
        let width = (t.dist.max() - t.dist.min()) as f64;
        let kept = (2.0 * half_width * var.sqrt()).min(width) + 1.0;
        let running = (2.0 * half_width * variance.sqrt()).min(support) + 1.0;
        work += kept * running;
        variance += var;
        support += width;
    }
    work
}

/// Distribution of `Σ a` over `lo..lo + values.len()`, stored relative to its
/// maximum (`P(lo + i) = values[i]·exp(ln_scale)`) so nothing underflows.
struct Convolution {
    lo: i64,
    values: Vec<f64>,
    ln_scale: f64,
    /// Total probability of the outcomes pruned away (a bound on the error
    /// of any tail sum).
    dropped: f64,
}

impl Convolution {
    fn build(tables: &[Table], prune: f64, budget: &mut u64) -> Option<Self> {
        let mut conv = Self {
            lo: 0,
            values: vec![1.0],
            ln_scale: 0.0,
            dropped: 0.0,
        };
        // Buffers reused across strata.
        let (mut pmf, mut out) = (Vec::new(), Vec::new());
        for t in tables {
            let (first, dropped) = stratum_pmf(&t.dist, prune, &mut pmf);
            conv.dropped += dropped;
            let work = (conv.values.len() * pmf.len()) as u64;
            *budget = budget.checked_sub(work)?;
            out.clear();
            out.resize(conv.values.len() + pmf.len() - 1, 0.0);
            for (j, &u) in pmf.iter().enumerate() {
                for (o, &v) in out[j..].iter_mut().zip(&conv.values) {
                    *o += v * u;
                }
            }
            conv.lo += first;
            std::mem::swap(&mut conv.values, &mut out);
            conv.rescale_and_trim(prune);
        }
        Some(conv)
    }

    /// Rescales to a maximum of 1 and trims negligible ends. The distribution
    /// is log-concave (a convolution of hypergeometrics), so small values only
    /// occur at the ends.
    fn rescale_and_trim(&mut self, prune: f64) {
        let max = self.values.iter().fold(0.0_f64, |m, &v| m.max(v));
        self.values.iter_mut().for_each(|v| *v /= max);
        self.ln_scale += max.ln();
        let scale = self.ln_scale.exp();
        let negligible = |v: f64| v == 0.0 || v < prune;
        let start = self
            .values
            .iter()
            .position(|&v| !negligible(v))
            .unwrap_or(0);
        let end = self
            .values
            .iter()
            .rposition(|&v| !negligible(v))
            .map_or(0, |e| e + 1);
        let trimmed: f64 = self.values[..start].iter().chain(&self.values[end..]).sum();
        self.dropped += trimmed * scale;
        self.values.truncate(end);
        self.values.drain(..start);
        self.lo += start as i64;
    }

    /// R's p-values: tails `P(S <= s)`, `P(S >= s)`, or two-sided
    /// `Σ P(x)` over `P(x) <= P(s)·(1 + 1e-7)`.
    fn p_value(&self, observed: i64, alt: Alternative) -> f64 {
        const REL_ERR: f64 = 1.0 + 1e-7;
        let scale = self.ln_scale.exp();
        let len = self.values.len() as i64;
        let idx = observed - self.lo;
        let sum = |r: &[f64]| r.iter().sum::<f64>() * scale;
        let p = match alt {
            Alternative::Less if idx < 0 => 0.0,
            Alternative::Less => sum(&self.values[..(idx.min(len - 1) + 1) as usize]),
            Alternative::Greater if idx >= len => 0.0,
            Alternative::Greater => sum(&self.values[idx.max(0) as usize..]),
            // Outside the kept range the observed value is below every kept one.
            Alternative::TwoSided if idx < 0 || idx >= len => 0.0,
            Alternative::TwoSided => {
                let cutoff = self.values[idx as usize] * REL_ERR;
                self.values.iter().filter(|&&v| v <= cutoff).sum::<f64>() * scale
            }
        };
        p.min(1.0)
    }
}

/// Hypergeometric pmf of one stratum by the ratio recurrence from the mode,
/// normalized over everything that does not underflow, written to `pmf`
/// keeping values `>= prune` relative to the mode. Returns the first support
/// value kept and the probability dropped.
fn stratum_pmf(dist: &Hypergeometric, prune: f64, pmf: &mut Vec<f64>) -> (i64, f64) {
    let mode = dist.mode();
    pmf.clear();
    // Below the mode, walking down, then reversed into ascending order.
    let mut v = 1.0;
    for x in (dist.min()..mode).rev() {
        v *= dist.ratio_down(x as f64);
        if v == 0.0 {
            break;
        }
        pmf.push(v);
    }
    pmf.reverse();
    let first = mode - pmf.len() as i64;
    pmf.push(1.0);
    v = 1.0;
    for x in mode..dist.max() {
        v *= dist.ratio_up(x as f64);
        if v == 0.0 {
            break;
        }
        pmf.push(v);
    }
    let total: f64 = pmf.iter().sum();
    // Values fall monotonically away from the mode, so the dropped ones are at the ends.
    let start = pmf.iter().position(|&v| v >= prune).unwrap_or(0);
    let end = pmf
        .iter()
        .rposition(|&v| v >= prune)
        .map_or(pmf.len(), |e| e + 1);
    let dropped = pmf[..start].iter().chain(&pmf[end..]).sum::<f64>() / total;
    pmf.truncate(end);
    pmf.drain(..start);
    pmf.iter_mut().for_each(|v| *v /= total);
    (first + start as i64, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fisher::fisher_exact;

    fn s(a: u64, b: u64, c: u64, d: u64) -> Stratum {
        Stratum { a, b, c, d }
    }

    #[test]
    fn none_without_informative_strata() {
        assert!(mantel_haenszel(&[], 0.95, Alternative::TwoSided).is_none());
        let degenerate = [s(0, 0, 3, 4), s(2, 0, 5, 0), s(0, 0, 0, 0)];
        assert!(mantel_haenszel(&degenerate, 0.95, Alternative::TwoSided).is_none());
        assert!(mantel_haenszel(&[s(1, 2, 3, 4)], 1.0, Alternative::TwoSided).is_none());
    }

    #[test]
    fn degenerate_strata_do_not_change_the_test() {
        let base = [s(3, 5, 2, 8), s(6, 1, 4, 4)];
        let padded = [
            s(3, 5, 2, 8),
            s(0, 0, 0, 0),
            s(0, 0, 3, 1),
            s(6, 1, 4, 4),
            s(0, 4, 0, 2),
        ];
        let a = mantel_haenszel(&base, 0.95, Alternative::TwoSided).unwrap();
        let b = mantel_haenszel(&padded, 0.95, Alternative::TwoSided).unwrap();
        assert_eq!(a.statistic, b.statistic);
        assert_eq!(a.odds_ratio, b.odds_ratio);
        assert_eq!(a.exact_p_value, b.exact_p_value);
        assert_eq!(a.risk_ratio, b.risk_ratio);
    }

    #[test]
    fn single_stratum_exact_equals_fisher() {
        for alt in [
            Alternative::Less,
            Alternative::Greater,
            Alternative::TwoSided,
        ] {
            let r = mantel_haenszel(&[s(7, 2, 3, 9)], 0.95, alt).unwrap();
            let f = fisher_exact(7, 2, 3, 9, alt).p_value;
            let exact = r.exact_p_value.unwrap();
            assert!((exact - f).abs() <= 1e-13 * f, "{alt:?}: {exact} vs {f}");
        }
    }

    #[test]
    fn extreme_tail_falls_back_to_unpruned() {
        // Perfect separation in many strata: p is far below the pruning level.
        let strata = vec![s(20, 0, 0, 20); 10];
        let r = mantel_haenszel(&strata, 0.95, Alternative::Greater).unwrap();
        // P = Π 1/C(40, 20).
        let one: f64 = (1..=20).map(|i| i as f64 / (20 + i) as f64).product();
        let expected = one.powi(10);
        let got = r.exact_p_value.unwrap();
        assert!(
            (got - expected).abs() <= 1e-10 * expected,
            "{got} vs {expected}"
        );
        assert!(!r.mantel_fleiss_ok || r.p_value < 1e-20);
    }

    #[test]
    fn mantel_fleiss_small_and_large() {
        let small = mantel_haenszel(&[s(1, 1, 1, 1)], 0.95, Alternative::TwoSided).unwrap();
        assert!(!small.mantel_fleiss_ok);
        let large = mantel_haenszel(&[s(40, 60, 50, 50); 3], 0.95, Alternative::TwoSided).unwrap();
        assert!(large.mantel_fleiss_ok);
    }

    #[test]
    fn huge_strata_skip_the_exact_test() {
        let strata = vec![s(5_000, 5_000, 5_000, 5_000); 20];
        let r = mantel_haenszel(&strata, 0.95, Alternative::TwoSided).unwrap();
        assert_eq!(r.exact_p_value, None);
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
    }
}
