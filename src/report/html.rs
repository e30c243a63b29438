//! A report as one self-contained, printable HTML5 page, in the report's language: no external
//! assets and no script. Charts are inline SVG (see `svg`), every table has a caption and
//! header cells with a scope, numbers are right-aligned, and levels read as words and symbols,
//! not only colours.
//!
//! A suppressed figure is shown as "–" in an `<abbr>` whose title gives the reason, with a
//! footnote and the word "suppressed" ("prickad") for screen readers; a figure that cannot be
//! computed is "..". Neither is ever shown as 0.

use std::fmt::Write;

use chrono::NaiveDateTime;

use super::model::{
    Figure, GroupRow, GroupTable, Period, Protection, Report, ReportFinding, TrendTable,
};
use super::suppress::Suppression;
use super::svg::{self, escape};
use crate::analysis::engine::{GroupValue, Level};
use crate::analysis::explain::{self, whole};
use crate::analysis::labels::{self, Language};
use crate::analysis::rules::Severity;
use crate::domain::tagging::Dimension;

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
            explain::percent(lang, protection.dominance_share)
        ),
        (Suppression::Dominance, Language::En) => format!(
            "Suppressed: the two largest amounts make up more than {} of the sum.",
            explain::percent(lang, protection.dominance_share)
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

/// Footnotes of one section: the suppression reasons its cells refer to, numbered in order of
/// first use.
struct Notes<'a> {
    lang: Language,
    protection: &'a Protection,
    /// Unique on the page.
    prefix: String,
    reasons: Vec<Suppression>,
}

impl<'a> Notes<'a> {
    fn new(lang: Language, protection: &'a Protection, prefix: &str) -> Self {
        Self {
            lang,
            protection,
            prefix: prefix.to_owned(),
            reasons: Vec::new(),
        }
    }

    /// A suppressed figure: "–" explained, with its footnote.
    fn suppressed(&mut self, why: Suppression) -> String {
        let k = match self.reasons.iter().position(|r| *r == why) {
            Some(i) => i + 1,
            None => {
                self.reasons.push(why);
                self.reasons.len()
            }
        };
        format!(
            "<abbr class=\"supp\" title=\"{title}\">–</abbr><sup><a href=\"#{p}-n{k}\">{k}</a></sup>\
             <span class=\"vh\"> {word}</span>",
            title = escape(&reason(self.lang, why, self.protection)),
            p = escape(&self.prefix),
            word = self.lang.pick("prickad", "suppressed"),
        )
    }

    fn not_computable(&self) -> String {
        format!(
            "<abbr class=\"na\" title=\"{}\">..</abbr>",
            self.lang.pick(
                "Kan inte beräknas (till exempel en andel av noll)",
                "Cannot be computed (for instance a share of nothing)"
            )
        )
    }

    /// The content of a figure's cell.
    fn figure(&mut self, f: &Figure, show: impl Fn(f64) -> String) -> String {
        if let Some(why) = f.suppressed {
            return self.suppressed(why);
        }
        match f.value {
            Some(v) if v.is_finite() => escape(&show(v)),
            _ => self.not_computable(),
        }
    }

    /// A right-aligned cell of a figure.
    fn td(&mut self, f: &Figure, show: impl Fn(f64) -> String) -> String {
        format!("<td class=\"num\">{}</td>", self.figure(f, show))
    }

    /// The 95 % interval of a rate.
    fn interval(&mut self, f: &Figure) -> String {
        if let Some(why) = f.suppressed {
            return format!("<td class=\"num\">{}</td>", self.suppressed(why));
        }
        match (f.value, f.lower, f.upper) {
            (Some(_), Some(lo), Some(hi)) => format!(
                "<td class=\"num\">{}–{}</td>",
                escape(&explain::number(self.lang, lo * 100.0, 1)),
                escape(&explain::percent(self.lang, hi))
            ),
            _ => format!("<td class=\"num\">{}</td>", self.not_computable()),
        }
    }

    fn render(&self) -> String {
        if self.reasons.is_empty() {
            return String::new();
        }
        let mut out = format!(
            "<ol class=\"notes\" aria-label=\"{}\">\n",
            self.lang.pick("Fotnoter", "Footnotes")
        );
        for (i, why) in self.reasons.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li id=\"{}-n{}\">{}</li>",
                escape(&self.prefix),
                i + 1,
                escape(&reason(self.lang, *why, self.protection))
            );
        }
        out.push_str("</ol>\n");
        out
    }
}

/// The line under each table that says what "–" and ".." mean.
fn key(lang: Language) -> String {
    format!(
        "<p class=\"key\">{}</p>\n",
        lang.pick(
            "– prickad siffra (skälet i fotnoten; en prickad siffra är inte noll). .. kan inte beräknas.",
            "– suppressed figure (the reason is in the footnote; a suppressed figure is not zero). .. cannot be computed."
        )
    )
}

const STYLE: &str = r#"
:root { color: #111; background: #fff; }
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 2px solid #111; padding-bottom: .2rem; }
dl.scope { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.scope dt { font-weight: bold; }
dl.scope dd { margin: 0; }
code { font-family: ui-monospace, monospace; font-size: .9em; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
caption { text-align: left; font-weight: bold; padding: .4rem 0; caption-side: top; }
th, td { border: 1px solid #888; padding: .25rem .4rem; vertical-align: top; text-align: left; }
thead th { background: #eee; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, th.nowrap { white-space: nowrap; }
th[scope="row"] { min-width: 7rem; }
td code { overflow-wrap: normal; white-space: nowrap; }
tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #111; }
abbr.supp, abbr.na { text-decoration: none; border-bottom: 1px dotted #555; cursor: help; }
sup a { color: inherit; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
.key, ol.notes, .note { font-size: .85rem; color: #333; }
ol.notes { padding-left: 1.5rem; }
.charts { display: flex; flex-direction: column; gap: 1rem; margin: 1rem 0; }
svg.chart { max-width: 100%; height: auto; }
.level { white-space: nowrap; font-weight: bold; padding-left: .5rem; }
tr.red .level { border-left: .4rem solid #D55E00; }
tr.watch .level { border-left: .4rem dashed #E69F00; }
tr.inconclusive .level { border-left: .4rem dotted #555; }
ul.summary li { margin-bottom: .3rem; }
@page { size: A4; margin: 14mm; }
@page wide { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  table { font-size: 8.5pt; }
  section.page { break-before: page; }
  section.wide { page: wide; }
  h2 { break-after: avoid; }
  .scroll { overflow: visible; }
  thead { display: table-header-group; }
  tr, svg.chart, figure, caption { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let lang = report.request.language;
    let title = lang.pick(
        "Rapport: fördelning på lika villkor",
        "Report: allocation on equal terms",
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – {org}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>{title}</h1>\n<p class=\"subtitle\">{org}</p>\n",
        code = lang.pick("sv", "en"),
        title = escape(title),
        org = escape(&report.organisation),
    );
    out.push_str(&scope(lang, report));
    out.push_str("</header>\n<main>\n");

    let _ = writeln!(
        out,
        "<section id=\"summary\">\n<h2>{}</h2>\n<ul class=\"summary\">",
        lang.pick("Sammanfattning", "Summary")
    );
    for sentence in &report.summary {
        let _ = writeln!(out, "<li>{}</li>", escape(sentence));
    }
    out.push_str("</ul>\n</section>\n");

    out.push_str(&findings(lang, report));
    for (i, table) in report.tables.iter().enumerate() {
        out.push_str(&group_table(lang, &report.protection, i + 1, table));
    }
    for (i, table) in report.trend.iter().enumerate() {
        out.push_str(&trend(lang, report, i + 1, table));
    }
    out.push_str(&unknowns(lang, report));
    out.push_str(&overrides(lang, report));
    out.push_str(&protection(lang, &report.protection));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn scope(lang: Language, report: &Report) -> String {
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
    let grouping = match r.period {
        Period::HalfYear => lang.pick("halvår", "half-years"),
        Period::Year => lang.pick("år", "years"),
    };
    let d = &report.data;
    let data = match lang {
        Language::Sv => format!(
            "{} ansökningar, varav {} beslutade; senast ändrad {}",
            whole(lang, d.applications as f64),
            whole(lang, d.decided as f64),
            d.latest_change
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "okänt".into())
        ),
        Language::En => format!(
            "{} applications, {} decided; last changed {}",
            whole(lang, d.applications as f64),
            whole(lang, d.decided as f64),
            d.latest_change
                .as_ref()
                .map(when)
                .unwrap_or_else(|| "unknown".into())
        ),
    };
    let mut items: Vec<(&str, String)> = vec![
        (
            lang.pick("Organisation", "Organisation"),
            escape(&report.organisation),
        ),
        (
            lang.pick("Program", "Programme"),
            escape(r.programme.as_deref().unwrap_or(all)),
        ),
        (
            lang.pick("Utlysning", "Call"),
            escape(r.call.as_deref().unwrap_or(all)),
        ),
        (
            lang.pick("Period (mottagna)", "Period (received)"),
            escape(&period),
        ),
        (lang.pick("Dimensioner", "Dimensions"), {
            let mut s = escape(&dims);
            if let Some(depth) = r.depth {
                let _ = write!(
                    s,
                    " ({} {depth} {})",
                    lang.pick("högst", "at most"),
                    lang.pick("kombinerade", "combined")
                );
            }
            s
        }),
        (lang.pick("Utveckling per", "Trend by"), grouping.to_owned()),
    ];
    if let Some(region) = &r.region {
        items.push((
            lang.pick("Basnivåernas region", "Region of the baselines"),
            escape(region),
        ));
    }
    items.extend([
        (
            lang.pick("Gjord", "Made"),
            format!(
                "{} {} {}",
                escape(&when(&report.created_at)),
                lang.pick("av", "by"),
                escape(&report.created_by)
            ),
        ),
        (lang.pick("Data som lästs", "Data read"), escape(&data)),
        (
            lang.pick("Innehållshash", "Content hash"),
            format!("<code>{}</code>", escape(&d.content_hash)),
        ),
        (
            lang.pick("Regeluppsättning", "Rule set"),
            format!(
                "{} {} {}{}",
                escape(&report.ruleset.name),
                lang.pick("version", "version"),
                escape(&report.ruleset.version),
                report
                    .ruleset
                    .file_hash
                    .as_deref()
                    .map(|h| format!(" (<code>{}</code>)", escape(h)))
                    .unwrap_or_default()
            ),
        ),
        (
            lang.pick("Gruppindelning", "Tagging definition"),
            format!(
                "{} (<code>{}</code>)",
                escape(&report.tagging.name),
                escape(&report.tagging.fingerprint)
            ),
        ),
        (
            lang.pick("Rapport-id", "Report id"),
            format!("<code>{}</code>", escape(&report.id)),
        ),
        (
            lang.pick("Utvärdering", "Evaluation"),
            format!("<code>{}</code>", escape(&report.evaluation_id)),
        ),
    ]);
    let mut out = String::from("<dl class=\"scope\">\n");
    for (k, v) in items {
        let _ = writeln!(out, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    }
    out.push_str("</dl>\n");
    out
}

fn findings(lang: Language, report: &Report) -> String {
    let mut out = format!(
        "<section id=\"findings\">\n<h2>{}</h2>\n",
        lang.pick("Fynd", "Findings")
    );
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            lang.pick(
                "Inga fynd bortom trösklarna.",
                "No findings beyond the thresholds."
            )
        );
        out.push_str("</section>\n");
        return out;
    }
    let mut notes = Notes::new(lang, &report.protection, "findings");
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{}</caption>\n<thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         </tr></thead>\n<tbody>",
        lang.pick(
            "Fynd i utvärderingen, allvarligast först",
            "Findings of the evaluation, most serious first"
        ),
        lang.pick("Grupp", "Group"),
        lang.pick("Nivå", "Level"),
        lang.pick("Allvar", "Severity"),
        lang.pick("Regel", "Rule"),
        lang.pick("Förklaring", "Explanation"),
        lang.pick(
            "Fler beviljanden på lika villkor",
            "More approvals on equal terms"
        ),
        lang.pick("Fler kronor på lika villkor", "More SEK on equal terms"),
    );
    for f in &report.findings {
        out.push_str(&finding_row(lang, &mut notes, f));
    }
    out.push_str("</tbody>\n</table></div>\n");
    out.push_str(&notes.render());
    out.push_str("</section>\n");
    out
}

fn finding_row(lang: Language, notes: &mut Notes, f: &ReportFinding) -> String {
    let (symbol, level) = level_label(lang, f.level);
    let explanation = match &f.explanation {
        Some(text) => escape(text),
        None => format!(
            "<em>{}</em>",
            lang.pick(
                "Förklaringen utelämnas eftersom gruppens siffror är prickade.",
                "The explanation is left out because the group's figures are suppressed."
            )
        ),
    };
    format!(
        "<tr class=\"{class}\"><th scope=\"row\">{label}</th>\
         <td class=\"level\"><span aria-hidden=\"true\">{symbol}</span> {level}</td>\
         <td>{severity}</td><td><code>{rule}</code></td><td>{explanation}</td>{approvals}{sek}</tr>\n",
        class = level_class(f.level),
        label = escape(&f.label),
        severity = severity_label(lang, f.severity),
        rule = escape(&f.rule),
        approvals = notes.td(&f.approvals_gap, |v| explain::number(lang, v, 0)),
        sek = notes.td(&f.sek_gap, |v| explain::sek(lang, v)),
    )
}

fn th_cols(cols: &[&str]) -> String {
    cols.iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<th scope=\"col\"{}>{}</th>",
                if i == 0 { "" } else { " class=\"num\"" },
                escape(c)
            )
        })
        .collect()
}

fn group_table(
    lang: Language,
    protection: &Protection,
    number: usize,
    table: &GroupTable,
) -> String {
    let id = format!("table-{number}");
    let mut notes = Notes::new(lang, protection, &id);
    let with_baseline = table.rows.iter().any(|r| r.baseline_share.is_some());
    let word = lang.pick("Tabell", "Table");
    let mut out = format!(
        "<section class=\"page wide\" id=\"{id}\">\n<h2>{word} {number}: {}</h2>\n<div class=\"charts\">\n",
        escape(&table.title)
    );
    out.push_str(&svg::approval_rates(&format!("{id}-rates"), lang, table));
    out.push_str(&svg::shares(&format!("{id}-shares"), lang, table));
    out.push_str("</div>\n");

    // R1: representation and approvals.
    let mut cols = vec![
        lang.pick("Grupp", "Group"),
        lang.pick("Ansökningar", "Applications"),
        lang.pick("Andel av sökande", "Share of applicants"),
    ];
    if with_baseline {
        cols.push(lang.pick("Basnivå", "Baseline share"));
        cols.push(lang.pick("Disparitetsindex", "Disparity index"));
    }
    cols.extend([
        lang.pick("Beslutade", "Decided"),
        lang.pick("Beviljade", "Approved"),
        lang.pick("Andel beviljade", "Approval rate"),
        lang.pick("95 % intervall", "95% interval"),
        lang.pick("Kvot mot referens", "Ratio to reference"),
    ]);
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{word} {number}a. {}: {}</caption>\n\
         <thead><tr>{}</tr></thead>\n<tbody>",
        lang.pick(
            "R1 – representation och beviljanden",
            "R1 – representation and approvals"
        ),
        escape(&table.title),
        th_cols(&cols)
    );
    for (row, total) in table
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(std::iter::once((&table.total, true)))
    {
        out.push_str(&r1_row(lang, &mut notes, row, total, with_baseline));
    }
    out.push_str("</tbody>\n</table></div>\n");

    // R2: resources.
    let cols = [
        lang.pick("Grupp", "Group"),
        lang.pick("Sökt belopp (kr)", "Applied for (SEK)"),
        lang.pick("Beviljat belopp (kr)", "Granted (SEK)"),
        lang.pick("Andel av beviljade ansökningar", "Share of approvals"),
        lang.pick("Andel av beviljade kronor", "Share of granted SEK"),
        lang.pick("Medelbidrag (kr)", "Mean grant (SEK)"),
        lang.pick("Medianbidrag (kr)", "Median grant (SEK)"),
    ];
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{word} {number}b. {}: {}</caption>\n\
         <thead><tr>{}</tr></thead>\n<tbody>",
        lang.pick("R2 – resurser", "R2 – resources"),
        escape(&table.title),
        th_cols(&cols)
    );
    for (row, total) in table
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(std::iter::once((&table.total, true)))
    {
        let pct = |v: f64| explain::percent(lang, v);
        let kr = |v: f64| whole(lang, v);
        let _ = writeln!(
            out,
            "<tr{}><th scope=\"row\">{}</th>{}{}{}{}{}{}</tr>",
            if total { " class=\"total\"" } else { "" },
            escape(&row.label),
            notes.td(&row.amount_applied, kr),
            notes.td(&row.amount_granted, kr),
            notes.td(&row.share_of_approvals, pct),
            notes.td(&row.share_of_granted, pct),
            notes.td(&row.mean_grant, kr),
            notes.td(&row.median_grant, kr),
        );
    }
    out.push_str("</tbody>\n</table></div>\n");

    let mut references: Vec<&str> = Vec::new();
    for r in &table.rows {
        if let Some(reference) = r.reference.as_deref()
            && !references.contains(&reference)
        {
            references.push(reference);
        }
    }
    if !references.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} {}.</p>",
            lang.pick(
                "Kvot mot referens: gruppens andel beviljade delad med referensgruppens, som är",
                "Ratio to reference: the group's approval rate over that of the reference group, which is"
            ),
            escape(&references.join(", "))
        );
    }
    if with_baseline {
        let _ = writeln!(
            out,
            "<p class=\"note\">{}</p>",
            lang.pick(
                "Basnivå: gruppens andel av dem som kunde ha sökt. Disparitetsindex: 100 × andel av sökande / basnivå (100 = som i basen).",
                "Baseline share: the group's share of those who could have applied. Disparity index: 100 × share of applicants / baseline share (100 = as in the baseline)."
            )
        );
    }
    out.push_str(&key(lang));
    out.push_str(&notes.render());
    out.push_str("</section>\n");
    out
}

fn r1_row(
    lang: Language,
    notes: &mut Notes,
    row: &GroupRow,
    total: bool,
    with_baseline: bool,
) -> String {
    let count = |v: f64| whole(lang, v);
    let pct = |v: f64| explain::percent(lang, v);
    let mut out = format!(
        "<tr{}><th scope=\"row\">{}</th>",
        if total { " class=\"total\"" } else { "" },
        escape(&row.label)
    );
    out.push_str(&notes.td(&row.applications, count));
    out.push_str(&notes.td(&row.share_of_applicants, pct));
    // What does not apply to the total is left empty.
    let applies = |f: &Figure| !total || f.value.is_some() || f.is_suppressed();
    if with_baseline {
        match row.baseline_share {
            Some(b) if b.is_finite() => {
                let _ = write!(out, "<td class=\"num\">{}</td>", escape(&pct(b)));
            }
            _ if total => out.push_str("<td class=\"num\"></td>"),
            _ => {
                let _ = write!(
                    out,
                    "<td class=\"num\"><abbr class=\"na\" title=\"{}\">..</abbr></td>",
                    lang.pick("Ingen basnivå för gruppen", "No baseline for the group")
                );
            }
        }
        if applies(&row.disparity_index) {
            out.push_str(&notes.td(&row.disparity_index, |v| explain::number(lang, v, 0)));
        } else {
            out.push_str("<td class=\"num\"></td>");
        }
    }
    out.push_str(&notes.td(&row.decided, count));
    out.push_str(&notes.td(&row.approved, count));
    out.push_str(&notes.td(&row.approval_rate, pct));
    out.push_str(&notes.interval(&row.approval_rate));
    if applies(&row.approval_ratio) {
        out.push_str(&notes.td(&row.approval_ratio, |v| explain::number(lang, v, 2)));
    } else {
        out.push_str("<td class=\"num\"></td>");
    }
    out.push_str("</tr>\n");
    out
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

fn trend(lang: Language, report: &Report, number: usize, table: &TrendTable) -> String {
    let id = format!("trend-{number}");
    let mut notes = Notes::new(lang, &report.protection, &id);
    let per = match report.request.period {
        Period::HalfYear => lang.pick("halvår", "half-year"),
        Period::Year => lang.pick("år", "year"),
    };
    let mut out = format!(
        "<section class=\"page wide\" id=\"{id}\">\n<h2>{} {per}: {}</h2>\n<div class=\"charts\">\n",
        lang.pick("Utveckling per", "Trend by"),
        escape(&table.title)
    );
    out.push_str(&svg::trend(&id, lang, table));
    out.push_str("</div>\n");
    let word = lang.pick("Tabell", "Table");

    // The chart's figures: approval rate per line and period.
    let mut head = format!("<th scope=\"col\">{}</th>", lang.pick("Grupp", "Group"));
    for p in &table.periods {
        let _ = write!(head, "<th scope=\"col\" class=\"num\">{}</th>", escape(p));
    }
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{word} T{number}a. {}: {}</caption>\n\
         <thead><tr>{head}</tr></thead>\n<tbody>",
        lang.pick("Andel beviljade per period", "Approval rate per period"),
        escape(&table.title)
    );
    for (group, label) in trend_lines(table) {
        let _ = write!(
            out,
            "<tr{}><th scope=\"row\">{}</th>",
            if group.is_empty() {
                " class=\"total\""
            } else {
                ""
            },
            escape(label)
        );
        for p in &table.periods {
            match table
                .rows
                .iter()
                .find(|r| r.period == *p && r.group.as_slice() == group)
            {
                Some(r) => out.push_str(&notes.td(&r.approval_rate, |v| explain::percent(lang, v))),
                None => {
                    let _ = write!(out, "<td class=\"num\">{}</td>", notes.not_computable());
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");

    // Every figure per period and group.
    let cols = [
        lang.pick("Period", "Period"),
        lang.pick("Grupp", "Group"),
        lang.pick("Ansökningar", "Applications"),
        lang.pick("Beslutade", "Decided"),
        lang.pick("Beviljade", "Approved"),
        lang.pick("Andel beviljade", "Approval rate"),
        lang.pick("95 % intervall", "95% interval"),
        lang.pick("Beviljat belopp (kr)", "Granted (SEK)"),
        lang.pick("Andel av beviljade kronor", "Share of granted SEK"),
    ];
    let head: String = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<th scope=\"col\"{}>{}</th>",
                if i < 2 { "" } else { " class=\"num\"" },
                escape(c)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{word} T{number}b. {}: {}</caption>\n\
         <thead><tr>{head}</tr></thead>\n<tbody>",
        lang.pick(
            "Siffror per period och grupp",
            "Figures per period and group"
        ),
        escape(&table.title)
    );
    for r in &table.rows {
        let count = |v: f64| whole(lang, v);
        let pct = |v: f64| explain::percent(lang, v);
        let _ = writeln!(
            out,
            "<tr{}><th scope=\"row\" class=\"nowrap\">{}</th><th scope=\"row\">{}</th>{}{}{}{}{}{}{}</tr>",
            if r.group.is_empty() {
                " class=\"total\""
            } else {
                ""
            },
            escape(&r.period),
            escape(&r.label),
            notes.td(&r.applications, count),
            notes.td(&r.decided, count),
            notes.td(&r.approved, count),
            notes.td(&r.approval_rate, pct),
            notes.interval(&r.approval_rate),
            notes.td(&r.amount_granted, count),
            notes.td(&r.share_of_granted, pct),
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    out.push_str(&key(lang));
    out.push_str(&notes.render());
    out.push_str("</section>\n");
    out
}

fn unknowns(lang: Language, report: &Report) -> String {
    let mut out = format!(
        "<section class=\"page\" id=\"unknowns\">\n<h2>{}</h2>\n",
        lang.pick(
            "Ansökningar utan känd grupp",
            "Applications without a known group"
        )
    );
    if report.unknowns.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>\n</section>",
            lang.pick(
                "Inga uppgifter om okända grupper.",
                "Nothing reported on unknown groups."
            )
        );
        return out;
    }
    let mut notes = Notes::new(lang, &report.protection, "unknowns");
    let _ = writeln!(
        out,
        "<p>{}</p>\n<div class=\"scroll\"><table>\n<caption>{}</caption>\n<thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         </tr></thead>\n<tbody>",
        lang.pick(
            "Ansökningar som inte kunde föras till en grupp i en dimension, och varför. Skäl som är för ovanliga för att visas ingår i övriga skäl.",
            "Applications that could not be placed in a group of a dimension, and why. Reasons too rare to show are counted under other reasons."
        ),
        lang.pick("Okänd grupp per dimension och skäl", "Unknown group by dimension and reason"),
        lang.pick("Dimension", "Dimension"),
        lang.pick("Skäl", "Reason"),
        lang.pick("Ansökningar", "Applications"),
    );
    for u in &report.unknowns {
        let dim = escape(labels::dimension(lang, u.dimension));
        let _ = writeln!(
            out,
            "<tr class=\"total\"><th scope=\"row\">{dim}</th><td>{}</td>{}</tr>",
            lang.pick("samtliga skäl", "all reasons"),
            notes.td(&u.applications, |v| whole(lang, v))
        );
        for (why, f) in &u.reasons {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{dim}</th><td>{}</td>{}</tr>",
                escape(why),
                notes.td(f, |v| whole(lang, v))
            );
        }
    }
    out.push_str("</tbody>\n</table></div>\n");
    out.push_str(&key(lang));
    out.push_str(&notes.render());
    out.push_str("</section>\n");
    out
}

fn overrides(lang: Language, report: &Report) -> String {
    let mut out = format!(
        "<section id=\"overrides\">\n<h2>{}</h2>\n",
        lang.pick(
            "Utlysningar publicerade trots underkänd kontroll",
            "Calls published although their check failed"
        )
    );
    if report.overrides.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>\n</section>",
            lang.pick(
                "Inga undantag har gjorts för utlysningarna i rapporten.",
                "No overrides were recorded for the calls of the report."
            )
        );
        return out;
    }
    let _ = writeln!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{}</caption>\n<thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
        lang.pick(
            "Undantag från utlysningskontrollen",
            "Overrides of the call check"
        ),
        lang.pick("Utlysning", "Call"),
        lang.pick("Version", "Version"),
        lang.pick("Skäl", "Reason"),
        lang.pick("När", "When"),
        lang.pick("Av", "By"),
    );
    for o in &report.overrides {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.call),
            o.call_version,
            escape(&o.reason),
            escape(&when(&o.created_at)),
            escape(&o.created_by),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

fn protection(lang: Language, p: &Protection) -> String {
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
            dom = explain::percent(lang, p.dominance_share),
            primary = p.primary,
            complementary = p.complementary,
        ),
        Language::En => format!(
            "{counts} An amount is suppressed when its two largest grants make up more than {dom} of it. \
             {primary} figures were suppressed as sensitive, and {complementary} more so that the sensitive \
             ones cannot be worked out from sums and differences of those shown. A suppressed figure is \
             shown as – and is not zero. The report holds only sums for groups, nothing about a single \
             applicant.",
            dom = explain::percent(lang, p.dominance_share),
            primary = p.primary,
            complementary = p.complementary,
        ),
    };
    format!(
        "<section id=\"protection\">\n<h2>{}</h2>\n<p>{}</p>\n</section>\n",
        lang.pick("Hur siffrorna skyddas", "How figures were protected"),
        escape(&text)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::tagging::{BackgroundDefinition, GenderDefinition, TaggingScheme};
    use crate::report::model::*;
    use crate::services::evaluations::{RuleSetRef, TaggingRef};

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
        assert!(page.contains("A &amp; B Ltd &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;"));
        assert!(page.contains("Budget &lt;urgent&gt; &amp; &quot;approved&quot;"));
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
