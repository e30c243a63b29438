//! The eight checks of a call before it is published (docs/call-checks.md). Each gives a verdict
//! with the reason, a concrete action and the details it rests on. Pure: the caller gathers the
//! firm population and the earlier calls' evaluation.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::design::CallDesign;
use super::eligibility::{self, ExclusionAnalysis, GroupShare, Population};
use super::text::lix::lix;
use super::text::plain::{JargonList, plain_language};
use super::text::wording::{self, Alternatives, Balance, WordLists};
use crate::analysis::findings::Level;
use crate::analysis::labels;
use crate::codes;
use crate::config::CallCheckSettings;
use crate::domain::tagging::{Dimension, UNKNOWN};
use crate::locale::{Language, percent_rounded, sek_ungrouped};

/// How a check came out. A `fail` blocks publication unless a case officer overrides it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    CannotAssess,
    Warn,
    Fail,
}

impl Verdict {
    /// The verdict as the API writes it.
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }
}

/// The checks, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    EligibilityExclusion,
    EarlierCalls,
    GenderCodedWording,
    PlainLanguage,
    TargetGroups,
    Reach,
    AssessmentPanel,
    FollowUp,
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Bilingual {
    pub sv: String,
    pub en: String,
}

impl CheckId {
    /// The check's id as the API writes it.
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    /// The check's title and what it asks, in Swedish and English.
    fn describe(self) -> (Bilingual, Bilingual) {
        let (title_sv, title_en, sv, en) = match self {
            Self::EligibilityExclusion => (
                "Behörighetsvillkor",
                "Eligibility rules",
                "Utesluter villkoren (bransch, storlek, omsättning, juridisk form, geografi) en större andel av företagen som drivs av kvinnor eller av personer med utländsk bakgrund än av andra?",
                "Do the rules (sector, size, turnover, legal form, geography) leave out a larger share of firms run by women or by people with foreign background than of others?",
            ),
            Self::EarlierCalls => (
                "Tidigare utlysningar",
                "Earlier calls",
                "Vad gav programmets tidigare utlysningar: fick alla grupper sin del av beviljade ansökningar och medel?",
                "What did the programme's earlier calls produce: did every group get its share of approvals and funds?",
            ),
            Self::GenderCodedWording => (
                "Könskodade ord",
                "Gender-coded wording",
                "Ord som uppfattas som maskulint eller feminint kodade kan få en grupp att avstå från att söka.",
                "Words read as masculine- or feminine-coded can put one group off applying.",
            ),
            Self::PlainLanguage => (
                "Klarspråk",
                "Plain language",
                "Offentlig text ska vara vårdad, enkel och begriplig (språklagen 11 §). Svår text stänger ute den som inte känner myndighetens språk.",
                "Public text must be clear and simple (Language Act, section 11). Hard text keeps out those who do not know the authority's language.",
            ),
            Self::TargetGroups => (
                "Målgrupper",
                "Target groups",
                "Säger utlysningen vem den är till för, också kvinnor och personer med utländsk bakgrund där programmets mål säger det, och är målgruppsanalysen gjord?",
                "Does the call say whom it is for, including women and people with foreign background where the programme's goals say so, and is the target-group analysis done?",
            ),
            Self::Reach => (
                "Spridning",
                "Reach",
                "Når utlysningen fler än de vanliga sökande: kanaler och språk utöver de vanliga?",
                "Will the call reach beyond the usual applicants: channels and languages beyond the usual ones?",
            ),
            Self::AssessmentPanel => (
                "Bedömargrupp",
                "Assessment panel",
                "Är bedömargruppen jämnt sammansatt (inom 40/60) efter kön?",
                "Is the assessment panel balanced by sex (within 40/60)?",
            ),
            Self::FollowUp => (
                "Uppföljning",
                "Follow-up",
                "Lovar utlysningen indikatorer som kan brytas ned på kön och bakgrund, så att utfallet kan följas upp?",
                "Does the call promise indicators that can be broken down by gender and background, so the outcome can be followed up?",
            ),
        };
        (
            Bilingual {
                sv: title_sv.into(),
                en: title_en.into(),
            },
            Bilingual {
                sv: sv.into(),
                en: en.into(),
            },
        )
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub id: CheckId,
    pub title: Bilingual,
    pub explanation: Bilingual,
    pub verdict: Verdict,
    /// Why the verdict, in the report's language.
    pub why: String,
    /// What to change, when something should change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The figures and text positions the verdict rests on.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Checks per verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerdictCounts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub cannot_assess: usize,
}

/// Every check of one call version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub language: Language,
    /// The worst verdict: fail, else warn, else cannot assess, else pass.
    pub verdict: Verdict,
    pub counts: VerdictCounts,
    pub checks: Vec<CheckResult>,
}

/// One finding of the earlier calls' evaluation, as the check reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EarlierFinding {
    pub rule: String,
    pub group: String,
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals_gap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sek_gap: Option<f64>,
    pub explanation: String,
}

/// What the programme's earlier calls produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EarlierCalls {
    /// The stored evaluation behind the figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_id: Option<String>,
    pub calls: usize,
    pub applications: i64,
    pub decided: i64,
    /// Red and watch findings, most severe first.
    pub findings: Vec<EarlierFinding>,
}

/// What the checks read besides the call itself.
pub struct CheckInputs<'a> {
    pub settings: &'a CallCheckSettings,
    pub language: Language,
    /// The firm population the eligibility rules are measured against, where there is one.
    pub population: Option<&'a Population>,
    /// `None` where earlier calls could not be looked at (a draft checked without a database).
    pub earlier: Option<&'a EarlierCalls>,
}

/// Runs every check on `design`.
pub fn run(design: &CallDesign, inputs: &CheckInputs) -> CheckReport {
    let lang = inputs.language;
    let checks = vec![
        eligibility_exclusion(design, inputs),
        earlier_calls(inputs),
        gender_coded_wording(design, lang),
        plain_language_check(design, inputs),
        target_groups(design, lang),
        reach(design, inputs),
        assessment_panel(design, inputs),
        follow_up(design, lang),
    ];
    let mut counts = VerdictCounts::default();
    for c in &checks {
        *match c.verdict {
            Verdict::Pass => &mut counts.pass,
            Verdict::Warn => &mut counts.warn,
            Verdict::Fail => &mut counts.fail,
            Verdict::CannotAssess => &mut counts.cannot_assess,
        } += 1;
    }
    let verdict = checks
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Pass);
    CheckReport {
        language: lang,
        verdict,
        counts,
        checks,
    }
}

fn result(
    id: CheckId,
    verdict: Verdict,
    why: String,
    action: Option<String>,
    details: Value,
) -> CheckResult {
    let (title, explanation) = id.describe();
    CheckResult {
        id,
        title,
        explanation,
        verdict,
        why,
        action,
        details,
    }
}

/// A group as a case officer reads it, e.g. "kvinnor" or "women, foreign background".
fn group_label(lang: Language, group: &GroupShare) -> String {
    group
        .group
        .iter()
        .map(|(d, v)| labels::value(lang, *d, v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Known groups only: a share of "unknown" firms says nothing about exclusion.
fn worst_known(groups: &[GroupShare]) -> Option<&GroupShare> {
    groups
        .iter()
        .filter(|g| g.group.values().all(|v| v != UNKNOWN))
        .filter_map(|g| g.disparity_index.map(|di| (di, g)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, g)| g)
}

fn eligibility_exclusion(design: &CallDesign, inputs: &CheckInputs) -> CheckResult {
    let id = CheckId::EligibilityExclusion;
    let lang = inputs.language;
    let rules = design.eligibility_rules();
    if rules.is_empty() {
        return result(
            id,
            Verdict::Pass,
            lang.pick(
                "Utlysningen har inga behörighetsvillkor som begränsar vilka företag som får söka.",
                "The call has no eligibility rules that restrict which firms may apply.",
            )
            .into(),
            None,
            json!({"rules": []}),
        );
    }
    let Some(population) = inputs.population else {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Det finns ingen företagspopulation att mäta villkoren mot.",
                "There is no firm population to measure the rules against.",
            )
            .into(),
            Some(lang.pick(
                "Ladda upp antal företag per bransch (SNI), storleksklass, omsättningsklass och län, uppdelat på kön (och bakgrund), med källa: PUT /api/v1/firm-population (JSON-stat 2.0 från SCB går bra).",
                "Upload the number of firms by sector (SNI), size class, turnover class and county, broken down by gender (and background), with a source: PUT /api/v1/firm-population (JSON-stat 2.0 from Statistics Sweden is accepted).",
            ).into()),
            json!({"rules": rules}),
        );
    };
    let analysis = eligibility::analyse(population, &rules);
    let details = json!({
        "population": {"source": population.source, "year": population.year, "region": population.region},
        "analysis": analysis,
        "warnBelow": inputs.settings.exclusion_warn_below,
        "failBelow": inputs.settings.exclusion_fail_below,
    });
    let not_assessed = not_assessed_text(lang, &analysis);
    let Some(worst) = worst_known(&analysis.groups) else {
        return result(
            id,
            Verdict::CannotAssess,
            format!(
                "{}{not_assessed}",
                lang.pick(
                    "Befolkningsdata räcker inte för att bedöma något av villkoren.",
                    "The population data cannot assess any of the rules.",
                )
            ),
            Some(
                lang.pick(
                    "Komplettera företagspopulationen med de uppdelningar som saknas.",
                    "Add the missing breakdowns to the firm population.",
                )
                .into(),
            ),
            details,
        );
    };
    let di = worst.disparity_index.unwrap_or(100.0);
    let settings = inputs.settings;
    let verdict = if di < settings.exclusion_fail_below {
        Verdict::Fail
    } else if di < settings.exclusion_warn_below {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    // The rule that on its own does the most harm to any known group.
    let harmful = analysis
        .rules
        .iter()
        .filter_map(|effect| {
            worst_known(&effect.groups)
                .and_then(|g| g.disparity_index.map(|di| (di, effect, g.clone())))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let who = group_label(lang, worst);
    let mut why = match lang {
        Language::Sv => format!(
            "Bland alla företag är andelen {who} {}; bland dem som villkoren låter söka {} (disparitetsindex {di:.0}).",
            percent_rounded(worst.share_all),
            worst.share_eligible.map_or("–".into(), percent_rounded)
        ),
        Language::En => format!(
            "Among all firms the share of {who} is {}; among those the rules let apply, {} (disparity index {di:.0}).",
            percent_rounded(worst.share_all),
            worst.share_eligible.map_or("–".into(), percent_rounded)
        ),
    };
    let mut action = None;
    if let Some((rule_di, effect, group)) = &harmful
        && verdict != Verdict::Pass
    {
        let rule = effect.rule.describe(lang);
        let group = group_label(lang, group);
        let _ = match lang {
            Language::Sv => write!(
                why,
                " Mest skada gör villkoret \"{rule}\": ensamt ger det {group} disparitetsindex {rule_di:.0}."
            ),
            Language::En => write!(
                why,
                " The rule that does the most harm is \"{rule}\": on its own it gives {group} a disparity index of {rule_di:.0}."
            ),
        };
        action = Some(match lang {
            Language::Sv => format!(
                "Pröva om villkoret \"{rule}\" behövs, eller sänk det, och kontrollera igen."
            ),
            Language::En => {
                format!("Consider whether \"{rule}\" is needed, or lower it, and check again.")
            }
        });
    }
    if analysis.approximate {
        why.push_str(lang.pick(
            " Uppskattningen är ungefärlig: några klasser i data delas av villkoren.",
            " The estimate is approximate: some classes in the data are split by the rules.",
        ));
    }
    why.push_str(&not_assessed);
    result(id, verdict, why, action, details)
}

fn not_assessed_text(lang: Language, analysis: &ExclusionAnalysis) -> String {
    analysis
        .not_assessed
        .iter()
        .map(|n| {
            let reason = lang.pick(&n.reason_sv, &n.reason);
            match lang {
                Language::Sv => format!(
                    " Kan inte bedömas: \"{}\" ({reason}).",
                    n.rule.describe(lang)
                ),
                Language::En => format!(" Not assessed: \"{}\" ({reason}).", n.rule.describe(lang)),
            }
        })
        .collect()
}

fn earlier_calls(inputs: &CheckInputs) -> CheckResult {
    let id = CheckId::EarlierCalls;
    let lang = inputs.language;
    let Some(earlier) = inputs.earlier else {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Tidigare utlysningar lästes inte: inget program angavs, eller utkastet kontrollerades utan databas.",
                "Earlier calls were not read: no programme was named, or the draft was checked without the database.",
            )
            .into(),
            Some(
                lang.pick(
                    "Ange programmet och kontrollera utlysningen i tjänsten (eller med --org), så att programmets tidigare utlysningar utvärderas.",
                    "Name the programme and check the call in the service (or with --org), so that the programme's earlier calls are evaluated.",
                )
                .into(),
            ),
            Value::Null,
        );
    };
    let details = serde_json::to_value(earlier).unwrap_or(Value::Null);
    if earlier.decided == 0 {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Programmet har inga beslutade ansökningar i tidigare utlysningar.",
                "The programme has no decided applications in earlier calls.",
            )
            .into(),
            None,
            details,
        );
    }
    let flagged = &earlier.findings;
    if flagged.is_empty() {
        let why = match lang {
            Language::Sv => format!(
                "{} tidigare utlysningar med {} beslut: ingen skevhet över trösklarna som går att skilja från slumpen.",
                earlier.calls, earlier.decided
            ),
            Language::En => format!(
                "{} earlier calls with {} decisions: no skew beyond the thresholds that is distinguishable from chance.",
                earlier.calls, earlier.decided
            ),
        };
        return result(id, Verdict::Pass, why, None, details);
    }
    let sek: f64 = flagged.iter().filter_map(|f| f.sek_gap).sum();
    let first = &flagged[0];
    let why = match lang {
        Language::Sv => format!(
            "{} tidigare utlysningar med {} beslut gav {} flaggor; allvarligast: {} Sammanlagt resursgap ungefär {}.",
            earlier.calls,
            earlier.decided,
            flagged.len(),
            first.explanation,
            sek_ungrouped(lang, sek)
        ),
        Language::En => format!(
            "{} earlier calls with {} decisions gave {} flags; the most severe: {} Resource gap in all about {}.",
            earlier.calls,
            earlier.decided,
            flagged.len(),
            first.explanation,
            sek_ungrouped(lang, sek)
        ),
    };
    // History warns rather than fails: it forecasts a risk, it is not this call's design.
    result(
        id,
        Verdict::Warn,
        why,
        Some(
            lang.pick(
                "Planera åtgärder för de grupper som missgynnades tidigare: riktad spridning, villkor, stöd under ansökan, och följ utlysningen under tiden den är öppen (monitor).",
                "Plan measures for the groups that lost out before: targeted outreach, rules, support while applying, and follow the call while it is open (monitor).",
            )
            .into(),
        ),
        details,
    )
}

fn gender_coded_wording(design: &CallDesign, lang: Language) -> CheckResult {
    let id = CheckId::GenderCodedWording;
    let lists = WordLists::bundled();
    let alternatives = Alternatives::bundled();
    let texts = [
        (Language::Sv, design.text.sv.as_deref()),
        (Language::En, design.text.en.as_deref()),
    ];
    let analyses: Vec<_> = texts
        .iter()
        .filter_map(|(l, t)| t.filter(|t| !t.trim().is_empty()).map(|t| (*l, t)))
        .map(|(l, text)| wording::analyse(text, l, &lists, Some(&alternatives)))
        .collect();
    if analyses.is_empty() {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick("Utlysningen har ingen text.", "The call has no text.")
                .into(),
            Some(
                lang.pick("Lägg in utlysningstexten.", "Add the text of the call.")
                    .into(),
            ),
            Value::Null,
        );
    }
    let masculine = |b: Balance| matches!(b, Balance::Masculine | Balance::StronglyMasculine);
    let leaning: Vec<_> = analyses.iter().filter(|a| masculine(a.balance)).collect();
    let summary: Vec<String> = analyses
        .iter()
        .map(|a| {
            let label = lang.pick(a.balance.label_sv(), a.balance.label_en());
            format!(
                "{}: {label} ({} {}, {} {})",
                a.lang.code(),
                a.masculine_count,
                lang.pick("maskulina", "masculine"),
                a.feminine_count,
                lang.pick("feminina", "feminine")
            )
        })
        .collect();
    let why = summary.join("; ") + ".";
    let details = json!({"languages": analyses});
    if leaning.is_empty() {
        return result(id, Verdict::Pass, why, None, details);
    }
    let mut words: Vec<String> = leaning
        .iter()
        .flat_map(|a| a.occurrences.iter())
        .filter(|o| o.coding == wording::Coding::Masculine)
        .map(|o| match o.alternatives.as_slice() {
            [] => o.word.clone(),
            alts => format!("{} → {}", o.word, alts.join("/")),
        })
        .collect();
    words.dedup();
    let action = match lang {
        Language::Sv => format!(
            "Byt ut eller balansera maskulint kodade ord: {}.",
            words.join(", ")
        ),
        Language::En => format!(
            "Replace or balance masculine-coded words: {}.",
            words.join(", ")
        ),
    };
    result(id, Verdict::Warn, why, Some(action), details)
}

fn plain_language_check(design: &CallDesign, inputs: &CheckInputs) -> CheckResult {
    let id = CheckId::PlainLanguage;
    let lang = inputs.language;
    let Some(text) = design.text.sv.as_deref().filter(|t| !t.trim().is_empty()) else {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Utlysningen har ingen svensk text (LIX mäter svensk text).",
                "The call has no Swedish text (LIX measures Swedish text).",
            )
            .into(),
            Some(
                lang.pick(
                    "Lägg in den svenska utlysningstexten.",
                    "Add the Swedish text of the call.",
                )
                .into(),
            ),
            Value::Null,
        );
    };
    let settings = inputs.settings;
    let plain = plain_language(text, &JargonList::bundled(), settings.long_sentence_words);
    let Some(lix) = lix(text) else {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Texten har inga ord att mäta.",
                "The text has no words to measure.",
            )
            .into(),
            None,
            Value::Null,
        );
    };
    let band = lang.pick(lix.band.label_sv(), lix.band.label_en());
    let mut why = match lang {
        Language::Sv => format!("LIX {:.0}: {band}.", lix.score),
        Language::En => format!("LIX {:.0}: {band}.", lix.score),
    };
    let mut actions = Vec::new();
    let too_hard = lix.score > settings.lix_warn_above;
    if too_hard {
        actions.push(match lang {
            Language::Sv => format!(
                "Sänk LIX till högst {:.0}: kortare meningar och kortare ord.",
                settings.lix_warn_above
            ),
            Language::En => format!(
                "Bring LIX down to {:.0} or less: shorter sentences and shorter words.",
                settings.lix_warn_above
            ),
        });
    }
    if !plain.long_sentences.is_empty() {
        let _ = match lang {
            Language::Sv => write!(
                why,
                " {} meningar har fler än {} ord.",
                plain.long_sentences.len(),
                settings.long_sentence_words
            ),
            Language::En => write!(
                why,
                " {} sentences have more than {} words.",
                plain.long_sentences.len(),
                settings.long_sentence_words
            ),
        };
        actions.push(
            lang.pick("Dela upp de långa meningarna.", "Split the long sentences.")
                .into(),
        );
    }
    if !plain.jargon.is_empty() {
        let mut swaps: Vec<String> = plain
            .jargon
            .iter()
            .map(|j| match j.plain.first() {
                Some(p) => format!("{} → {p}", j.text),
                None => j.text.clone(),
            })
            .collect();
        swaps.dedup();
        let _ = match lang {
            Language::Sv => write!(why, " {} svåra ord eller uttryck.", plain.jargon.len()),
            Language::En => write!(why, " {} officialese words or phrases.", plain.jargon.len()),
        };
        actions.push(match lang {
            Language::Sv => format!("Skriv enklare: {}.", swaps.join(", ")),
            Language::En => format!("Write plainer: {}.", swaps.join(", ")),
        });
    }
    let verdict = if actions.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Warn
    };
    let action = (!actions.is_empty()).then(|| actions.join(" "));
    result(
        id,
        verdict,
        why,
        action,
        json!({"lix": lix, "lixWarnAbove": settings.lix_warn_above, "plainLanguage": plain}),
    )
}

fn target_groups(design: &CallDesign, lang: Language) -> CheckResult {
    let id = CheckId::TargetGroups;
    let named: Vec<_> = design
        .target_groups
        .iter()
        .flat_map(|t| t.groups.iter())
        .collect();
    let missing_goals: Vec<_> = design
        .equality_goals
        .iter()
        .filter(|goal| !named.contains(goal))
        .collect();
    let unanswered = design.target_group_analysis.missing();
    let details = json!({
        "targetGroups": design.target_groups,
        "equalityGoals": design.equality_goals,
        "missingGoalGroups": missing_goals,
        "unansweredAnalysisQuestions": unanswered,
    });
    let goal_labels = || {
        missing_goals
            .iter()
            .map(|g| labels::value(lang, g.dimension, &g.value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !missing_goals.is_empty() {
        let groups = goal_labels();
        let (why, action) = match lang {
            Language::Sv => (
                format!(
                    "Programmets mål nämner {groups}, men utlysningen nämner dem inte som målgrupp."
                ),
                format!("Skriv ut i utlysningen att den riktar sig till {groups}."),
            ),
            Language::En => (
                format!(
                    "The programme's goals name {groups}, but the call does not name them as a target group."
                ),
                format!("Say in the call that it is for {groups}."),
            ),
        };
        return result(id, Verdict::Fail, why, Some(action), details);
    }
    if design.target_groups.is_empty() {
        return result(
            id,
            Verdict::Warn,
            lang.pick(
                "Utlysningen säger inte vem den är till för.",
                "The call does not say whom it is for.",
            )
            .into(),
            Some(
                lang.pick(
                    "Beskriv målgruppen, och nämn kvinnor och personer med utländsk bakgrund där de är underrepresenterade bland sökande.",
                    "Describe the target group, and name women and people with foreign background where they are under-represented among applicants.",
                )
                .into(),
            ),
            details,
        );
    }
    if !unanswered.is_empty() {
        let (why, action) = match lang {
            Language::Sv => (
                format!(
                    "Målgruppsanalysen (JämKAS Bas) saknar svar på: {}.",
                    unanswered.join(", ")
                ),
                "Besvara frågorna: vem är målgruppen, vilka mönster av kön och bakgrund finns, vilket utfall vill ni ha?".to_owned(),
            ),
            Language::En => (
                format!(
                    "The target-group analysis (JämKAS Bas) has no answer to: {}.",
                    unanswered.join(", ")
                ),
                "Answer the questions: who is the target group, which gender and background patterns exist, what outcome is wanted?".to_owned(),
            ),
        };
        return result(id, Verdict::Warn, why, Some(action), details);
    }
    let why = match lang {
        Language::Sv => format!(
            "Utlysningen nämner {} målgrupper och målgruppsanalysen är ifylld.",
            design.target_groups.len()
        ),
        Language::En => format!(
            "The call names {} target groups and the target-group analysis is filled in.",
            design.target_groups.len()
        ),
    };
    result(id, Verdict::Pass, why, None, details)
}

fn beyond<'a>(planned: &'a [String], usual: &[String]) -> Vec<&'a String> {
    planned
        .iter()
        .filter(|p| !usual.iter().any(|u| u.eq_ignore_ascii_case(p.trim())))
        .collect()
}

fn reach(design: &CallDesign, inputs: &CheckInputs) -> CheckResult {
    let id = CheckId::Reach;
    let lang = inputs.language;
    let settings = inputs.settings;
    let outreach = &design.outreach;
    let channels = beyond(&outreach.channels, &settings.usual_channels);
    let languages = beyond(&outreach.languages, &settings.usual_languages);
    let details = json!({
        "channels": outreach.channels,
        "languages": outreach.languages,
        "newChannels": channels,
        "newLanguages": languages,
        "usualChannels": settings.usual_channels,
        "usualLanguages": settings.usual_languages,
    });
    let mut missing = Vec::new();
    if channels.is_empty() {
        missing.push(lang.pick(
            "kanaler utöver de vanliga (t.ex. nätverk för kvinnors företagande, föreningar, lokala företagsrådgivare)",
            "channels beyond the usual ones (e.g. women's business networks, associations, local business advisers)",
        ));
    }
    if languages.is_empty() {
        missing.push(lang.pick(
            "material på fler språk än de vanliga",
            "material in more languages than the usual ones",
        ));
    }
    if missing.is_empty() {
        let why = match lang {
            Language::Sv => format!(
                "Spridning planeras också via {} och på {}.",
                join(&channels),
                join(&languages)
            ),
            Language::En => format!(
                "Outreach is planned also through {} and in {}.",
                join(&channels),
                join(&languages)
            ),
        };
        return result(id, Verdict::Pass, why, None, details);
    }
    let (why, action) = match lang {
        Language::Sv => (
            format!("Planen saknar {}.", missing.join(" och ")),
            format!("Planera {}.", missing.join(" och ")),
        ),
        Language::En => (
            format!("The plan lacks {}.", missing.join(" and ")),
            format!("Plan {}.", missing.join(" and ")),
        ),
    };
    result(id, Verdict::Warn, why, Some(action), details)
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn assessment_panel(design: &CallDesign, inputs: &CheckInputs) -> CheckResult {
    let id = CheckId::AssessmentPanel;
    let lang = inputs.language;
    let [low, high] = inputs.settings.panel_band;
    let Some(panel) = design.panel.filter(|p| p.women + p.men > 0) else {
        return result(
            id,
            Verdict::CannotAssess,
            lang.pick(
                "Bedömargruppens sammansättning är inte angiven.",
                "The assessment panel's composition is not given.",
            )
            .into(),
            Some(
                lang.pick(
                    "Ange hur många kvinnor och män som bedömer ansökningarna.",
                    "Give the number of women and men assessing the applications.",
                )
                .into(),
            ),
            Value::Null,
        );
    };
    let share = f64::from(panel.women) / f64::from(panel.women + panel.men);
    let details = json!({"panel": panel, "womenShare": share, "band": [low, high]});
    let counts = match lang {
        Language::Sv => format!("{} kvinnor och {} män", panel.women, panel.men),
        Language::En => format!("{} women and {} men", panel.women, panel.men),
    };
    if (low..=high).contains(&share) {
        let why = match lang {
            Language::Sv => format!(
                "{counts}: {} kvinnor, inom {:.0}/{:.0}.",
                percent_rounded(share),
                low * 100.0,
                high * 100.0
            ),
            Language::En => format!(
                "{counts}: {} women, within {:.0}/{:.0}.",
                percent_rounded(share),
                low * 100.0,
                high * 100.0
            ),
        };
        return result(id, Verdict::Pass, why, None, details);
    }
    let fewer = if share < low {
        lang.pick("kvinnor", "women")
    } else {
        lang.pick("män", "men")
    };
    let (why, action) = match lang {
        Language::Sv => (
            format!(
                "{counts}: {} kvinnor, utanför {:.0}/{:.0}.",
                percent_rounded(share),
                low * 100.0,
                high * 100.0
            ),
            format!("Utse fler {fewer} till bedömargruppen."),
        ),
        Language::En => (
            format!(
                "{counts}: {} women, outside {:.0}/{:.0}.",
                percent_rounded(share),
                low * 100.0,
                high * 100.0
            ),
            format!("Appoint more {fewer} to the panel."),
        ),
    };
    result(id, Verdict::Warn, why, Some(action), details)
}

fn follow_up(design: &CallDesign, lang: Language) -> CheckResult {
    let id = CheckId::FollowUp;
    let wanted = [Dimension::Gender, Dimension::Background];
    let complete: Vec<_> = design
        .indicators
        .iter()
        .filter(|i| wanted.iter().all(|d| i.breakdowns.contains(d)))
        .map(|i| i.name.clone())
        .collect();
    let details =
        json!({"indicators": design.indicators, "brokenDownByGenderAndBackground": complete});
    if design.indicators.is_empty() {
        return result(
            id,
            Verdict::Warn,
            lang.pick(
                "Utlysningen lovar inga uppföljningsindikatorer.",
                "The call promises no follow-up indicators.",
            )
            .into(),
            Some(
                lang.pick(
                    "Ange indikatorer (t.ex. sökande, beviljade, beviljat belopp) uppdelade på kön och bakgrund.",
                    "Define indicators (e.g. applicants, approvals, SEK granted) broken down by gender and background.",
                )
                .into(),
            ),
            details,
        );
    }
    if complete.is_empty() {
        return result(
            id,
            Verdict::Warn,
            lang.pick(
                "Ingen indikator bryts ned på både kön och bakgrund.",
                "No indicator is broken down by both gender and background.",
            )
            .into(),
            Some(
                lang.pick(
                    "Bryt ned indikatorerna på kön och bakgrund.",
                    "Break the indicators down by gender and background.",
                )
                .into(),
            ),
            details,
        );
    }
    let why = match lang {
        Language::Sv => format!(
            "Indikatorer uppdelade på kön och bakgrund: {}.",
            complete.join(", ")
        ),
        Language::En => format!(
            "Indicators broken down by gender and background: {}.",
            complete.join(", ")
        ),
    };
    result(id, Verdict::Pass, why, None, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_serde_names() {
        for v in [
            Verdict::Pass,
            Verdict::CannotAssess,
            Verdict::Warn,
            Verdict::Fail,
        ] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.code());
        }
        for id in [
            CheckId::EligibilityExclusion,
            CheckId::EarlierCalls,
            CheckId::GenderCodedWording,
            CheckId::PlainLanguage,
            CheckId::TargetGroups,
            CheckId::Reach,
            CheckId::AssessmentPanel,
            CheckId::FollowUp,
        ] {
            assert_eq!(serde_json::to_value(id).unwrap(), id.code());
        }
        assert_eq!(Verdict::CannotAssess.code(), "cannot_assess");
        assert_eq!(
            CheckId::EligibilityExclusion.code(),
            "eligibility-exclusion"
        );
    }
}
