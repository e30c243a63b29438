//! Explanations a case officer understands, in Swedish or English: what was compared, how big
//! the gap is, how sure, and what it cost the group.

use super::findings::{Against, Comparison, Figures, Finding, Level};
use super::labels;
use super::rules::{Metric, Rule};
use crate::locale::Language;

use crate::locale::{number, percent, sek};

fn p_value(lang: Language, p: f64) -> String {
    if p < 0.001 {
        lang.pick("p < 0,001", "p < 0.001").to_owned()
    } else {
        format!("p = {}", number(lang, p, 3))
    }
}

fn comparator(lang: Language, c: &Comparison) -> String {
    match (c.against, &c.reference) {
        (Against::Reference, Some(values)) => {
            let values: Vec<_> = values
                .iter()
                .map(|v| (v.dimension, v.value.clone()))
                .collect();
            labels::group(lang, &values)
        }
        _ => lang.pick("alla andra", "everyone else").to_owned(),
    }
}

/// The comparison that decides the finding's level (the reference one on a tie).
fn primary(finding: &Finding) -> Option<&Comparison> {
    finding.comparisons.iter().min_by_key(|c| c.level)
}

/// The explanation of a finding once its level is known; `confidence` is the rule set's level
/// of the intervals (0.95 reads "95 %").
pub fn explain(
    lang: Language,
    rule: &Rule,
    confidence: f64,
    finding: &Finding,
    figures: &Figures,
) -> String {
    let Some(c) = primary(finding) else {
        return String::new();
    };
    let label = &finding.label;
    match c.level {
        Level::TooFew => {
            return format!(
                "{label}: {} {}",
                lang.pick("för få för att bedöma", "too few to judge"),
                c.note
                    .as_deref()
                    .map(|n| format!("({n})."))
                    .unwrap_or_else(|| ".".into())
            );
        }
        Level::CannotAssess => {
            return format!(
                "{label}: {} ({}).",
                lang.pick("kan inte bedömas", "cannot be assessed"),
                c.note.as_deref().unwrap_or("")
            );
        }
        _ => {}
    }
    let estimate = c.estimate.unwrap_or(f64::NAN);
    let gv = c.group_value.unwrap_or(f64::NAN);
    let cv = c.comparator_value.unwrap_or(f64::NAN);
    let other = comparator(lang, c);
    let interval = c
        .interval
        .map(|i| {
            let d = if matches!(rule.metric, Metric::Representation | Metric::FundingShare) {
                0
            } else {
                2
            };
            let level = confidence * 100.0;
            let level = number(lang, level, if level.fract().abs() < 1e-9 { 0 } else { 1 });
            format!(
                " ({}{} {}–{})",
                level,
                lang.pick(" % intervall", "% interval"),
                number(lang, i.lower, d),
                number(lang, i.upper, d)
            )
        })
        .unwrap_or_default();
    let what = match rule.metric {
        Metric::Representation => match lang {
            Language::Sv => format!(
                "{label} är {} av de sökande mot {} av dem som kunde ha sökt; disparitetsindex {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
            Language::En => format!(
                "{label} are {} of applicants against {} of those who could have applied; disparity index {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
        },
        Metric::FundingShare if c.against == Against::Baseline => match lang {
            Language::Sv => format!(
                "{label} fick {} av de beviljade kronorna mot {} av dem som kunde ha sökt; disparitetsindex {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
            Language::En => format!(
                "{label} received {} of the kronor granted against {} of those who could have applied; disparity index {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
        },
        Metric::FundingShare => match lang {
            Language::Sv => format!(
                "{label} fick {} av de beviljade kronorna med {} av de prövade ansökningarna; disparitetsindex {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
            Language::En => format!(
                "{label} received {} of the kronor granted with {} of the decided applications; disparity index {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 0)
            ),
        },
        Metric::ApprovalRate => match lang {
            Language::Sv => format!(
                "{label} beviljades i {} av fallen ({} av {}) mot {} för {other}; jämfört inom varje utlysning är kvoten {}{interval}.",
                percent(lang, gv),
                figures.approved,
                figures.judged,
                percent(lang, cv),
                number(lang, estimate, 2)
            ),
            Language::En => format!(
                "{label} were approved in {} of cases ({} of {}) against {} for {other}; compared within each call the ratio is {}{interval}.",
                percent(lang, gv),
                figures.approved,
                figures.judged,
                percent(lang, cv),
                number(lang, estimate, 2)
            ),
        },
        Metric::GrantedAmount => match lang {
            Language::Sv => format!(
                "Beviljade ansökningar från {label} fick i snitt {} mot {} för {other}; kvot {}{interval}.",
                sek(lang, gv),
                sek(lang, cv),
                number(lang, estimate, 2)
            ),
            Language::En => format!(
                "Approved applications from {label} got {} on average against {} for {other}; ratio {}{interval}.",
                sek(lang, gv),
                sek(lang, cv),
                number(lang, estimate, 2)
            ),
        },
        Metric::GrantedShareOfApplied => match lang {
            Language::Sv => format!(
                "Beviljade ansökningar från {label} fick i snitt {} av det sökta beloppet mot {} för {other}; kvot {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 2)
            ),
            Language::En => format!(
                "Approved applications from {label} got {} of the amount applied for on average against {} for {other}; ratio {}{interval}.",
                percent(lang, gv),
                percent(lang, cv),
                number(lang, estimate, 2)
            ),
        },
        Metric::DaysToDecision => match lang {
            Language::Sv => format!(
                "{label} väntade i snitt {} dagar på beslut mot {} för {other}; kvot {}{interval}.",
                number(lang, gv, 0),
                number(lang, cv, 0),
                number(lang, estimate, 2)
            ),
            Language::En => format!(
                "{label} waited {} days for a decision on average against {} for {other}; ratio {}{interval}.",
                number(lang, gv, 0),
                number(lang, cv, 0),
                number(lang, estimate, 2)
            ),
        },
    };
    let threshold = number(lang, c.threshold, if c.threshold >= 10.0 { 0 } else { 2 });
    let p = c.p_adjusted.map(|p| p_value(lang, p)).unwrap_or_default();
    let verdict = match (c.level, lang) {
        (Level::Red, Language::Sv) => format!(
            "Hela intervallet ligger bortom tröskeln {threshold} och skillnaden är inte slumpmässig (justerat {p}): snedfördelning."
        ),
        (Level::Red, Language::En) => format!(
            "The whole interval lies beyond the threshold {threshold} and the gap is not chance (adjusted {p}): a skew."
        ),
        (Level::Watch, Language::Sv) => format!(
            "Skattningen ligger bortom tröskeln {threshold} och skillnaden är inte slumpmässig (justerat {p}), men intervallet når tröskeln: bevaka."
        ),
        (Level::Watch, Language::En) => format!(
            "The estimate is beyond the threshold {threshold} and the gap is not chance (adjusted {p}), but the interval reaches the threshold: watch."
        ),
        (Level::Inconclusive, Language::Sv) => format!(
            "Skattningen ligger bortom tröskeln {threshold}, men skillnaden kan vara slump (justerat {p})."
        ),
        (Level::Inconclusive, Language::En) => format!(
            "The estimate is beyond the threshold {threshold}, but the gap could be chance (adjusted {p})."
        ),
        (_, Language::Sv) => format!("Inom tröskeln {threshold}."),
        (_, Language::En) => format!("Within the threshold {threshold}."),
    };
    let gap = match (&finding.resource_gap, c.level.is_flag()) {
        (Some(gap), true) if gap.approvals_at_parity > 0.0 || gap.sek_at_parity > 0.0 => match lang
        {
            Language::Sv => format!(
                " Med samma villkor som {other} hade gruppen fått {} fler beviljanden och {} mer.",
                number(lang, gap.approvals_at_parity.max(0.0), 0),
                sek(lang, gap.sek_at_parity.max(0.0))
            ),
            Language::En => format!(
                " On the same terms as {other} the group would have had {} more approvals and {} more.",
                number(lang, gap.approvals_at_parity.max(0.0), 0),
                sek(lang, gap.sek_at_parity.max(0.0))
            ),
        },
        _ => String::new(),
    };
    format!("{what} {verdict}{gap}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_read_locally() {
        assert_eq!(p_value(Language::En, 0.0001), "p < 0.001");
    }
}
