//! Randomisation test for a group's share of a total amount.
//!
//! Answers: "if the group's applicants were a random subset of all
//! applicants, how likely is a share of the granted money this low?"

use serde::Serialize;

use super::dist::normal_cdf;

/// Result of [`sum_share_z`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    /// Expected group sum for a random subset of the same size, `n·T/N`.
    pub expected: f64,
    /// Standard deviation of the subset sum, `√Var[S]`.
    pub sd: f64,
    /// Standardized difference `(group_sum − expected) / sd`.
    pub z: f64,
    /// One-sided p-value `Φ(z)` for "the group gets less than chance".
    pub p_less: f64,
}

/// Tests whether a group of `group_n` units received less of a total than a
/// random subset of the same size would, using the exact mean and variance
/// of a sum under simple random sampling without replacement and a normal
/// approximation.
///
/// The population is `total_n` values (e.g. granted SEK per applicant, 0 for
/// rejected) with sum `T = total_sum` and sum of squares `Q = total_sum_sq`.
/// For a random subset of size `n` from `N`:
/// `E[S] = n·T/N` and `Var[S] = n·(N−n)/(N·(N−1)) · (Q − T²/N)`
/// (finite-population correction; Cochran, *Sampling Techniques*, thm 2.2).
/// `z = (group_sum − E[S]) / √Var[S]`, `p_less = Φ(z)`.
///
/// Returns `None` when the test is undefined: `total_n < 2`, `group_n` is 0
/// or not below `total_n`, any input is not finite, or all values are equal
/// (zero variance).
pub fn sum_share_z(
    group_n: u64,
    group_sum: f64,
    total_n: u64,
    total_sum: f64,
    total_sum_sq: f64,
) -> Option<ZTest> {
    if total_n < 2 || group_n == 0 || group_n >= total_n {
        return None;
    }
    if ![group_sum, total_sum, total_sum_sq]
        .iter()
        .all(|v| v.is_finite())
    {
        return None;
    }
    let (n, big_n) = (group_n as f64, total_n as f64);
    let expected = n * total_sum / big_n;
    // Sum of squared deviations; rounding can push it slightly below 0.
    let squares = (total_sum_sq - total_sum * total_sum / big_n).max(0.0);
    let variance = n * (big_n - n) / (big_n * (big_n - 1.0)) * squares;
    if variance <= 0.0 {
        return None;
    }
    let sd = variance.sqrt();
    let z = (group_sum - expected) / sd;
    Some(ZTest {
        expected,
        sd,
        z,
        p_less: normal_cdf(z),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean and variance of subset sums by enumerating all subsets.
    fn brute_force(values: &[f64], size: usize) -> (f64, f64) {
        let mut sums = Vec::new();
        for mask in 0u32..(1 << values.len()) {
            if mask.count_ones() as usize == size {
                sums.push(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, v)| v)
                        .sum::<f64>(),
                );
            }
        }
        let mean = sums.iter().sum::<f64>() / sums.len() as f64;
        let var = sums.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / sums.len() as f64;
        (mean, var)
    }

    #[test]
    fn matches_enumeration() {
        let values = [0.0, 0.0, 100.0, 250.0, 0.0, 40.0, 75.0, 0.0, 10.0];
        let total: f64 = values.iter().sum();
        let sq: f64 = values.iter().map(|v| v * v).sum();
        for size in 1..values.len() {
            let (mean, var) = brute_force(&values, size);
            let r = sum_share_z(
                size as u64,
                mean - var.sqrt(),
                values.len() as u64,
                total,
                sq,
            )
            .unwrap();
            assert!((r.expected - mean).abs() < 1e-9);
            assert!((r.z + 1.0).abs() < 1e-9, "size {size}: {}", r.z);
        }
    }

    #[test]
    fn undefined_cases() {
        assert!(sum_share_z(0, 0.0, 10, 5.0, 5.0).is_none());
        assert!(sum_share_z(10, 5.0, 10, 5.0, 5.0).is_none());
        assert!(sum_share_z(1, 0.0, 1, 5.0, 25.0).is_none());
        // All values equal: no variance.
        assert!(sum_share_z(2, 6.0, 4, 12.0, 36.0).is_none());
        assert!(sum_share_z(2, f64::NAN, 4, 12.0, 40.0).is_none());
    }

    #[test]
    fn at_expectation_p_is_half() {
        let r = sum_share_z(2, 5.0, 4, 10.0, 40.0).unwrap();
        assert_eq!(r.z, 0.0);
        assert_eq!(r.p_less, 0.5);
    }
}
