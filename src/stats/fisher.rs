//! Fisher's exact test for a 2×2 table.
//!
//! Table layout `[[a, b], [c, d]]`: rows are the group and the comparison
//! group, columns approved and not approved.

use serde::Serialize;

use super::dist::{Hypergeometric, find_crossing};
use super::{Alternative, count};

/// Result of [`fisher_exact`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FisherResult {
    /// Sample (unconditional) odds ratio `a·d / (b·c)`; `∞` when `b·c = 0`
    /// and NaN when a row or column total is zero, as SciPy.
    pub odds_ratio: f64,
    /// Exact p-value under the hypergeometric null.
    pub p_value: f64,
}

/// Fisher's exact test on `[[a, b], [c, d]]`, identical to
/// `scipy.stats.fisher_exact(table, alternative)`.
///
/// Conditioning on the margins, `a` is hypergeometric (draw `a + c` from
/// `a + b` successes and `c + d` failures). `Less` is `P(X <= a)`,
/// `Greater` is `P(X >= a)`; `TwoSided` follows SciPy: p = 1 when `pmf(a)`
/// equals the modal pmf within 1e-14, otherwise the observed tail plus the
/// opposite tail of outcomes with `pmf <= pmf(a)·(1 + 1e-14)`, its cutoff
/// being the index SciPy's binary search returns. Tails are summed outward from the cutoff
/// in ratio form until terms fall below 1e-17 of the sum, so the cost grows
/// with the standard deviation of `a`, not with the margins.
///
/// A zero row or column total gives `(NaN, 1)`. Counts of 2^53 or more give
/// `(NaN, NaN)`.
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64, alt: Alternative) -> FisherResult {
    let invalid = FisherResult {
        odds_ratio: f64::NAN,
        p_value: f64::NAN,
    };
    let (Some(ai), Some(bi), Some(ci), Some(di)) = (count(a), count(b), count(c), count(d)) else {
        return invalid;
    };
    let Some(total) = count(a.saturating_add(b).saturating_add(c).saturating_add(d)) else {
        return invalid;
    };
    let (row1, row2, col1) = (ai + bi, ci + di, ai + ci);
    if row1 == 0 || row2 == 0 || col1 == 0 || total - col1 == 0 {
        return FisherResult {
            odds_ratio: f64::NAN,
            p_value: 1.0,
        };
    }
    // Products in u128 so the single rounding matches NumPy's int64 → float.
    let odds_ratio = if b > 0 && c > 0 {
        (u128::from(a) * u128::from(d)) as f64 / (u128::from(b) * u128::from(c)) as f64
    } else {
        f64::INFINITY
    };
    let dist = Hypergeometric::new(row1, row2, col1);
    let p_value = match alt {
        Alternative::Less => dist.cdf(ai),
        Alternative::Greater => dist.sf(ai - 1),
        Alternative::TwoSided => two_sided(&dist, ai, col1),
    };
    FisherResult {
        odds_ratio,
        p_value: p_value.min(1.0),
    }
}

/// SciPy's two-sided rule (`scipy/stats/_stats_py.py::fisher_exact`).
fn two_sided(dist: &Hypergeometric, a: i64, draws: i64) -> f64 {
    const EPSILON: f64 = 1e-14;
    const GAMMA: f64 = 1.0 + EPSILON;
    let mode = dist.mode();
    let pexact = dist.pmf(a);
    let pmode = dist.pmf(mode);
    // Where the opposite tail's cutoff would be for a symmetric distribution.
    let mirror = (2.0 * dist.mean() - a as f64).round() as i64;
    if (pexact - pmode).abs() / pexact.max(pmode) <= EPSILON {
        return 1.0;
    }
    if a < mode {
        let lower = dist.cdf(a);
        if dist.pmf(draws) > pexact * GAMMA {
            return lower;
        }
        let guess = find_crossing(|x| -dist.pmf(x), -pexact * GAMMA, mode, draws, mirror);
        lower + dist.sf(guess)
    } else {
        let upper = dist.sf(a - 1);
        if dist.pmf(0) > pexact * GAMMA {
            return upper;
        }
        let guess = find_crossing(|x| dist.pmf(x), pexact * GAMMA, 0, mode, mirror);
        upper + dist.cdf(guess)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_margins_give_nan_and_one() {
        for (a, b, c, d) in [
            (0, 0, 1, 2),
            (1, 2, 0, 0),
            (0, 1, 0, 2),
            (1, 0, 2, 0),
            (0, 0, 0, 0),
        ] {
            let r = fisher_exact(a, b, c, d, Alternative::TwoSided);
            assert!(r.odds_ratio.is_nan());
            assert_eq!(r.p_value, 1.0);
        }
    }

    #[test]
    fn odds_ratio_infinite_when_off_diagonal_zero() {
        let r = fisher_exact(3, 0, 1, 2, Alternative::TwoSided);
        assert_eq!(r.odds_ratio, f64::INFINITY);
        let r = fisher_exact(0, 3, 2, 1, Alternative::TwoSided);
        assert_eq!(r.odds_ratio, 0.0);
    }

    #[test]
    fn tea_tasting() {
        // Fisher's lady tasting tea: [[3, 1], [1, 3]], greater: 17/70.
        let r = fisher_exact(3, 1, 1, 3, Alternative::Greater);
        assert!((r.p_value - 17.0 / 70.0).abs() < 1e-15);
        let r = fisher_exact(3, 1, 1, 3, Alternative::TwoSided);
        assert!((r.p_value - 34.0 / 70.0).abs() < 1e-15);
        assert_eq!(r.odds_ratio, 9.0);
    }

    #[test]
    fn one_sided_tails_overlap_at_observed() {
        let less = fisher_exact(4, 6, 7, 3, Alternative::Less).p_value;
        let greater = fisher_exact(4, 6, 7, 3, Alternative::Greater).p_value;
        let dist = Hypergeometric::new(10, 10, 11);
        assert!((less + greater - 1.0 - dist.pmf(4)).abs() < 1e-15);
    }
}
