//! Checks the `stats` module against reference values computed by SciPy,
//! statsmodels and R (`tests/fixtures/stats/make_fixtures.py` and
//! `make_fixtures.R`; see those files for the exact commands and versions).
//!
//! Tolerances (relative, with magnitudes below 1e-300 treated as 1e-300):
//! * `EXACT` = 1e-9 where the reference value is exact or closed form
//!   (binomial, Fisher, exact CMH and Mann–Whitney p-values, Wilson, Katz,
//!   CMH statistic and intervals, normal approximations).
//! * `ITERATIVE` = 1e-6 where the reference is itself a numerical root
//!   (Clopper–Pearson bounds from Boost's `ibeta_inv`).
//! * `ADJUST` = 1e-12 for multiple-testing adjustments (a product or
//!   quotient and a running max/min).
//!
//! Run with `--nocapture` to see the largest error seen per fixture.

use std::fmt::Display;
use std::fs;
use std::path::PathBuf;

use equal_terms::stats::{
    Alternative, binomial, cmh, correction, fisher, permutation, proportion, ranks, relative_risk,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

const EXACT: f64 = 1e-9;
const ITERATIVE: f64 = 1e-6;
const ADJUST: f64 = 1e-12;

/// A fixture number: JSON number or "nan" / "inf" / "-inf".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Num {
    Value(f64),
    Text(String),
}

impl Num {
    fn value(&self) -> f64 {
        match self {
            Num::Value(v) => *v,
            Num::Text(t) => match t.as_str() {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                other => panic!("bad number in fixture: {other}"),
            },
        }
    }
}

#[derive(Deserialize)]
struct Fixture<T> {
    cases: Vec<T>,
}

fn load<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "stats",
        name,
    ]
    .iter()
    .collect();
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Fixture<T> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!fixture.cases.is_empty(), "{name} has no cases");
    fixture.cases
}

/// Collects mismatches so one run reports all of them, and the worst error.
struct Check {
    name: &'static str,
    failures: Vec<String>,
    compared: usize,
    worst: f64,
    worst_case: String,
}

impl Check {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            failures: Vec::new(),
            compared: 0,
            worst: 0.0,
            worst_case: String::new(),
        }
    }

    /// `got` within `rel` of `want` (NaN and infinities must match exactly),
    /// or within `abs` absolutely.
    fn close_abs(&mut self, what: impl Display, got: f64, want: f64, rel: f64, abs: f64) {
        self.compared += 1;
        let ok = if want.is_nan() {
            got.is_nan()
        } else if want.is_infinite() {
            got == want
        } else {
            let err = (got - want).abs();
            let relative = err / want.abs().max(1e-300);
            if err > abs && relative > self.worst {
                self.worst = relative;
                self.worst_case = what.to_string();
            }
            relative <= rel || err <= abs
        };
        if !ok {
            self.failures
                .push(format!("{what}: got {got:e}, want {want:e}"));
        }
    }

    fn close(&mut self, what: impl Display, got: f64, want: f64, rel: f64) {
        self.close_abs(what, got, want, rel, 0.0);
    }

    fn equal<T: PartialEq + std::fmt::Debug>(&mut self, what: impl Display, got: T, want: T) {
        self.compared += 1;
        if got != want {
            self.failures
                .push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    fn finish(self) {
        println!(
            "{}: {} comparisons, worst relative error {:.2e} ({})",
            self.name, self.compared, self.worst, self.worst_case
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} mismatches:\n{}",
            self.name,
            self.failures.len(),
            self.failures
                .iter()
                .take(40)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[derive(Deserialize)]
struct WilsonCase {
    successes: u64,
    n: u64,
    confidence: f64,
    lower: Num,
    upper: Num,
}

#[test]
fn wilson_matches_statsmodels() {
    let mut check = Check::new("wilson");
    for c in load::<WilsonCase>("wilson.json") {
        let what = format!("wilson({}, {}, {})", c.successes, c.n, c.confidence);
        let Some(ci) = proportion::wilson(c.successes, c.n, c.confidence) else {
            check.failures.push(format!("{what}: None"));
            continue;
        };
        // statsmodels leaves ~1e-17 where the bound is exactly 0 or 1.
        check.close_abs(
            format!("{what} lower"),
            ci.lower,
            c.lower.value(),
            EXACT,
            1e-15,
        );
        check.close_abs(
            format!("{what} upper"),
            ci.upper,
            c.upper.value(),
            EXACT,
            1e-15,
        );
    }
    check.finish();
}

#[derive(Deserialize)]
struct BetaCase {
    k: u64,
    n: u64,
    confidence: f64,
    lower: Num,
    upper: Num,
}

#[test]
fn clopper_pearson_matches_statsmodels() {
    let mut check = Check::new("clopper_pearson");
    for c in load::<BetaCase>("clopper_pearson.json") {
        let what = format!("clopper_pearson({}, {}, {})", c.k, c.n, c.confidence);
        let Some(ci) = binomial::clopper_pearson(c.k, c.n, c.confidence) else {
            check.failures.push(format!("{what}: None"));
            continue;
        };
        check.close(
            format!("{what} lower"),
            ci.lower,
            c.lower.value(),
            ITERATIVE,
        );
        check.close(
            format!("{what} upper"),
            ci.upper,
            c.upper.value(),
            ITERATIVE,
        );
    }
    check.finish();
}

#[derive(Deserialize)]
struct BinomCase {
    k: u64,
    n: u64,
    p: f64,
    alternative: Alternative,
    p_value: Num,
}

#[test]
fn binom_test_matches_scipy() {
    let mut check = Check::new("binom_test");
    for c in load::<BinomCase>("binom_test.json") {
        let got = binomial::binom_test(c.k, c.n, c.p, c.alternative);
        let what = format!("binom_test({}, {}, {}, {:?})", c.k, c.n, c.p, c.alternative);
        check.close(what, got, c.p_value.value(), EXACT);
    }
    check.finish();
}

#[derive(Deserialize)]
struct FisherCase {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    alternative: Alternative,
    odds_ratio: Num,
    p_value: Num,
}

#[test]
fn fisher_exact_matches_scipy() {
    let mut check = Check::new("fisher_exact");
    for c in load::<FisherCase>("fisher.json") {
        let r = fisher::fisher_exact(c.a, c.b, c.c, c.d, c.alternative);
        let what = format!(
            "fisher([[{}, {}], [{}, {}]], {:?})",
            c.a, c.b, c.c, c.d, c.alternative
        );
        check.close(
            format!("{what} odds ratio"),
            r.odds_ratio,
            c.odds_ratio.value(),
            EXACT,
        );
        check.close(format!("{what} p"), r.p_value, c.p_value.value(), EXACT);
    }
    check.finish();
}

#[derive(Deserialize)]
struct RiskCase {
    a: u64,
    n1: u64,
    c: u64,
    n2: u64,
    confidence: f64,
    estimate: Num,
    lower: Num,
    upper: Num,
}

#[test]
fn katz_matches_scipy() {
    let mut check = Check::new("relative_risk");
    for c in load::<RiskCase>("relative_risk.json") {
        let what = format!(
            "katz({}, {}, {}, {}, {})",
            c.a, c.n1, c.c, c.n2, c.confidence
        );
        let Some(r) = relative_risk::katz(c.a, c.n1, c.c, c.n2, c.confidence) else {
            check.failures.push(format!("{what}: None"));
            continue;
        };
        check.close(
            format!("{what} estimate"),
            r.estimate,
            c.estimate.value(),
            EXACT,
        );
        check.close(
            format!("{what} lower"),
            r.interval.lower,
            c.lower.value(),
            EXACT,
        );
        check.close(
            format!("{what} upper"),
            r.interval.upper,
            c.upper.value(),
            EXACT,
        );
    }
    check.finish();
}

#[derive(Deserialize)]
struct MannWhitneyCase {
    x: Vec<(u32, u64)>,
    y: Vec<(u32, u64)>,
    alternative: Alternative,
    u: f64,
    p_value: Num,
    #[serde(default = "default_exact")]
    exact: bool,
    #[serde(default)]
    z: Option<Num>,
}

/// coin's fixtures only hold exact cases.
fn default_exact() -> bool {
    true
}

fn check_mann_whitney(check: &mut Check, cases: Vec<MannWhitneyCase>, compare_z: bool) {
    for c in cases {
        let what = format!("mann_whitney({:?}, {:?}, {:?})", c.x, c.y, c.alternative);
        let Some(r) = ranks::mann_whitney_binned(&c.x, &c.y, c.alternative) else {
            check.failures.push(format!("{what}: None"));
            continue;
        };
        check.equal(format!("{what} u"), r.u, c.u);
        check.equal(format!("{what} exact"), r.exact, c.exact);
        check.close(format!("{what} p"), r.p_value, c.p_value.value(), EXACT);
        if compare_z {
            match (r.z, c.z.as_ref().map(Num::value)) {
                (Some(got), Some(want)) => check.close(format!("{what} z"), got, want, EXACT),
                (got, want) => check.equal(format!("{what} z"), got.is_some(), want.is_some()),
            }
        }
    }
}

#[test]
fn mann_whitney_matches_scipy() {
    let mut check = Check::new("mann_whitney (scipy)");
    check_mann_whitney(&mut check, load("mann_whitney.json"), true);
    check.finish();
}

#[test]
fn mann_whitney_exact_matches_coin() {
    let mut check = Check::new("mann_whitney (coin)");
    check_mann_whitney(&mut check, load("mann_whitney_coin.json"), false);
    check.finish();
}

#[derive(Deserialize)]
struct AdjustCase {
    p: Vec<f64>,
    holm: Vec<f64>,
    bh: Vec<f64>,
}

fn check_adjustments(name: &'static str, file: &str) {
    let mut check = Check::new(name);
    for c in load::<AdjustCase>(file) {
        let holm = correction::holm(&c.p);
        let bh = correction::benjamini_hochberg(&c.p);
        check.equal(format!("holm len {:?}", c.p), holm.len(), c.holm.len());
        check.equal(format!("bh len {:?}", c.p), bh.len(), c.bh.len());
        for (i, (got, want)) in holm.iter().zip(&c.holm).enumerate() {
            check.close(format!("holm[{i}] of {:?}", c.p), *got, *want, ADJUST);
        }
        for (i, (got, want)) in bh.iter().zip(&c.bh).enumerate() {
            check.close(format!("bh[{i}] of {:?}", c.p), *got, *want, ADJUST);
        }
    }
    check.finish();
}

#[test]
fn corrections_match_statsmodels() {
    check_adjustments("multipletests (statsmodels)", "multipletests.json");
}

#[test]
fn corrections_match_r_p_adjust() {
    check_adjustments("p.adjust (R)", "p_adjust.json");
}

#[derive(Deserialize)]
struct ShareCase {
    group_n: u64,
    group_sum: f64,
    total_n: u64,
    total_sum: f64,
    total_sum_sq: f64,
    expected: Option<f64>,
    z: Option<f64>,
    p_less: Option<f64>,
}

#[test]
fn sum_share_z_matches_enumeration_and_numpy() {
    let mut check = Check::new("sum_share_z");
    for c in load::<ShareCase>("sum_share_z.json") {
        let what = format!(
            "sum_share_z({}, {}, {}, {}, {})",
            c.group_n, c.group_sum, c.total_n, c.total_sum, c.total_sum_sq
        );
        let r = permutation::sum_share_z(
            c.group_n,
            c.group_sum,
            c.total_n,
            c.total_sum,
            c.total_sum_sq,
        );
        match (r, c.expected, c.z, c.p_less) {
            (None, None, None, None) => check.equal(what, true, true),
            (Some(r), Some(expected), Some(z), Some(p)) => {
                check.close(format!("{what} expected"), r.expected, expected, EXACT);
                // z can be ~0, where a relative comparison is meaningless.
                check.close_abs(format!("{what} z"), r.z, z, EXACT, EXACT);
                check.close(format!("{what} p"), r.p_less, p, EXACT);
            }
            (r, ..) => check
                .failures
                .push(format!("{what}: got {r:?}, want {:?}", c.expected)),
        }
    }
    check.finish();
}

#[derive(Deserialize)]
struct CmhCase {
    strata: Vec<[u64; 4]>,
    confidence: f64,
    alternative: Alternative,
    statistic: Num,
    p_value: Num,
    exact_p_value: Num,
    odds_ratio: Num,
    odds_ratio_interval: [Num; 2],
    risk_ratio: Num,
    risk_ratio_interval: [Num; 2],
    mantel_fleiss_ok: bool,
    fisher_p_value: Option<Num>,
}

#[test]
fn mantel_haenszel_matches_r() {
    let mut check = Check::new("mantel_haenszel");
    let mut exact_compared = 0;
    for c in load::<CmhCase>("cmh.json") {
        let strata: Vec<cmh::Stratum> = c
            .strata
            .iter()
            .map(|&[a, b, c, d]| cmh::Stratum { a, b, c, d })
            .collect();
        let what = format!("cmh({:?}, {}, {:?})", c.strata, c.confidence, c.alternative);
        let Some(r) = cmh::mantel_haenszel(&strata, c.confidence, c.alternative) else {
            check.failures.push(format!("{what}: None"));
            continue;
        };
        check.close(
            format!("{what} statistic"),
            r.statistic,
            c.statistic.value(),
            EXACT,
        );
        check.close(format!("{what} p"), r.p_value, c.p_value.value(), EXACT);
        check.close(
            format!("{what} OR"),
            r.odds_ratio.estimate,
            c.odds_ratio.value(),
            EXACT,
        );
        check.close(
            format!("{what} OR lower"),
            r.odds_ratio.interval.lower,
            c.odds_ratio_interval[0].value(),
            EXACT,
        );
        check.close(
            format!("{what} OR upper"),
            r.odds_ratio.interval.upper,
            c.odds_ratio_interval[1].value(),
            EXACT,
        );
        check.close(
            format!("{what} RR"),
            r.risk_ratio.estimate,
            c.risk_ratio.value(),
            EXACT,
        );
        check.close(
            format!("{what} RR lower"),
            r.risk_ratio.interval.lower,
            c.risk_ratio_interval[0].value(),
            EXACT,
        );
        check.close(
            format!("{what} RR upper"),
            r.risk_ratio.interval.upper,
            c.risk_ratio_interval[1].value(),
            EXACT,
        );
        check.equal(
            format!("{what} Mantel-Fleiss"),
            r.mantel_fleiss_ok,
            c.mantel_fleiss_ok,
        );
        let total: u64 = c.strata.iter().flatten().sum();
        match r.exact_p_value {
            Some(p) => {
                exact_compared += 1;
                check.close(format!("{what} exact p"), p, c.exact_p_value.value(), EXACT);
            }
            // Small evaluations must always get the exact test.
            None => check.equal(
                format!("{what} exact available (n = {total})"),
                total > 5_000,
                true,
            ),
        }
        if let (Some(fisher_p), [[a, b, cc, d]]) = (&c.fisher_p_value, c.strata.as_slice()) {
            // Single stratum: exact CMH is Fisher's test (R's 1e-7 tie rule).
            let exact = r.exact_p_value.unwrap_or(f64::NAN);
            check.close(
                format!("{what} exact vs fisher.test"),
                exact,
                fisher_p.value(),
                EXACT,
            );
            let scipy_rule = fisher::fisher_exact(*a, *b, *cc, *d, c.alternative).p_value;
            check.close(
                format!("{what} exact vs fisher_exact"),
                exact,
                scipy_rule,
                EXACT,
            );
        }
    }
    assert!(
        exact_compared > 150,
        "only {exact_compared} exact p-values compared"
    );
    check.finish();
}
