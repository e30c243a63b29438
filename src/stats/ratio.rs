//! Ratio of two independent means with a delta-method interval on the log scale.
//!
//! Used for the amount, cut and time rules, whose effect size is "the group's mean over the
//! reference's mean". `Var ln(ā/b̄) ≈ s_a²/(n_a·ā²) + s_b²/(n_b·b̄²)` (delta method; e.g.
//! Hirschberg & Lye 2010), interval `ā/b̄ · exp(±z·se)`. An approximation: callers flag only
//! together with a rank test.

use super::{Estimate, Interval};

/// Mean and sample variance of one sample, from its count, sum and sum of squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    pub variance: f64,
}

impl Moments {
    /// `None` for fewer than two observations.
    pub fn from_sums(n: f64, sum: f64, sum_sq: f64) -> Option<Self> {
        if n < 2.0 || !sum.is_finite() || !sum_sq.is_finite() {
            return None;
        }
        let mean = sum / n;
        let variance = ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0);
        Some(Self { n, mean, variance })
    }
}

/// `a.mean / b.mean` with its interval; `None` when a mean is not positive or the confidence
/// level is outside (0, 1).
pub fn ratio_of_means(a: Moments, b: Moments, confidence: f64) -> Option<Estimate> {
    let z = super::z_two_sided(confidence)?;
    if a.mean <= 0.0 || b.mean <= 0.0 {
        return None;
    }
    let estimate = a.mean / b.mean;
    let se = (a.variance / (a.n * a.mean * a.mean) + b.variance / (b.n * b.mean * b.mean)).sqrt();
    Some(Estimate {
        estimate,
        interval: Interval {
            lower: estimate * (-z * se).exp(),
            upper: estimate * (z * se).exp(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_from_sums() {
        // 2, 4, 6: mean 4, sample variance 4.
        let m = Moments::from_sums(3.0, 12.0, 56.0).unwrap();
        assert_eq!((m.mean, m.variance), (4.0, 4.0));
        assert!(Moments::from_sums(1.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn ratio_and_interval() {
        // Hand-computed: means 4 and 8, var 4 each, n 3: se² = 4/48 + 4/192 = 0.104166...
        let a = Moments::from_sums(3.0, 12.0, 56.0).unwrap();
        let b = Moments {
            n: 3.0,
            mean: 8.0,
            variance: 4.0,
        };
        let r = ratio_of_means(a, b, 0.95).unwrap();
        assert_eq!(r.estimate, 0.5);
        let se = (4.0f64 / 48.0 + 4.0 / 192.0).sqrt();
        assert!((r.interval.upper - 0.5 * (1.959963984540054 * se).exp()).abs() < 1e-12);
        assert!(
            ratio_of_means(
                a,
                Moments {
                    n: 3.0,
                    mean: 0.0,
                    variance: 1.0
                },
                0.95
            )
            .is_none()
        );
    }
}
