//! Mann–Whitney U test on binned data (e.g. assessment grades or amount
//! bands), where every observation in a bin is tied with the others.

use std::collections::BTreeMap;

use serde::Serialize;

use super::dist::normal_cdf;
use super::{Alternative, MAX_COUNT};

/// Exact test is used when the smaller sample has fewer observations than
/// this: the textbook rule that the normal approximation needs at least 10
/// observations per sample (Siegel & Castellan, *Nonparametric Statistics for
/// the Behavioral Sciences*, 1988, tabulate exact probabilities up to 10).
pub const EXACT_BELOW_MIN_SAMPLE: u64 = 10;

/// Exact test is also used when `n1 + n2` is at most this, i.e. both samples
/// around 20 or less, the range of the classical exact tables (e.g. Conover,
/// *Practical Nonparametric Statistics*, 1999); it is cheap there.
pub const EXACT_MAX_TOTAL: u64 = 40;

/// Work limit for the exact DP, in states merged or added (a count, so the
/// choice is reproducible). Measured in release mode on a shared 2-core
/// machine: 2–3 ms at the limit, 0.1–0.3 ms for a sample of 9 against
/// 1,000–100,000 in 7–12 bins.
/// Beyond it the normal approximation is used and [`MannWhitney::exact`] is
/// `false`; this only happens when a tiny sample meets a large one spread
/// over many bins (e.g. 9 against 1,000 in 30 bins).
pub const EXACT_WORK_LIMIT: u64 = 1_000_000;

/// Result of [`mann_whitney_binned`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// `U` for the first sample (SciPy's `U1`): pairs `(x, y)` with `x > y`
    /// plus half the tied pairs. `n1·n2/2` under no difference.
    pub u: f64,
    /// Normal deviate of the approximation, oriented so that large values
    /// favour the alternative (SciPy's `_get_mwu_z`, with tie and continuity
    /// correction): `p = Φ(−z)`, doubled for two-sided. `None` for the exact
    /// test and when all observations share one bin (no variance, p = 1).
    pub z: Option<f64>,
    /// p-value for the requested alternative.
    pub p_value: f64,
    /// Whether `p_value` comes from the exact permutation distribution.
    pub exact: bool,
}

/// Mann–Whitney U test for two samples given as histograms `(bin, count)`;
/// observations in the same bin are ties, bins are ordered by index.
/// Duplicate bins are added up and zero counts ignored.
///
/// `Less` means the first sample tends to lie in lower bins.
///
/// * Exact when `min(n1, n2) < 10` or `n1 + n2 <= 40` and the work stays
///   within [`EXACT_WORK_LIMIT`] (see [`EXACT_BELOW_MIN_SAMPLE`],
///   [`EXACT_MAX_TOTAL`]):
///   the permutation distribution of `U` given the ties, counting the ways
///   to choose the smaller sample's observations bin by bin with doubled
///   mid-ranks so rank sums stay integers. Equals
///   `scipy.stats.permutation_test((x, y), U, permutation_type="independent",
///   n_resamples=np.inf, alternative)`: one-sided `P(U <= u)` / `P(U >= u)`,
///   two-sided `min(1, 2·min(both))`.
/// * Otherwise the normal approximation with tie and continuity correction,
///   as `scipy.stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)`.
///
/// Returns `None` if either sample is empty or the total count reaches 2^53.
pub fn mann_whitney_binned(
    x: &[(u32, u64)],
    y: &[(u32, u64)],
    alt: Alternative,
) -> Option<MannWhitney> {
    let bins = merge_bins(x, y)?;
    let n1 = bins.iter().try_fold(0u64, |acc, b| acc.checked_add(b.0))?;
    let n2 = bins.iter().try_fold(0u64, |acc, b| acc.checked_add(b.1))?;
    let total = n1.checked_add(n2)?;
    if n1 == 0 || n2 == 0 || total > MAX_COUNT {
        return None;
    }
    // 2·U1 = Σ x_g·(2·(y below g) + y_g), exact in integers.
    let mut below_y: u128 = 0;
    let mut twice_u1: u128 = 0;
    for &(xg, yg) in &bins {
        twice_u1 += u128::from(xg) * (2 * below_y + u128::from(yg));
        below_y += u128::from(yg);
    }
    let u1 = twice_u1 as f64 / 2.0;

    let small = n1.min(n2) < EXACT_BELOW_MIN_SAMPLE || total <= EXACT_MAX_TOTAL;
    let exact = if small {
        exact_p_value(&bins, n1, n2, alt)
    } else {
        None
    };
    if let Some(p_value) = exact {
        return Some(MannWhitney {
            u: u1,
            z: None,
            p_value,
            exact: true,
        });
    }
    let (z, p_value) = asymptotic(&bins, n1, n2, u1, alt);
    Some(MannWhitney {
        u: u1,
        z,
        p_value,
        exact: false,
    })
}

/// Per-bin `(x count, y count)` in bin order, without empty bins.
fn merge_bins(x: &[(u32, u64)], y: &[(u32, u64)]) -> Option<Vec<(u64, u64)>> {
    let mut bins: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for &(bin, n) in x.iter().filter(|b| b.1 > 0) {
        let entry = bins.entry(bin).or_default();
        entry.0 = entry.0.checked_add(n)?;
    }
    for &(bin, n) in y.iter().filter(|b| b.1 > 0) {
        let entry = bins.entry(bin).or_default();
        entry.1 = entry.1.checked_add(n)?;
    }
    Some(bins.into_values().collect())
}

/// SciPy's normal approximation (`_mannwhitneyu.py::_get_mwu_z`).
fn asymptotic(
    bins: &[(u64, u64)],
    n1: u64,
    n2: u64,
    u1: f64,
    alt: Alternative,
) -> (Option<f64>, f64) {
    if bins.len() == 1 {
        // Every observation tied: U is constant, nothing can be significant.
        return (None, 1.0);
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let n = n1f + n2f;
    let tie_term: f64 = bins
        .iter()
        .map(|&(a, b)| {
            let t = (a + b) as f64;
            t * t * t - t
        })
        .sum();
    let sigma = (n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let mu = n1f * n2f / 2.0;
    let u2 = n1f * n2f - u1;
    let (u, factor) = match alt {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let z = (u - mu - 0.5) / sigma;
    (Some(z), (normal_cdf(-z) * factor).clamp(0.0, 1.0))
}

/// Exact permutation p-value, or `None` if the DP exceeds [`EXACT_WORK_LIMIT`].
fn exact_p_value(bins: &[(u64, u64)], n1: u64, n2: u64, alt: Alternative) -> Option<f64> {
    // Count subsets of the smaller sample's size; the other sample's rank
    // sum is determined by it.
    let use_x = n1 <= n2;
    let m = usize::try_from(n1.min(n2)).ok()?;
    let totals: Vec<u64> = bins.iter().map(|&(a, b)| a + b).collect();
    // Doubled mid-ranks: a bin after `before` observations holding `t` has
    // mid-rank before + (t + 1)/2.
    let mut ranks = Vec::with_capacity(totals.len());
    let mut before = 0u64;
    for &t in &totals {
        ranks.push(2 * before + t + 1);
        before += t;
    }
    let observed: u64 = bins
        .iter()
        .zip(&ranks)
        .map(|(&(a, b), r)| if use_x { a * r } else { b * r })
        .sum();
    let (at_most, at_least) = rank_sum_tails(&totals, &ranks, m, observed)?;
    // A small rank sum for x means a small U1; for y it means a large U1.
    let (less, greater) = if use_x {
        (at_most, at_least)
    } else {
        (at_least, at_most)
    };
    Some(match alt {
        Alternative::Less => less,
        Alternative::Greater => greater,
        Alternative::TwoSided => (2.0 * less.min(greater)).min(1.0),
    })
}

/// `P(S <= observed)` and `P(S >= observed)` for the doubled rank sum `S` of
/// a uniformly random subset of size `m`, where bin `g` holds `totals[g]`
/// observations of doubled rank `ranks[g]`.
///
/// DP over bins: `levels[i]` lists `(partial rank sum, number of ways)` for
/// having chosen `i` observations so far, sorted by sum and sparse, because
/// with few bins most sums are unreachable. Choosing `j` of a bin's `t`
/// observations multiplies the ways by `C(t, j)` and adds `j·rank`. Returns
/// `None` once the merged states exceed [`EXACT_WORK_LIMIT`] (a count, not a
/// clock, so the outcome is reproducible).
fn rank_sum_tails(totals: &[u64], ranks: &[u64], m: usize, observed: u64) -> Option<(f64, f64)> {
    let mut levels: Vec<Vec<(u64, f64)>> = vec![Vec::new(); m + 1];
    levels[0].push((0, 1.0));
    let mut remaining: u64 = totals.iter().sum();
    let mut buffers = Buffers::default();
    let mut work = 0_u64;
    for (&t, &rank) in totals.iter().zip(ranks) {
        remaining -= t;
        let choose = binomial_coefficients(t, m);
        // Descending, so levels[i - j] (j >= 1) still hold the previous bin's counts.
        for i in (1..=m).rev() {
            let (lower, upper) = levels.split_at_mut(i);
            update_level(lower, &mut upper[0], &choose, rank, &mut buffers, &mut work)?;
        }
        // Levels that can no longer reach m observations are dead.
        let reachable_from = m.saturating_sub(usize::try_from(remaining).unwrap_or(usize::MAX));
        for level in &mut levels[..reachable_from] {
            level.clear();
        }
    }
    let dist = &levels[m];
    let total: f64 = dist.iter().map(|s| s.1).sum();
    let at_most: f64 = dist.iter().filter(|s| s.0 <= observed).map(|s| s.1).sum();
    let at_least: f64 = dist.iter().filter(|s| s.0 >= observed).map(|s| s.1).sum();
    Some((at_most / total, at_least / total))
}

/// A level to add in: its `(sum, ways)` list, the shift of its sums and the
/// factor on its ways.
type Source<'a> = (&'a [(u64, f64)], u64, f64);

/// Reused allocations for [`update_level`].
#[derive(Default)]
struct Buffers {
    acc: Vec<(u64, f64)>,
    scratch: Vec<(u64, f64)>,
    dense: Vec<f64>,
}

/// Replaces `target` (level `i = lower.len()`) by
/// `Σ_{j=0..} C(t, j) · (level i−j shifted by j·rank)`, where `lower` holds
/// levels `0..i` before the bin and `choose[j] = C(t, j)`.
///
/// When the sums are packed (range at most 4× the number of entries, the
/// usual case with many bins) they are added into a dense array; otherwise
/// (few bins, large sample) sorted lists are merged pairwise. Adds the
/// states touched to `work` and fails past [`EXACT_WORK_LIMIT`].
fn update_level(
    lower: &[Vec<(u64, f64)>],
    target: &mut Vec<(u64, f64)>,
    choose: &[f64],
    rank: u64,
    buffers: &mut Buffers,
    work: &mut u64,
) -> Option<()> {
    let i = lower.len();
    let own = std::mem::take(target);
    let sources: Vec<Source> = choose
        .iter()
        .enumerate()
        .take(i + 1)
        .map(|(j, &ways)| {
            let list: &[(u64, f64)] = if j == 0 { &own } else { &lower[i - j] };
            (list, j as u64 * rank, ways)
        })
        .filter(|(list, ..)| !list.is_empty())
        .collect();
    let (Some(lo), Some(hi)) = (
        sources.iter().map(|(l, shift, _)| l[0].0 + shift).min(),
        sources
            .iter()
            .map(|(l, shift, _)| l[l.len() - 1].0 + shift)
            .max(),
    ) else {
        return Some(());
    };
    let entries: usize = sources.iter().map(|(l, ..)| l.len()).sum();
    let range = usize::try_from(hi - lo + 1).ok()?;
    if range <= 4 * entries {
        *work += (range + entries) as u64;
        if *work > EXACT_WORK_LIMIT {
            return None;
        }
        let dense = &mut buffers.dense;
        dense.clear();
        dense.resize(range, 0.0);
        for (list, shift, ways) in &sources {
            for &(sum, count) in *list {
                dense[(sum + shift - lo) as usize] += count * ways;
            }
        }
        // Counts are positive, so a zero marks an unreachable sum.
        target.extend(
            dense
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0.0)
                .map(|(offset, &c)| (lo + offset as u64, c)),
        );
    } else {
        let Buffers { acc, scratch, .. } = buffers;
        acc.clear();
        for (list, shift, ways) in &sources {
            *work += (acc.len() + list.len()) as u64;
            if *work > EXACT_WORK_LIMIT {
                return None;
            }
            merge_shifted(acc, list, *shift, *ways, scratch);
            std::mem::swap(acc, scratch);
        }
        target.extend_from_slice(acc);
    }
    Some(())
}

/// `C(t, j)` for `j = 0..=min(t, m)`, in `f64` (exact while below 2^53).
fn binomial_coefficients(t: u64, m: usize) -> Vec<f64> {
    let top = usize::try_from(t).map_or(m, |t| t.min(m));
    let mut out = Vec::with_capacity(top + 1);
    let mut c = 1.0;
    out.push(c);
    for j in 1..=top {
        c = c * (t - j as u64 + 1) as f64 / j as f64;
        out.push(c);
    }
    out
}

/// Writes into `out` the merge of sorted `acc` with `source` shifted by
/// `shift` and scaled by `ways`.
fn merge_shifted(
    acc: &[(u64, f64)],
    source: &[(u64, f64)],
    shift: u64,
    ways: f64,
    out: &mut Vec<(u64, f64)>,
) {
    out.clear();
    let (mut i, mut k) = (0, 0);
    while i < acc.len() && k < source.len() {
        let key = source[k].0 + shift;
        match acc[i].0.cmp(&key) {
            std::cmp::Ordering::Less => {
                out.push(acc[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push((key, source[k].1 * ways));
                k += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((key, acc[i].1 + source[k].1 * ways));
                i += 1;
                k += 1;
            }
        }
    }
    out.extend_from_slice(&acc[i..]);
    out.extend(source[k..].iter().map(|&(s, c)| (s + shift, c * ways)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_samples() {
        assert!(mann_whitney_binned(&[], &[(1, 2)], Alternative::TwoSided).is_none());
        assert!(mann_whitney_binned(&[(1, 0)], &[(1, 2)], Alternative::TwoSided).is_none());
    }

    #[test]
    fn complete_separation_small() {
        // x = {2, 2, 2}, y = {1, 1, 1}: U1 = 9, P(U >= 9) = 1/C(6,3) = 1/20.
        let r = mann_whitney_binned(&[(2, 3)], &[(1, 3)], Alternative::Greater).unwrap();
        assert!(r.exact);
        assert_eq!(r.u, 9.0);
        assert!((r.p_value - 0.05).abs() < 1e-15);
        let r = mann_whitney_binned(&[(2, 3)], &[(1, 3)], Alternative::TwoSided).unwrap();
        assert!((r.p_value - 0.1).abs() < 1e-15);
        let r = mann_whitney_binned(&[(2, 3)], &[(1, 3)], Alternative::Less).unwrap();
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn all_tied() {
        let r = mann_whitney_binned(&[(4, 3)], &[(4, 5)], Alternative::TwoSided).unwrap();
        assert_eq!(r.u, 7.5);
        assert_eq!(r.p_value, 1.0);
        let r = mann_whitney_binned(&[(4, 300)], &[(4, 500)], Alternative::Less).unwrap();
        assert!(!r.exact);
        assert_eq!(r.z, None);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn duplicate_bins_are_merged() {
        let a = mann_whitney_binned(
            &[(1, 2), (3, 1), (1, 1)],
            &[(2, 2), (3, 0)],
            Alternative::TwoSided,
        )
        .unwrap();
        let b = mann_whitney_binned(&[(1, 3), (3, 1)], &[(2, 2)], Alternative::TwoSided).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn swapping_samples_mirrors_u() {
        let x = [(1, 4), (2, 3), (5, 2)];
        let y = [(1, 1), (3, 6), (5, 4), (6, 2)];
        let a = mann_whitney_binned(&x, &y, Alternative::Less).unwrap();
        let b = mann_whitney_binned(&y, &x, Alternative::Greater).unwrap();
        assert_eq!(a.u, 9.0 * 13.0 - b.u);
        assert!((a.p_value - b.p_value).abs() < 1e-14);
    }

    /// Tails by enumerating how many of the `m` picks fall in each bin,
    /// weighted by `Π C(t_g, j_g)`.
    fn tails_by_compositions(totals: &[u64], ranks: &[u64], m: usize, observed: u64) -> (f64, f64) {
        fn walk(
            totals: &[u64],
            ranks: &[u64],
            left: usize,
            sum: u64,
            ways: f64,
            out: &mut Vec<(u64, f64)>,
        ) {
            let Some((&t, rest)) = totals.split_first() else {
                if left == 0 {
                    out.push((sum, ways));
                }
                return;
            };
            let choose = binomial_coefficients(t, left);
            for (j, c) in choose.iter().enumerate() {
                walk(
                    rest,
                    &ranks[1..],
                    left - j,
                    sum + j as u64 * ranks[0],
                    ways * c,
                    out,
                );
            }
        }
        let mut all = Vec::new();
        walk(totals, ranks, m, 0, 1.0, &mut all);
        let total: f64 = all.iter().map(|s| s.1).sum();
        let le: f64 = all.iter().filter(|s| s.0 <= observed).map(|s| s.1).sum();
        let ge: f64 = all.iter().filter(|s| s.0 >= observed).map(|s| s.1).sum();
        (le / total, ge / total)
    }

    #[test]
    fn dp_matches_enumeration_with_dense_and_sparse_levels() {
        // Many small bins (packed sums, dense path) and few huge bins (sparse path).
        let cases: [(&[u64], usize); 4] = [
            (&[1, 2, 1, 3, 1, 1, 2, 1, 1, 1], 4),
            (&[3; 12], 6),
            (&[500, 3, 800, 2], 3),
            (&[10_000, 20_000, 5, 1], 5),
        ];
        for (totals, m) in cases {
            let mut ranks = Vec::new();
            let mut before = 0;
            for &t in totals {
                ranks.push(2 * before + t + 1);
                before += t;
            }
            let lowest = ranks[0] * m as u64;
            let highest = ranks[ranks.len() - 1] * m as u64;
            for observed in (lowest..=highest).step_by(((highest - lowest) / 50).max(1) as usize) {
                let (le, ge) = rank_sum_tails(totals, &ranks, m, observed).unwrap();
                let (want_le, want_ge) = tails_by_compositions(totals, &ranks, m, observed);
                assert!(
                    (le - want_le).abs() <= 1e-13 * want_le.max(1e-300),
                    "{totals:?} {observed}"
                );
                assert!(
                    (ge - want_ge).abs() <= 1e-13 * want_ge.max(1e-300),
                    "{totals:?} {observed}"
                );
            }
        }
    }

    #[test]
    fn large_samples_use_the_approximation() {
        let r = mann_whitney_binned(
            &[(1, 30), (2, 30)],
            &[(1, 20), (2, 40)],
            Alternative::TwoSided,
        )
        .unwrap();
        assert!(!r.exact);
        assert!(r.z.is_some());
    }
}
