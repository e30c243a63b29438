//! Ratio of two proportions (e.g. a group's approval rate over the
//! comparison group's), the headline effect size for "equal terms".

use super::Estimate;
use super::Interval;
use super::dist::two_sided_z;

/// A risk ratio with its confidence interval.
pub type RiskRatio = Estimate;

/// Risk ratio `(a/n1) / (c/n2)` with the Katz log interval
/// `RR · exp(±z·√(1/a − 1/n1 + 1/c − 1/n2))`, matching
/// `scipy.stats.contingency.relative_risk(a, n1, c, n2)` and its
/// `.confidence_interval(confidence)` (Katz et al. 1978, "method C").
///
/// Zeros follow SciPy: `a = c = 0` gives estimate NaN and interval
/// `[NaN, NaN]`; `a = 0` gives `0` and `[0, NaN]`; `c = 0` gives `∞` and
/// `[NaN, ∞]` (the log interval does not exist, SciPy reports what it can).
///
/// Returns `None` when `n1` or `n2` is zero, `a > n1`, `c > n2`, or the
/// confidence level is outside (0, 1).
pub fn katz(a: u64, n1: u64, c: u64, n2: u64, confidence: f64) -> Option<RiskRatio> {
    if n1 == 0 || n2 == 0 || a > n1 || c > n2 {
        return None;
    }
    let z = two_sided_z(confidence)?;
    let (af, n1f, cf, n2f) = (a as f64, n1 as f64, c as f64, n2 as f64);
    let (estimate, lower, upper) = match (a, c) {
        (0, 0) => (f64::NAN, f64::NAN, f64::NAN),
        (0, _) => (0.0, 0.0, f64::NAN),
        (_, 0) => (f64::INFINITY, f64::NAN, f64::INFINITY),
        _ => {
            let rr = (af / n1f) / (cf / n2f);
            // Same left-to-right order as SciPy; each step stays >= 0.
            let se = (1.0 / af - 1.0 / n1f + 1.0 / cf - 1.0 / n2f).sqrt();
            let delta = z * se;
            (rr, rr * (-delta).exp(), rr * delta.exp())
        }
    };
    Some(RiskRatio {
        estimate,
        interval: Interval { lower, upper },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_invalid() {
        assert!(katz(1, 0, 1, 2, 0.95).is_none());
        assert!(katz(1, 2, 1, 0, 0.95).is_none());
        assert!(katz(3, 2, 1, 2, 0.95).is_none());
        assert!(katz(1, 2, 1, 2, 1.5).is_none());
    }

    #[test]
    fn zeros_follow_scipy() {
        let both = katz(0, 5, 0, 7, 0.95).unwrap();
        assert!(
            both.estimate.is_nan() && both.interval.lower.is_nan() && both.interval.upper.is_nan()
        );
        let first = katz(0, 5, 2, 7, 0.95).unwrap();
        assert_eq!(first.estimate, 0.0);
        assert_eq!(first.interval.lower, 0.0);
        assert!(first.interval.upper.is_nan());
        let second = katz(2, 5, 0, 7, 0.95).unwrap();
        assert_eq!(second.estimate, f64::INFINITY);
        assert!(second.interval.lower.is_nan());
        assert_eq!(second.interval.upper, f64::INFINITY);
    }

    #[test]
    fn all_successes_give_a_point_interval() {
        let r = katz(4, 4, 6, 6, 0.95).unwrap();
        assert_eq!(r.estimate, 1.0);
        assert_eq!(
            r.interval,
            Interval {
                lower: 1.0,
                upper: 1.0
            }
        );
    }
}
