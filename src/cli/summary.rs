//! Readable summaries for the terminal.

use std::fmt::Write;

use crate::analysis::findings::Level;
use crate::services::evaluations::Evaluation;

/// What an evaluation found: the flags in full, the rest counted.
pub fn evaluation(e: &Evaluation) -> String {
    let r = &e.result;
    let s = &r.outcome.summary;
    let l = &s.levels;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Evaluation {} (rule set {} {}, tagging {})",
        e.id, r.ruleset.name, r.ruleset.version, r.tagging.name
    );
    let _ = writeln!(
        out,
        "Read {} applications ({} decided, {} approved) in {} cells from the {}.",
        r.data.applications,
        r.data.judged,
        r.data.approved,
        r.data.cells,
        if r.data.source == "cube" {
            "statistics cube"
        } else {
            "tagged rows"
        }
    );
    let _ = writeln!(
        out,
        "Red {}, watch {}, inconclusive {}, ok {}, too few to judge {}, cannot assess {} ({} tests, {:?} correction)\n",
        l.red, l.watch, l.inconclusive, l.ok, l.too_few, l.cannot_assess, s.tests, s.correction
    );
    for finding in r.outcome.findings.iter().filter(|f| f.level.is_flag()) {
        let tag = match finding.level {
            Level::Red => "RED  ",
            _ => "WATCH",
        };
        let _ = writeln!(out, "{tag} {}  {}", finding.rule, finding.label);
        let _ = writeln!(out, "      {}\n", finding.explanation);
    }
    if l.red + l.watch == 0 {
        let _ = writeln!(
            out,
            "No skew beyond the thresholds that is distinguishable from chance."
        );
    }
    out
}
