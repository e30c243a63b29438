//! Exact binomial test and Clopper–Pearson interval.
//!
//! Used to ask whether a group's approval count is compatible with a given
//! approval rate (e.g. the call's overall rate).

use super::dist::{Binomial, find_crossing, valid_confidence};
use super::{Alternative, Interval, count};

/// Exact binomial test p-value for `k` successes in `n` trials with success
/// probability `p`, identical to `scipy.stats.binomtest(k, n, p, alternative).pvalue`.
///
/// One-sided: `P(X <= k)` (`Less`) or `P(X >= k)` (`Greater`). Two-sided:
/// SciPy's rule, summing the probabilities of all outcomes whose pmf is at
/// most `pmf(k)·(1 + 1e-7)`. The cutoff in the opposite tail is the index
/// SciPy's binary search over the pmf returns (found by galloping from the
/// mirror image of `k`), and both tails are summed outward from their
/// cutoffs, so the cost is about `O(√n)` at worst, not `O(n)`.
///
/// Returns NaN for invalid input (`n = 0`, `k > n`, `p` outside `[0, 1]`,
/// counts of 2^53 or more).
pub fn binom_test(k: u64, n: u64, p: f64, alt: Alternative) -> f64 {
    let (Some(k), Some(n)) = (count(k), count(n)) else {
        return f64::NAN;
    };
    if n == 0 || k > n || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let dist = Binomial::new(n, p);
    match alt {
        Alternative::Less => dist.cdf(k),
        Alternative::Greater => dist.sf(k - 1),
        Alternative::TwoSided => two_sided(&dist, k, n, p),
    }
}

/// SciPy's two-sided rule (`scipy/stats/_binomtest.py`), step for step.
fn two_sided(dist: &Binomial, k: i64, n: i64, p: f64) -> f64 {
    // SciPy's tolerance for "as or less likely than the observed outcome".
    const RERR: f64 = 1.0 + 1e-7;
    let d = dist.pmf(k);
    let expected = p * n as f64;
    let kf = k as f64;
    // Where the opposite tail's cutoff would be for a symmetric distribution.
    let mirror = (2.0 * expected - kf).round() as i64;
    let pval = if kf == expected {
        1.0
    } else if kf < expected {
        let ix = find_crossing(
            |x| -dist.pmf(x),
            -d * RERR,
            expected.ceil() as i64,
            n,
            mirror,
        );
        let y = n - ix + i64::from(d * RERR == dist.pmf(ix));
        dist.cdf(k) + dist.sf(n - y)
    } else {
        let ix = find_crossing(
            |x| dist.pmf(x),
            d * RERR,
            0,
            expected.floor() as i64,
            mirror,
        );
        let y = ix + 1;
        dist.cdf(y - 1) + dist.sf(k - 1)
    };
    pval.min(1.0)
}

/// Clopper–Pearson ("exact") confidence interval for a binomial proportion,
/// matching statsmodels `proportion_confint(k, n, alpha, method="beta")`.
///
/// The bounds are the beta quantiles `B(α/2; k, n-k+1)` and
/// `B(1-α/2; k+1, n-k)`, found here as the roots of the equivalent
/// binomial tail equations `P(X >= k | p_L) = α/2` and
/// `P(X <= k | p_U) = α/2` (safeguarded Newton on `ln p`), with the lower
/// bound `0` when `k = 0` and the upper bound `1` when `k = n`.
///
/// Returns `None` for `n = 0`, `k > n`, counts of 2^53 or more, or a
/// confidence level outside (0, 1).
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> Option<Interval> {
    let (k, n) = (count(k)?, count(n)?);
    if n == 0 || k > n || !valid_confidence(confidence) {
        return None;
    }
    let alpha = (1.0 - confidence) / 2.0;
    let lower = if k == 0 {
        0.0
    } else {
        lower_bound(k, n, alpha)
    };
    // P(X <= k | p) = P(n - X >= n - k | 1 - p): the upper bound mirrors a lower one.
    let upper = if k == n {
        1.0
    } else {
        1.0 - lower_bound(n - k, n, alpha)
    };
    Some(Interval { lower, upper })
}

/// Solves `P(X >= k | n, p) = alpha` for `p` (requires `1 <= k <= n`, `alpha < 1/2`).
///
/// Works in `u = ln p`, where the log tail is close to linear for small `p`.
/// The root lies below `k/n` because `P(X >= k | k/n) >= 1/2 > alpha`.
fn lower_bound(k: i64, n: i64, alpha: f64) -> f64 {
    let target = alpha.ln();
    // h(u) = ln P(X >= k | e^u) - ln alpha, increasing in u, and h'(u).
    let h = |u: f64| {
        let p = u.exp();
        let tail = Binomial::new(n, p).sf(k - 1);
        let density = n as f64 * Binomial::new(n - 1, p).pmf(k - 1);
        (tail.ln() - target, p * density / tail)
    };
    let mut hi = (k as f64 / n as f64).ln();
    // Step left until the root is bracketed.
    let mut width = 1.0;
    let mut lo = hi - width;
    while h(lo).0 > 0.0 {
        hi = lo;
        width *= 2.0;
        lo -= width;
    }
    let mut u = 0.5 * (lo + hi);
    for _ in 0..200 {
        let (value, slope) = h(u);
        if value == 0.0 {
            break;
        }
        if value < 0.0 {
            lo = u;
        } else {
            hi = u;
        }
        let newton = u - value / slope;
        let next = if newton > lo && newton < hi && newton.is_finite() {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let step = (next - u).abs();
        u = next;
        if step <= 1e-15 * u.abs().max(1.0) || hi - lo <= 1e-15 * hi.abs().max(1.0) {
            break;
        }
    }
    u.exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_gives_nan_or_none() {
        assert!(binom_test(1, 0, 0.5, Alternative::TwoSided).is_nan());
        assert!(binom_test(3, 2, 0.5, Alternative::Less).is_nan());
        assert!(binom_test(1, 2, 1.5, Alternative::Less).is_nan());
        assert!(binom_test(1, 2, f64::NAN, Alternative::Less).is_nan());
        assert!(clopper_pearson(0, 0, 0.95).is_none());
        assert!(clopper_pearson(3, 2, 0.95).is_none());
        assert!(clopper_pearson(1, 2, 1.0).is_none());
    }

    #[test]
    fn one_sided_small_cases() {
        // P(X <= 0 | 3, 1/2) = 1/8; P(X >= 3 | 3, 1/2) = 1/8.
        assert!((binom_test(0, 3, 0.5, Alternative::Less) - 0.125).abs() < 1e-16);
        assert!((binom_test(3, 3, 0.5, Alternative::Greater) - 0.125).abs() < 1e-16);
        assert_eq!(binom_test(0, 3, 0.5, Alternative::Greater), 1.0);
        assert_eq!(binom_test(3, 3, 0.5, Alternative::Less), 1.0);
    }

    #[test]
    fn two_sided_symmetric_and_degenerate() {
        // All successes at p = 1/2: both extreme outcomes, 2/2^5.
        assert!((binom_test(5, 5, 0.5, Alternative::TwoSided) - 0.0625).abs() < 1e-16);
        assert_eq!(binom_test(5, 10, 0.5, Alternative::TwoSided), 1.0);
        assert_eq!(binom_test(0, 10, 0.0, Alternative::TwoSided), 1.0);
        assert_eq!(binom_test(1, 10, 0.0, Alternative::TwoSided), 0.0);
        assert_eq!(binom_test(10, 10, 1.0, Alternative::TwoSided), 1.0);
    }

    #[test]
    fn clopper_pearson_closed_forms() {
        // k = 0: upper = 1 - (α/2)^(1/n); k = n: lower = (α/2)^(1/n).
        let n = 20;
        let ci = clopper_pearson(0, n, 0.95).unwrap();
        assert_eq!(ci.lower, 0.0);
        let expected = 1.0 - 0.025_f64.powf(1.0 / n as f64);
        assert!((ci.upper - expected).abs() < 1e-13 * expected);
        let ci = clopper_pearson(n, n, 0.95).unwrap();
        assert_eq!(ci.upper, 1.0);
        let expected = 0.025_f64.powf(1.0 / n as f64);
        assert!((ci.lower - expected).abs() < 1e-13 * expected);
    }
}
