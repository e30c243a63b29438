//! A report as one self-contained, printable HTML5 page, in the report's language: no external
//! assets and no script. Charts are inline SVG (see `charts`), every table has a caption and
//! header cells with a scope, numbers are right-aligned, and levels read as words and symbols,
//! not only colours.
//!
//! A suppressed figure is shown as "–" in an `<abbr>` whose title gives the reason, with a
//! footnote and the word "suppressed" ("prickad") for screen readers; a figure that cannot be
//! computed is "..". Neither is ever shown as 0.
//!
//! The page is the template `templates/report.html` (in `templates/layout.html`, with
//! `templates/style.css`), rendered from a view model built here: every label, sentence and
//! number is worded and formatted here, in the report's language, and the templates only lay
//! it out and escape it.

use askama::Template;
use chrono::NaiveDateTime;

use super::charts;
use super::model::{
    Figure, GroupRow, GroupTable, Period, Protection, Report, ReportFinding, TrendTable,
};
use super::suppress::Suppression;
use crate::analysis::findings::{GroupValue, Level};
use crate::analysis::labels;
use crate::analysis::rules::Severity;
use crate::domain::tagging::Dimension;
use crate::locale::whole;
use crate::locale::{self, Language};

/// Why a figure is suppressed, as a sentence starting with "Suppressed" ("Prickad").
pub(crate) fn reason(lang: Language, why: Suppression, protection: &Protection) -> String {
    match (why, lang) {
        (Suppression::SmallCount, Language::Sv) => format!(
            "Prickad: färre än {} (men fler än 0), så att enskilda sökande inte kan röjas.",
            protection.min_cell
        ),
        (Suppression::SmallCount, Language::En) => format!(
            "Suppressed: fewer than {} (but more than 0), so that no single applicant can be identified.",
            protection.min_cell
        ),
        (Suppression::Dominance, Language::Sv) => format!(
            "Prickad: de två största beloppen står för mer än {} av summan.",
            locale::percent(lang, protection.dominance_share)
        ),
        (Suppression::Dominance, Language::En) => format!(
            "Suppressed: the two largest amounts make up more than {} of the sum.",
            locale::percent(lang, protection.dominance_share)
        ),
        (Suppression::Complementary, Language::Sv) => {
            "Prickad (sekundärt): annars skulle en prickad siffra kunna räknas fram ur de övriga."
                .to_owned()
        }
        (Suppression::Complementary, Language::En) => {
            "Suppressed (secondary): otherwise a suppressed figure could be worked out from the others."
                .to_owned()
        }
    }
}

fn level_label(lang: Language, level: Level) -> (&'static str, &'static str) {
    match level {
        Level::Red => ("▲", lang.pick("röd: snedfördelning", "red: skew")),
        Level::Watch => ("△", lang.pick("bevaka", "watch")),
        Level::Inconclusive => (
            "?",
            lang.pick("osäker: kan vara slump", "inconclusive: could be chance"),
        ),
        Level::Ok => ("✓", lang.pick("inom tröskeln", "within the threshold")),
        Level::TooFew => ("…", lang.pick("för få för att bedöma", "too few to judge")),
        Level::CannotAssess => ("–", lang.pick("kan inte bedömas", "cannot be assessed")),
    }
}

fn level_class(level: Level) -> &'static str {
    match level {
        Level::Red => "red",
        Level::Watch => "watch",
        Level::Inconclusive => "inconclusive",
        Level::Ok => "ok",
        Level::TooFew => "too-few",
        Level::CannotAssess => "cannot-assess",
    }
}

fn severity_label(lang: Language, severity: Severity) -> &'static str {
    match severity {
        Severity::High => lang.pick("hög", "high"),
        Severity::Medium => lang.pick("medel", "medium"),
        Severity::Low => lang.pick("låg", "low"),
    }
}

fn when(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The page, as `templates/report.html` lays it out.
#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    /// The language code of `<html lang>`.
    lang: &'static str,
    title: &'static str,
    organisation: &'a str,
    scope: Vec<ScopeItem>,
    summary_heading: &'static str,
    summary: &'a [String],
    findings: Section,
    group_tables: Vec<Section>,
    trends: Vec<Section>,
    unknowns: Section,
    overrides: Section,
    protection: Section,
    /// The label of every list of footnotes.
    footnotes_label: &'static str,
    /// The word that follows a suppressed figure for screen readers.
    suppressed_word: &'static str,
}

/// One line of what the report covers and how it was made.
struct ScopeItem {
    term: &'static str,
    value: ScopeValue,
}

enum ScopeValue {
    Text(String),
    /// An identifier or hash, shown as code.
    Code(String),
    /// Text followed by an identifier in brackets.
    TextAndCode(String, String),
}

/// A section of the page: its heading, then whichever of the rest it has, in this order.
#[derive(Default)]
struct Section {
    /// Unique on the page, and the prefix of the ids of its footnotes.
    id: String,
    class: Option<&'static str>,
    heading: String,
    /// Inline SVG, drawn in code (see `charts`), which escapes its own text.
    charts: Vec<String>,
    /// A paragraph before the tables, or instead of them when there is nothing to show.
    intro: Option<String>,
    tables: Vec<Table>,
    /// Paragraphs that explain terms of the tables.
    explanations: Vec<String>,
    /// The line under the tables that says what "–" and ".." mean.
    key: Option<&'static str>,
    /// The suppression reasons the section's cells refer to, numbered from 1.
    footnotes: Vec<String>,
}

struct Table {
    caption: String,
    columns: Vec<Column>,
    rows: Vec<Row>,
}

struct Column {
    label: String,
    /// Right-aligned, as its figures are.
    numeric: bool,
}

impl Column {
    fn text(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            numeric: false,
        }
    }

    fn number(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            numeric: true,
        }
    }
}

/// The columns of a table whose first column names the group and the rest are figures.
fn group_columns(labels: &[&str]) -> Vec<Column> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            if i == 0 {
                Column::text(label)
            } else {
                Column::number(label)
            }
        })
        .collect()
}

struct Row {
    class: Option<&'static str>,
    headers: Vec<RowHeader>,
    cells: Vec<Cell>,
}

impl Row {
    /// A row headed by one label; the total row is marked as such.
    fn labelled(label: &str, total: bool, cells: Vec<Cell>) -> Self {
        Self {
            class: total.then_some("total"),
            headers: vec![RowHeader::new(label)],
            cells,
        }
    }
}

struct RowHeader {
    text: String,
    /// For short codes such as periods, which should not break.
    nowrap: bool,
}

impl RowHeader {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            nowrap: false,
        }
    }
}

/// A data cell, as `templates/report/cell.html` draws it.
enum Cell {
    Text(String),
    Code(String),
    Emphasis(&'static str),
    /// A finding's level, as a symbol and words.
    Level {
        symbol: &'static str,
        label: &'static str,
    },
    /// A right-aligned figure.
    Figure(Value),
}

/// What a figure's cell shows.
enum Value {
    Shown(String),
    Suppressed(FootnoteMark),
    /// "..", with why in its title.
    NotComputable(&'static str),
    /// Left empty: the figure does not apply.
    Empty,
}

/// The mark of a suppressed figure: its reason, and the number of the section's footnote that
/// gives it.
struct FootnoteMark {
    reason: String,
    number: usize,
}

/// Numbers the footnotes of one section: the suppression reasons its cells refer to, in order
/// of first use.
struct Footnotes<'a> {
    lang: Language,
    protection: &'a Protection,
    reasons: Vec<Suppression>,
}

impl<'a> Footnotes<'a> {
    fn new(lang: Language, protection: &'a Protection) -> Self {
        Self {
            lang,
            protection,
            reasons: Vec::new(),
        }
    }

    /// A suppressed figure: "–" explained, with its footnote.
    fn suppressed(&mut self, why: Suppression) -> Value {
        let number = match self.reasons.iter().position(|r| *r == why) {
            Some(i) => i + 1,
            None => {
                self.reasons.push(why);
                self.reasons.len()
            }
        };
        Value::Suppressed(FootnoteMark {
            reason: reason(self.lang, why, self.protection),
            number,
        })
    }

    fn not_computable(&self) -> Value {
        Value::NotComputable(self.lang.pick(
            "Kan inte beräknas (till exempel en andel av noll)",
            "Cannot be computed (for instance a share of nothing)",
        ))
    }

    /// The cell of a figure.
    fn figure(&mut self, f: &Figure, show: impl Fn(f64) -> String) -> Cell {
        Cell::Figure(if let Some(why) = f.suppressed {
            self.suppressed(why)
        } else {
            match f.value {
                Some(v) if v.is_finite() => Value::Shown(show(v)),
                _ => self.not_computable(),
            }
        })
    }

    /// The cell of the 95 % interval of a rate.
    fn interval(&mut self, f: &Figure) -> Cell {
        Cell::Figure(if let Some(why) = f.suppressed {
            self.suppressed(why)
        } else {
            match (f.value, f.lower, f.upper) {
                (Some(_), Some(lo), Some(hi)) => Value::Shown(format!(
                    "{}–{}",
                    locale::number(self.lang, lo * 100.0, 1),
                    locale::percent(self.lang, hi)
                )),
                _ => self.not_computable(),
            }
        })
    }

    /// The footnotes, in order of their numbers.
    fn finish(self) -> Vec<String> {
        self.reasons
            .into_iter()
            .map(|why| reason(self.lang, why, self.protection))
            .collect()
    }
}

/// The line under each table that says what "–" and ".." mean.
fn key(lang: Language) -> &'static str {
    lang.pick(
        "– prickad siffra (skälet i fotnoten; en prickad siffra är inte noll). .. kan inte beräknas.",
        "– suppressed figure (the reason is in the footnote; a suppressed figure is not zero). .. cannot be computed.",
    )
}

/// The report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let lang = report.request.language;
    let page = ReportPage {
        lang: lang.pick("sv", "en"),
        title: lang.pick(
            "Rapport: fördelning på lika villkor",
            "Report: allocation on equal terms",
        ),
        organisation: &report.organisation,
        scope: scope(lang, report),
        summary_heading: lang.pick("Sammanfattning", "Summary"),
        summary: &report.summary,
        findings: findings(lang, report),
        group_tables: report
            .tables
            .iter()
            .enumerate()
            .map(|(i, table)| group_table(lang, &report.protection, i + 1, table))
            .collect(),
        trends: report
            .trend
            .iter()
            .enumerate()
            .map(|(i, table)| trend(lang, report, i + 1, table))
            .collect(),
        unknowns: unknowns(lang, report),
        overrides: overrides(lang, report),
        protection: protection(lang, &report.protection),
        footnotes_label: lang.pick("Fotnoter", "Footnotes"),
        suppressed_word: lang.pick("prickad", "suppressed"),
    };
    page.render()
        .expect("the report page renders: its values cannot fail to format")
}

fn scope(lang: Language, report: &Report) -> Vec<ScopeItem> {
    let r = &report.request;
    let all = lang.pick("alla", "all");
    let period = match (&r.from, &r.to) {
        (Some(from), Some(to)) => format!("{from} – {to}"),
        (Some(from), None) => format!("{} {from}", lang.pick("från", "from")),
        (None, Some(to)) => format!("{} {to}", lang.pick("till och med", "up to")),
        (None, None) => lang
            .pick("alla mottagna ansökningar", "every application received")
            .to_owned(),
    };
    let mut dims: Vec<Dimension> = r.dimensions.clone();
    if dims.is_empty() {
        for t in &report.tables {
            for d in &t.dimensions {
                if !dims.contains(d) {
                    dims.push(*d);
                }
            }
        }
    }
    let dims = dims
        .iter()
        .map(|d| labels::dimension(lang, *d))
        .collect::<Vec<_>>()
        .join(", ");
    let depth = r
        .depth
        .map(|depth| {
            format!(
                " ({} {depth} {})",
                lang.pick("högst", "at most"),
                lang.pick("kombinerade", "combined")
            )
        })
        .unwrap_or_default();
    let grouping = match r.period {
        Period::HalfYear => lang.pick("halvår", "half-years"),
        Period::Year => lang.pick("år", "years"),
    };
    let d = &report.data;
    let latest_change = d.latest_change.as_ref().map(when);
    let data = match lang {
        Language::Sv => format!(
            "{} ansökningar, varav {} beslutade; senast ändrad {}",
            whole(lang, d.applications as f64),
            whole(lang, d.decided as f64),
            latest_change.unwrap_or_else(|| "okänt".into())
        ),
        Language::En => format!(
            "{} applications, {} decided; last changed {}",
            whole(lang, d.applications as f64),
            whole(lang, d.decided as f64),
            latest_change.unwrap_or_else(|| "unknown".into())
        ),
    };
    let item = |term, value| ScopeItem { term, value };
    let text = |s: &str| ScopeValue::Text(s.to_owned());
    let mut items = vec![
        item(
            lang.pick("Organisation", "Organisation"),
            text(&report.organisation),
        ),
        item(
            lang.pick("Program", "Programme"),
            text(r.programme.as_deref().unwrap_or(all)),
        ),
        item(
            lang.pick("Utlysning", "Call"),
            text(r.call.as_deref().unwrap_or(all)),
        ),
        item(
            lang.pick("Period (mottagna)", "Period (received)"),
            ScopeValue::Text(period),
        ),
        item(
            lang.pick("Dimensioner", "Dimensions"),
            ScopeValue::Text(format!("{dims}{depth}")),
        ),
        item(lang.pick("Utveckling per", "Trend by"), text(grouping)),
    ];
    if let Some(region) = &r.region {
        items.push(item(
            lang.pick("Basnivåernas region", "Region of the baselines"),
            text(region),
        ));
    }
    let ruleset = format!(
        "{} {} {}",
        report.ruleset.name,
        lang.pick("version", "version"),
        report.ruleset.version
    );
    items.extend([
        item(
            lang.pick("Gjord", "Made"),
            ScopeValue::Text(format!(
                "{} {} {}",
                when(&report.created_at),
                lang.pick("av", "by"),
                report.created_by
            )),
        ),
        item(
            lang.pick("Data som lästs", "Data read"),
            ScopeValue::Text(data),
        ),
        item(
            lang.pick("Innehållshash", "Content hash"),
            ScopeValue::Code(d.content_hash.clone()),
        ),
        item(
            lang.pick("Regeluppsättning", "Rule set"),
            match &report.ruleset.file_hash {
                Some(hash) => ScopeValue::TextAndCode(ruleset, hash.clone()),
                None => ScopeValue::Text(ruleset),
            },
        ),
        item(
            lang.pick("Gruppindelning", "Tagging definition"),
            ScopeValue::TextAndCode(
                report.tagging.name.clone(),
                report.tagging.fingerprint.clone(),
            ),
        ),
        item(
            lang.pick("Rapport-id", "Report id"),
            ScopeValue::Code(report.id.clone()),
        ),
        item(
            lang.pick("Utvärdering", "Evaluation"),
            ScopeValue::Code(report.evaluation_id.clone()),
        ),
    ]);
    items
}

fn findings(lang: Language, report: &Report) -> Section {
    let mut section = Section {
        id: "findings".to_owned(),
        heading: lang.pick("Fynd", "Findings").to_owned(),
        ..Section::default()
    };
    if report.findings.is_empty() {
        section.intro = Some(
            lang.pick(
                "Inga fynd bortom trösklarna.",
                "No findings beyond the thresholds.",
            )
            .to_owned(),
        );
        return section;
    }
    let mut footnotes = Footnotes::new(lang, &report.protection);
    section.tables.push(Table {
        caption: lang
            .pick(
                "Fynd i utvärderingen, allvarligast först",
                "Findings of the evaluation, most serious first",
            )
            .to_owned(),
        columns: vec![
            Column::text(lang.pick("Grupp", "Group")),
            Column::text(lang.pick("Nivå", "Level")),
            Column::text(lang.pick("Allvar", "Severity")),
            Column::text(lang.pick("Regel", "Rule")),
            Column::text(lang.pick("Förklaring", "Explanation")),
            Column::number(lang.pick(
                "Fler beviljanden på lika villkor",
                "More approvals on equal terms",
            )),
            Column::number(lang.pick("Fler kronor på lika villkor", "More SEK on equal terms")),
        ],
        rows: report
            .findings
            .iter()
            .map(|f| finding_row(lang, &mut footnotes, f))
            .collect(),
    });
    section.footnotes = footnotes.finish();
    section
}

fn finding_row(lang: Language, footnotes: &mut Footnotes, f: &ReportFinding) -> Row {
    let (symbol, label) = level_label(lang, f.level);
    let explanation = match &f.explanation {
        Some(text) => Cell::Text(text.clone()),
        None => Cell::Emphasis(lang.pick(
            "Förklaringen utelämnas eftersom gruppens siffror är prickade.",
            "The explanation is left out because the group's figures are suppressed.",
        )),
    };
    Row {
        class: Some(level_class(f.level)),
        headers: vec![RowHeader::new(&f.label)],
        cells: vec![
            Cell::Level { symbol, label },
            Cell::Text(severity_label(lang, f.severity).to_owned()),
            Cell::Code(f.rule.clone()),
            explanation,
            footnotes.figure(&f.approvals_gap, |v| locale::number(lang, v, 0)),
            footnotes.figure(&f.sek_gap, |v| locale::sek(lang, v)),
        ],
    }
}

/// The rows of a group table, the total last.
fn with_total(table: &GroupTable) -> impl Iterator<Item = (&GroupRow, bool)> {
    table
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(std::iter::once((&table.total, true)))
}

fn group_table(
    lang: Language,
    protection: &Protection,
    number: usize,
    table: &GroupTable,
) -> Section {
    let id = format!("table-{number}");
    let mut footnotes = Footnotes::new(lang, protection);
    let with_baseline = table.rows.iter().any(|r| r.baseline_share.is_some());
    let word = lang.pick("Tabell", "Table");

    // R1: representation and approvals.
    let mut columns = vec![
        lang.pick("Grupp", "Group"),
        lang.pick("Ansökningar", "Applications"),
        lang.pick("Andel av sökande", "Share of applicants"),
    ];
    if with_baseline {
        columns.push(lang.pick("Basnivå", "Baseline share"));
        columns.push(lang.pick("Disparitetsindex", "Disparity index"));
    }
    columns.extend([
        lang.pick("Beslutade", "Decided"),
        lang.pick("Beviljade", "Approved"),
        lang.pick("Andel beviljade", "Approval rate"),
        lang.pick("95 % intervall", "95% interval"),
        lang.pick("Kvot mot referens", "Ratio to reference"),
    ]);
    let r1 = Table {
        caption: format!(
            "{word} {number}a. {}: {}",
            lang.pick(
                "R1 – representation och beviljanden",
                "R1 – representation and approvals"
            ),
            table.title
        ),
        columns: group_columns(&columns),
        rows: with_total(table)
            .map(|(row, total)| r1_row(lang, &mut footnotes, row, total, with_baseline))
            .collect(),
    };

    // R2: resources.
    let pct = |v: f64| locale::percent(lang, v);
    let kr = |v: f64| whole(lang, v);
    let r2 = Table {
        caption: format!(
            "{word} {number}b. {}: {}",
            lang.pick("R2 – resurser", "R2 – resources"),
            table.title
        ),
        columns: group_columns(&[
            lang.pick("Grupp", "Group"),
            lang.pick("Sökt belopp (kr)", "Applied for (SEK)"),
            lang.pick("Beviljat belopp (kr)", "Granted (SEK)"),
            lang.pick("Andel av beviljade ansökningar", "Share of approvals"),
            lang.pick("Andel av beviljade kronor", "Share of granted SEK"),
            lang.pick("Medelbidrag (kr)", "Mean grant (SEK)"),
            lang.pick("Medianbidrag (kr)", "Median grant (SEK)"),
        ]),
        rows: with_total(table)
            .map(|(row, total)| {
                let cells = vec![
                    footnotes.figure(&row.amount_applied, kr),
                    footnotes.figure(&row.amount_granted, kr),
                    footnotes.figure(&row.share_of_approvals, pct),
                    footnotes.figure(&row.share_of_granted, pct),
                    footnotes.figure(&row.mean_grant, kr),
                    footnotes.figure(&row.median_grant, kr),
                ];
                Row::labelled(&row.label, total, cells)
            })
            .collect(),
    };

    let mut references: Vec<&str> = Vec::new();
    for r in &table.rows {
        if let Some(reference) = r.reference.as_deref()
            && !references.contains(&reference)
        {
            references.push(reference);
        }
    }
    let mut explanations = Vec::new();
    if !references.is_empty() {
        explanations.push(format!(
            "{} {}.",
            lang.pick(
                "Kvot mot referens: gruppens andel beviljade delad med referensgruppens, som är",
                "Ratio to reference: the group's approval rate over that of the reference group, which is"
            ),
            references.join(", ")
        ));
    }
    if with_baseline {
        explanations.push(lang.pick(
            "Basnivå: gruppens andel av dem som kunde ha sökt. Disparitetsindex: 100 × andel av sökande / basnivå (100 = som i basen).",
            "Baseline share: the group's share of those who could have applied. Disparity index: 100 × share of applicants / baseline share (100 = as in the baseline)."
        ).to_owned());
    }
    Section {
        class: Some("page wide"),
        heading: format!("{word} {number}: {}", table.title),
        charts: vec![
            charts::approval_rates(&format!("{id}-rates"), lang, table),
            charts::shares(&format!("{id}-shares"), lang, table),
        ],
        tables: vec![r1, r2],
        explanations,
        key: Some(key(lang)),
        footnotes: footnotes.finish(),
        id,
        ..Section::default()
    }
}

fn r1_row(
    lang: Language,
    footnotes: &mut Footnotes,
    row: &GroupRow,
    total: bool,
    with_baseline: bool,
) -> Row {
    let count = |v: f64| whole(lang, v);
    let pct = |v: f64| locale::percent(lang, v);
    // What does not apply to the total is left empty.
    let applies = |f: &Figure| !total || f.value.is_some() || f.is_suppressed();
    let mut cells = vec![
        footnotes.figure(&row.applications, count),
        footnotes.figure(&row.share_of_applicants, pct),
    ];
    if with_baseline {
        cells.push(Cell::Figure(match row.baseline_share {
            Some(b) if b.is_finite() => Value::Shown(pct(b)),
            _ if total => Value::Empty,
            _ => Value::NotComputable(
                lang.pick("Ingen basnivå för gruppen", "No baseline for the group"),
            ),
        }));
        cells.push(if applies(&row.disparity_index) {
            footnotes.figure(&row.disparity_index, |v| locale::number(lang, v, 0))
        } else {
            Cell::Figure(Value::Empty)
        });
    }
    cells.extend([
        footnotes.figure(&row.decided, count),
        footnotes.figure(&row.approved, count),
        footnotes.figure(&row.approval_rate, pct),
        footnotes.interval(&row.approval_rate),
    ]);
    cells.push(if applies(&row.approval_ratio) {
        footnotes.figure(&row.approval_ratio, |v| locale::number(lang, v, 2))
    } else {
        Cell::Figure(Value::Empty)
    });
    Row::labelled(&row.label, total, cells)
}

/// The lines of a trend: the total first, then each group in order of first appearance.
fn trend_lines(table: &TrendTable) -> Vec<(&[GroupValue], &str)> {
    let mut lines: Vec<(&[GroupValue], &str)> = Vec::new();
    for row in &table.rows {
        if !lines.iter().any(|(g, _)| *g == row.group.as_slice()) {
            lines.push((&row.group, &row.label));
        }
    }
    lines.sort_by_key(|(g, _)| !g.is_empty());
    lines
}

fn trend(lang: Language, report: &Report, number: usize, table: &TrendTable) -> Section {
    let id = format!("trend-{number}");
    let mut footnotes = Footnotes::new(lang, &report.protection);
    let per = match report.request.period {
        Period::HalfYear => lang.pick("halvår", "half-year"),
        Period::Year => lang.pick("år", "year"),
    };
    let word = lang.pick("Tabell", "Table");
    let count = |v: f64| whole(lang, v);
    let pct = |v: f64| locale::percent(lang, v);

    // The chart's figures: approval rate per line and period.
    let mut columns = vec![Column::text(lang.pick("Grupp", "Group"))];
    columns.extend(table.periods.iter().map(|p| Column::number(p)));
    let rates = Table {
        caption: format!(
            "{word} T{number}a. {}: {}",
            lang.pick("Andel beviljade per period", "Approval rate per period"),
            table.title
        ),
        columns,
        rows: trend_lines(table)
            .into_iter()
            .map(|(group, label)| {
                let cells = table
                    .periods
                    .iter()
                    .map(|p| {
                        match table
                            .rows
                            .iter()
                            .find(|r| r.period == *p && r.group.as_slice() == group)
                        {
                            Some(r) => footnotes.figure(&r.approval_rate, pct),
                            None => Cell::Figure(footnotes.not_computable()),
                        }
                    })
                    .collect();
                Row::labelled(label, group.is_empty(), cells)
            })
            .collect(),
    };

    // Every figure per period and group.
    let mut columns = vec![
        Column::text(lang.pick("Period", "Period")),
        Column::text(lang.pick("Grupp", "Group")),
    ];
    columns.extend(
        [
            lang.pick("Ansökningar", "Applications"),
            lang.pick("Beslutade", "Decided"),
            lang.pick("Beviljade", "Approved"),
            lang.pick("Andel beviljade", "Approval rate"),
            lang.pick("95 % intervall", "95% interval"),
            lang.pick("Beviljat belopp (kr)", "Granted (SEK)"),
            lang.pick("Andel av beviljade kronor", "Share of granted SEK"),
        ]
        .map(Column::number),
    );
    let figures = Table {
        caption: format!(
            "{word} T{number}b. {}: {}",
            lang.pick(
                "Siffror per period och grupp",
                "Figures per period and group"
            ),
            table.title
        ),
        columns,
        rows: table
            .rows
            .iter()
            .map(|r| Row {
                class: r.group.is_empty().then_some("total"),
                headers: vec![
                    RowHeader {
                        text: r.period.clone(),
                        nowrap: true,
                    },
                    RowHeader::new(&r.label),
                ],
                cells: vec![
                    footnotes.figure(&r.applications, count),
                    footnotes.figure(&r.decided, count),
                    footnotes.figure(&r.approved, count),
                    footnotes.figure(&r.approval_rate, pct),
                    footnotes.interval(&r.approval_rate),
                    footnotes.figure(&r.amount_granted, count),
                    footnotes.figure(&r.share_of_granted, pct),
                ],
            })
            .collect(),
    };
    Section {
        class: Some("page wide"),
        heading: format!(
            "{} {per}: {}",
            lang.pick("Utveckling per", "Trend by"),
            table.title
        ),
        charts: vec![charts::trend(&id, lang, table)],
        tables: vec![rates, figures],
        key: Some(key(lang)),
        footnotes: footnotes.finish(),
        id,
        ..Section::default()
    }
}

fn unknowns(lang: Language, report: &Report) -> Section {
    let mut section = Section {
        id: "unknowns".to_owned(),
        class: Some("page"),
        heading: lang
            .pick(
                "Ansökningar utan känd grupp",
                "Applications without a known group",
            )
            .to_owned(),
        ..Section::default()
    };
    if report.unknowns.is_empty() {
        section.intro = Some(
            lang.pick(
                "Inga uppgifter om okända grupper.",
                "Nothing reported on unknown groups.",
            )
            .to_owned(),
        );
        return section;
    }
    section.intro = Some(lang.pick(
        "Ansökningar som inte kunde föras till en grupp i en dimension, och varför. Skäl som är för ovanliga för att visas ingår i övriga skäl.",
        "Applications that could not be placed in a group of a dimension, and why. Reasons too rare to show are counted under other reasons."
    ).to_owned());
    let mut footnotes = Footnotes::new(lang, &report.protection);
    let count = |v: f64| whole(lang, v);
    let mut rows = Vec::new();
    for u in &report.unknowns {
        let dimension = labels::dimension(lang, u.dimension);
        rows.push(Row::labelled(
            dimension,
            true,
            vec![
                Cell::Text(lang.pick("samtliga skäl", "all reasons").to_owned()),
                footnotes.figure(&u.applications, count),
            ],
        ));
        for (why, f) in &u.reasons {
            rows.push(Row::labelled(
                dimension,
                false,
                vec![Cell::Text(why.clone()), footnotes.figure(f, count)],
            ));
        }
    }
    section.tables.push(Table {
        caption: lang
            .pick(
                "Okänd grupp per dimension och skäl",
                "Unknown group by dimension and reason",
            )
            .to_owned(),
        columns: vec![
            Column::text(lang.pick("Dimension", "Dimension")),
            Column::text(lang.pick("Skäl", "Reason")),
            Column::number(lang.pick("Ansökningar", "Applications")),
        ],
        rows,
    });
    section.key = Some(key(lang));
    section.footnotes = footnotes.finish();
    section
}

fn overrides(lang: Language, report: &Report) -> Section {
    let mut section = Section {
        id: "overrides".to_owned(),
        heading: lang
            .pick(
                "Utlysningar publicerade trots underkänd kontroll",
                "Calls published although their check failed",
            )
            .to_owned(),
        ..Section::default()
    };
    if report.overrides.is_empty() {
        section.intro = Some(
            lang.pick(
                "Inga undantag har gjorts för utlysningarna i rapporten.",
                "No overrides were recorded for the calls of the report.",
            )
            .to_owned(),
        );
        return section;
    }
    section.tables.push(Table {
        caption: lang
            .pick(
                "Undantag från utlysningskontrollen",
                "Overrides of the call check",
            )
            .to_owned(),
        columns: vec![
            Column::text(lang.pick("Utlysning", "Call")),
            Column::number(lang.pick("Version", "Version")),
            Column::text(lang.pick("Skäl", "Reason")),
            Column::text(lang.pick("När", "When")),
            Column::text(lang.pick("Av", "By")),
        ],
        rows: report
            .overrides
            .iter()
            .map(|o| {
                Row::labelled(
                    &o.call,
                    false,
                    vec![
                        Cell::Figure(Value::Shown(o.call_version.to_string())),
                        Cell::Text(o.reason.clone()),
                        Cell::Text(when(&o.created_at)),
                        Cell::Text(o.created_by.clone()),
                    ],
                )
            })
            .collect(),
    });
    section
}

fn protection(lang: Language, p: &Protection) -> Section {
    let counts = if p.min_cell >= 2 {
        match lang {
            Language::Sv => format!(
                "Antal från 1 till och med {} prickas, liksom belopp och andelar som bygger på dem.",
                p.min_cell - 1
            ),
            Language::En => format!(
                "Counts from 1 to {} are suppressed, and so are the amounts and shares built on them.",
                p.min_cell - 1
            ),
        }
    } else {
        lang.pick(
            "Inga antal prickas för att de är små.",
            "No count is suppressed for being small.",
        )
        .to_owned()
    };
    let text = match lang {
        Language::Sv => format!(
            "{counts} Ett belopp prickas när de två största bidragen i det står för mer än {dom} av summan. \
             {primary} siffror prickades för att de var känsliga, och ytterligare {complementary} för att de \
             känsliga inte ska kunna räknas fram ur summor och skillnader av de visade. En prickad siffra \
             visas som – och är inte noll. Rapporten innehåller bara summor för grupper, inga uppgifter om \
             enskilda sökande.",
            dom = locale::percent(lang, p.dominance_share),
            primary = p.primary,
            complementary = p.complementary,
        ),
        Language::En => format!(
            "{counts} An amount is suppressed when its two largest grants make up more than {dom} of it. \
             {primary} figures were suppressed as sensitive, and {complementary} more so that the sensitive \
             ones cannot be worked out from sums and differences of those shown. A suppressed figure is \
             shown as – and is not zero. The report holds only sums for groups, nothing about a single \
             applicant.",
            dom = locale::percent(lang, p.dominance_share),
            primary = p.primary,
            complementary = p.complementary,
        ),
    };
    Section {
        id: "protection".to_owned(),
        heading: lang
            .pick("Hur siffrorna skyddas", "How figures were protected")
            .to_owned(),
        intro: Some(text),
        ..Section::default()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::analysis::provenance::{RuleSetRef, TaggingRef};
    use crate::domain::tagging::{BackgroundDefinition, GenderDefinition, TaggingScheme};
    use crate::report::model::*;

    /// A label with every character that needs escaping.
    pub(crate) const NASTY: &str = "A & B Ltd <b>\"quoted\"</b>";

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_opt(h, 30, 0)
            .unwrap()
    }

    fn rate(v: f64, lo: f64, hi: f64) -> Figure {
        Figure {
            value: Some(v),
            lower: Some(lo),
            upper: Some(hi),
            suppressed: None,
        }
    }

    fn gv(d: Dimension, v: &str) -> Vec<GroupValue> {
        vec![GroupValue {
            dimension: d,
            value: v.to_owned(),
        }]
    }

    fn row(
        group: Vec<GroupValue>,
        label: &str,
        apps: f64,
        decided: f64,
        approved: f64,
        granted: f64,
    ) -> GroupRow {
        GroupRow {
            group,
            label: label.to_owned(),
            applications: Figure::shown(apps),
            decided: Figure::shown(decided),
            approved: Figure::shown(approved),
            approval_rate: rate(
                approved / decided,
                approved / decided - 0.1,
                approved / decided + 0.1,
            ),
            amount_applied: Figure::shown(granted * 2.0),
            amount_granted: Figure::shown(granted),
            share_of_applicants: Figure::shown(apps / 120.0),
            share_of_approvals: Figure::shown(approved / 50.0),
            share_of_granted: Figure::shown(granted / 5_000_000.0),
            mean_grant: Figure::shown(granted / approved),
            median_grant: Figure::shown(granted / approved - 1000.0),
            approval_ratio: Figure::shown(1.0),
            reference: Some("kvinnor".to_owned()),
            baseline_share: None,
            disparity_index: Figure::none(),
        }
    }

    /// A group whose every figure is suppressed.
    fn hidden_row() -> GroupRow {
        let small = Figure::hidden(Suppression::SmallCount);
        let comp = Figure::hidden(Suppression::Complementary);
        GroupRow {
            group: gv(Dimension::Gender, "mixed"),
            label: "blandat kön".to_owned(),
            applications: small,
            decided: small,
            approved: comp,
            approval_rate: small,
            amount_applied: Figure::hidden(Suppression::Dominance),
            amount_granted: Figure::hidden(Suppression::Dominance),
            share_of_applicants: small,
            share_of_approvals: comp,
            share_of_granted: comp,
            mean_grant: comp,
            median_grant: comp,
            approval_ratio: small,
            reference: Some("kvinnor".to_owned()),
            baseline_share: None,
            disparity_index: small,
        }
    }

    fn trend_row(
        period: &str,
        group: Vec<GroupValue>,
        label: &str,
        rate_: Option<f64>,
    ) -> TrendRow {
        let (rate_f, n) = match rate_ {
            Some(r) => (rate(r, r - 0.1, r + 0.1), Figure::shown(20.0)),
            None => (
                Figure::hidden(Suppression::SmallCount),
                Figure::hidden(Suppression::SmallCount),
            ),
        };
        TrendRow {
            period: period.to_owned(),
            group,
            label: label.to_owned(),
            applications: n,
            decided: n,
            approved: n,
            approval_rate: rate_f,
            amount_granted: if rate_.is_some() {
                Figure::shown(250_000.0)
            } else {
                Figure::hidden(Suppression::Dominance)
            },
            share_of_granted: if rate_.is_some() {
                Figure::shown(0.25)
            } else {
                Figure::hidden(Suppression::Complementary)
            },
        }
    }

    /// A small report with a suppressed group, a label that needs escaping, a baseline for one
    /// group, findings (one with its figures suppressed), a trend with a suppressed period,
    /// unknowns and an override.
    pub(crate) fn sample() -> Report {
        let women = gv(Dimension::Gender, "women");
        let men = gv(Dimension::Gender, "men");
        let mixed = gv(Dimension::Gender, "mixed");
        let mut w = row(women.clone(), "kvinnor", 40.0, 36.0, 12.0, 1_200_000.0);
        w.baseline_share = Some(0.4);
        w.disparity_index = Figure::shown(83.3);
        w.approval_ratio = Figure::none();
        let m = row(men.clone(), NASTY, 76.0, 60.0, 36.0, 3_700_000.0);
        let mut total = row(Vec::new(), "Samtliga", 120.0, 100.0, 50.0, 5_000_000.0);
        total.approval_ratio = Figure::none();
        total.reference = None;
        let periods = vec![
            "2017-H1".to_owned(),
            "2017-H2".to_owned(),
            "2018-H1".to_owned(),
        ];
        let mut trend_rows = Vec::new();
        for (i, p) in periods.iter().enumerate() {
            let k = i as f64 * 0.05;
            trend_rows.push(trend_row(p, Vec::new(), "Samtliga", Some(0.5 + k)));
            trend_rows.push(trend_row(p, women.clone(), "kvinnor", Some(0.33 + k)));
            trend_rows.push(trend_row(p, men.clone(), NASTY, Some(0.6 - k)));
            trend_rows.push(trend_row(
                p,
                mixed.clone(),
                "blandat kön",
                (i < 2).then_some(0.4),
            ));
        }
        Report {
            id: "rep-1".to_owned(),
            created_at: at(9),
            created_by: "auditor <a@b>".to_owned(),
            organisation: "Region & Co".to_owned(),
            request: ReportRequest {
                programme: Some("P1 \"Grow\"".to_owned()),
                from: Some("2017-01".to_owned()),
                to: Some("2018-06".to_owned()),
                dimensions: vec![Dimension::Gender],
                depth: Some(1),
                ..Default::default()
            },
            data: ReportData {
                applications: 1234,
                decided: 100,
                latest_change: Some(at(8)),
                content_hash: "00ff00ff".to_owned(),
            },
            ruleset: RuleSetRef {
                name: "standard".to_owned(),
                version: "2".to_owned(),
                file_hash: None,
            },
            tagging: TaggingRef {
                scheme_id: 1,
                name: "default".to_owned(),
                fingerprint: "f1f2".to_owned(),
                definition: TaggingScheme {
                    gender_definition: GenderDefinition::Leader,
                    background_definition: BackgroundDefinition::Leader,
                    definition_version: 1,
                    ownership_majority: 0.6,
                    mixed_band: [0.4, 0.6],
                    age_bands: Vec::new(),
                    size_bands: Vec::new(),
                },
            },
            evaluation_id: "ev-1".to_owned(),
            protection: Protection {
                min_cell: 5,
                dominance_share: 0.85,
                primary: 4,
                complementary: 6,
            },
            summary: vec![
                "120 ansökningar.".to_owned(),
                format!("{NASTY} beviljas oftare."),
            ],
            tables: vec![GroupTable {
                dimensions: vec![Dimension::Gender],
                title: "kön (företagets)".to_owned(),
                rows: vec![w, m, hidden_row()],
                total,
            }],
            findings: vec![
                ReportFinding {
                    rule: "approval-rate".to_owned(),
                    severity: Severity::High,
                    level: Level::Red,
                    group: women,
                    label: "kvinnor".to_owned(),
                    explanation: Some(format!("kvinnor beviljades mer sällan än {NASTY}.")),
                    approvals_gap: Figure::shown(7.4),
                    sek_gap: Figure::shown(812_345.0),
                },
                ReportFinding {
                    rule: "approval-rate".to_owned(),
                    severity: Severity::Medium,
                    level: Level::Watch,
                    group: mixed,
                    label: "blandat kön".to_owned(),
                    explanation: None,
                    approvals_gap: Figure::hidden(Suppression::Complementary),
                    sek_gap: Figure::hidden(Suppression::Complementary),
                },
            ],
            trend: vec![TrendTable {
                dimension: Dimension::Gender,
                title: "kön (företagets)".to_owned(),
                periods,
                rows: trend_rows,
            }],
            unknowns: vec![UnknownCount {
                dimension: Dimension::Gender,
                applications: Figure::shown(9.0),
                reasons: vec![
                    ("no leader <given>".to_owned(), Figure::shown(6.0)),
                    (
                        "övriga skäl".to_owned(),
                        Figure::hidden(Suppression::SmallCount),
                    ),
                ],
            }],
            overrides: vec![CallOverride {
                call: "C-1".to_owned(),
                call_version: 3,
                reason: "Budget <urgent> & \"approved\"".to_owned(),
                created_at: at(7),
                created_by: "officer".to_owned(),
            }],
        }
    }

    fn without_footnote_marks(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(i) = rest.find("<sup>") {
            out.push_str(&rest[..i]);
            let j = rest[i..].find("</sup>").unwrap();
            rest = &rest[i + j + "</sup>".len()..];
        }
        out.push_str(rest);
        out
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for ch in html.chars() {
            match ch {
                '<' => depth += 1,
                '>' => depth -= 1,
                c if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_page_is_self_contained_and_in_the_report_language() {
        let r = sample();
        let page = render(&r);
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">"));
        assert!(page.contains("Hur siffrorna skyddas"));
        assert!(page.contains("@media print"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("src=\"http"));
        assert!(!page.contains("href=\"http"));
        assert!(!page.contains("<link"));
        let mut en = r.clone();
        en.request.language = Language::En;
        let page = render(&en);
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(page.contains("How figures were protected"));
        assert!(page.contains("1,234 applications"));
        assert!(page.contains("standard version 2"));
        assert!(page.contains("00ff00ff"));
        assert!(page.contains("2017-01 – 2018-06"));
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let page = render(&sample());
        for raw in [
            "Ltd <b>",
            "<urgent>",
            "Region & Co",
            "<a@b>",
            "<given>",
            "\"Grow\"",
        ] {
            assert!(!page.contains(raw), "{raw} unescaped");
        }
        assert!(page.contains("A &#38; B Ltd &#60;b&#62;&#34;quoted&#34;&#60;/b&#62;"));
        assert!(page.contains("Budget &#60;urgent&#62; &#38; &#34;approved&#34;"));
    }

    #[test]
    fn suppressed_figures_are_explained_and_never_zero() {
        let mut r = sample();
        // Even a suppressed figure that (wrongly) carries a value must not show it.
        let hidden = &mut r.tables[0].rows[2];
        hidden.applications.value = Some(0.0);
        hidden.amount_granted.value = Some(4321.0);
        hidden.approval_rate.value = Some(0.0);
        let page = render(&r);
        let tables = &page[..page.find("id=\"trend-1\"").unwrap()];
        let rows: Vec<&str> = tables
            .split("<tr")
            .filter(|tr| tr.contains(">blandat kön</th>"))
            .collect();
        assert!(rows.len() >= 2);
        for tr in rows {
            let tr = &tr[..tr.find("</tr>").unwrap()];
            let text = strip_tags(&without_footnote_marks(&format!("<tr{tr}")));
            assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
            assert!(text.contains("prickad"));
        }
        assert!(page.contains("<abbr class=\"supp\" title=\"Prickad: färre än 5"));
        assert!(page.contains("<li id=\"table-1-n1\">Prickad: färre än 5"));
        assert!(page.contains("Prickad: de två största beloppen står för mer än 85,0\u{a0}%"));
        assert!(!page.contains("4321") && !page.contains("4\u{a0}321"));
        // The finding whose figures are suppressed has no explanation and no gaps.
        assert!(page.contains("Förklaringen utelämnas"));
    }

    #[test]
    fn every_table_has_a_caption_and_scoped_headers() {
        let page = render(&sample());
        let tables: Vec<&str> = page.split("<table>").skip(1).collect();
        assert_eq!(tables.len(), 7);
        for t in tables {
            let t = &t[..t.find("</table>").unwrap()];
            assert!(t.starts_with("\n<caption>"), "{t}");
            assert!(t.contains("<thead><tr><th scope=\"col\">"));
            assert!(!t.contains("<th>"));
            let body = &t[t.find("<tbody>").unwrap()..];
            for tr in body.split("<tr").skip(1) {
                assert!(
                    tr.trim_start_matches(" class=\"total\"")
                        .trim_start_matches(" class=\"red\"")
                        .trim_start_matches(" class=\"watch\"")
                        .starts_with("><th scope=\"row\""),
                    "{tr}"
                );
            }
        }
        assert!(page.contains("<td class=\"num\">"));
    }

    #[test]
    fn charts_are_inline_and_ids_unique() {
        let page = render(&sample());
        assert_eq!(page.matches("<svg ").count(), 3);
        let mut ids: Vec<&str> = page
            .split(" id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
    }

    #[test]
    fn rendering_is_deterministic() {
        let r = sample();
        assert_eq!(render(&r), render(&r));
        let mut en = r;
        en.request.language = Language::En;
        assert_eq!(render(&en), render(&en));
    }

    #[test]
    fn an_empty_report_renders() {
        let mut r = sample();
        r.summary.clear();
        r.findings.clear();
        r.unknowns.clear();
        r.overrides.clear();
        r.tables[0].rows.clear();
        r.trend[0].rows.clear();
        r.trend[0].periods.clear();
        let page = render(&r);
        assert!(page.contains("Inga fynd bortom trösklarna."));
        assert!(page.contains("Inga undantag"));
        assert_eq!(page.matches("<svg ").count(), 3);
        let csv = crate::report::csv::render(&r, crate::report::csv::CsvOptions::default());
        assert!(
            csv.contains("# unknowns\r\ndimension,reason,applications,applications_suppressed\r\n")
        );
    }

    #[test]
    fn numbers_read_locally() {
        assert_eq!(whole(Language::Sv, 1_234_567.0), "1\u{a0}234\u{a0}567");
        assert_eq!(whole(Language::En, 1_234_567.0), "1,234,567");
        assert_eq!(whole(Language::En, -1000.0), "-1,000");
    }
}
