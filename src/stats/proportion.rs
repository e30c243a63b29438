//! Confidence intervals for a single proportion (e.g. a group's approval rate).

use super::Interval;
use super::dist::two_sided_z;

/// Wilson score interval without continuity correction, matching statsmodels
/// `proportion_confint(successes, n, alpha=1-confidence, method="wilson")`.
///
/// With `q = k/n` and `z = z_{1-α/2}`:
/// `(q + z²/2n ± z·√(q(1-q)/n + z²/4n²)) / (1 + z²/n)`, clipped to `[0, 1]`
/// (exactly 0 for `k = 0` and 1 for `k = n`, where statsmodels may leave ~1e-17).
/// Preferred over the Wald interval because it keeps its coverage for small
/// `n` and for rates near 0 or 1, which is where most cells are.
///
/// Returns `None` for `n = 0`, `successes > n`, or a confidence level
/// outside (0, 1).
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let z = two_sided_z(confidence)?;
    let (k, n) = (successes as f64, n as f64);
    let q = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (q + z2 / (2.0 * n)) / denom;
    let half_width = z * (q * (1.0 - q) / n + z2 / (4.0 * (n * n))).sqrt() / denom;
    // At k = 0 and k = n the bound is exactly 0 or 1; rounding would leave ~1e-17.
    let lower = if successes == 0 {
        0.0
    } else {
        (center - half_width).clamp(0.0, 1.0)
    };
    let upper = if k == n {
        1.0
    } else {
        (center + half_width).clamp(0.0, 1.0)
    };
    Some(Interval { lower, upper })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_invalid() {
        assert!(wilson(0, 0, 0.95).is_none());
        assert!(wilson(2, 1, 0.95).is_none());
        assert!(wilson(1, 2, 0.0).is_none());
        assert!(wilson(1, 2, 1.0).is_none());
    }

    #[test]
    fn bounds_stay_in_unit_interval() {
        let none = wilson(0, 5, 0.95).unwrap();
        assert_eq!(none.lower, 0.0);
        assert!(none.upper > 0.0 && none.upper < 1.0);
        let all = wilson(5, 5, 0.95).unwrap();
        assert_eq!(all.upper, 1.0);
        assert!(all.lower > 0.0 && all.lower < 1.0);
    }

    #[test]
    fn symmetric_around_half() {
        let ci = wilson(5, 10, 0.9).unwrap();
        assert!((ci.lower + ci.upper - 1.0).abs() < 1e-15);
    }
}
