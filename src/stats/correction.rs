//! Multiple-testing corrections for the many tests of one evaluation.

/// Indices that sort `p` ascending (ties in any order: tied p-values get
/// identical adjusted values, so the order does not matter).
fn ascending_order(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    order
}

/// Holm's step-down adjusted p-values, in input order, identical to
/// statsmodels `multipletests(p, method="holm")[1]` and R
/// `p.adjust(p, "holm")`.
///
/// With `p_(1) <= ... <= p_(m)`: `adj_(i) = min(1, max_{j<=i} (m−j+1)·p_(j))`.
/// Controls the family-wise error rate under any dependence. Inputs must
/// not be NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut adjusted = vec![0.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &i) in ascending_order(p).iter().enumerate() {
        running_max = running_max.max(p[i] * (m - rank) as f64);
        adjusted[i] = running_max.min(1.0);
    }
    adjusted
}

/// Benjamini–Hochberg adjusted p-values (false discovery rate), in input
/// order, identical to statsmodels `multipletests(p, method="fdr_bh")[1]`
/// and R `p.adjust(p, "BH")`.
///
/// With `p_(1) <= ... <= p_(m)`: `adj_(i) = min(1, min_{j>=i} p_(j) / (j/m))`
/// (statsmodels' `p / (j/m)` form). Valid under independence or positive
/// dependence. Inputs must not be NaN.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut adjusted = vec![0.0; m];
    let mut running_min = f64::INFINITY;
    for (rank, &i) in ascending_order(p).iter().enumerate().rev() {
        let ecdf = (rank + 1) as f64 / m as f64;
        running_min = running_min.min(p[i] / ecdf);
        adjusted[i] = running_min.min(1.0);
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_single() {
        assert!(holm(&[]).is_empty());
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(holm(&[0.3]), vec![0.3]);
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
    }

    #[test]
    fn textbook_example() {
        let p = [0.01, 0.04, 0.03, 0.005];
        let h = holm(&p);
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (got, want) in h.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{h:?}");
        }
        let bh = benjamini_hochberg(&p);
        let expected = [0.02, 0.04, 0.04, 0.02];
        for (got, want) in bh.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{bh:?}");
        }
    }

    #[test]
    fn clamps_at_one_and_keeps_ties_equal() {
        let p = [0.5, 0.5, 0.9];
        assert_eq!(holm(&p), vec![1.0, 1.0, 1.0]);
        let bh = benjamini_hochberg(&p);
        assert_eq!(bh[0], bh[1]);
        assert!(bh.iter().all(|&x| x <= 1.0));
    }
}
