//! A report as CSV for spreadsheets: UTF-8 with a byte-order mark (so that Excel reads the
//! characters right), records ended by CRLF, fields quoted where they need it.
//!
//! # Layout
//!
//! The file holds one tidy table per section. Each section starts with a line `# name`, then a
//! header row and one record per row; a blank line separates sections. The sections, in order:
//!
//! * `# report`: `key,value` pairs describing the scope and the data read (report id,
//!   organisation, when and by whom, programme, call, months, rule set, tagging, content hash,
//!   protection thresholds).
//! * `# tables`: one row per group per table, and each table's total: `table` (its number, as
//!   in the HTML page), `title`, one column per dimension of the report (the group's value
//!   code, empty when the table does not have that dimension; the total has them all empty),
//!   `label`, then the figures.
//! * `# findings`: `rule`, `severity`, `level`, the dimension columns, `label`, `explanation`,
//!   `approvals_gap`, `sek_gap`.
//! * `# trend`: `dimension`, `value` (empty for the period's total), `label`, `period`, then the
//!   figures.
//! * `# unknowns`: `dimension`, `reason`, `applications`; the row with an empty reason is the
//!   dimension's total.
//! * `# overrides`: `call`, `call_version`, `reason`, `created_at`, `created_by`.
//!
//! Every figure has a companion column `<figure>_suppressed`. A suppressed figure is an empty
//! cell with the reason in its companion (`small_count`, `dominance` or `complementary`); it is
//! never 0. An empty cell with an empty companion is a figure that cannot be computed (such as
//! a rate of no decisions). A rate's 95 % interval is in `<figure>_lower` and `<figure>_upper`.
//!
//! Shares and rates are fractions (0.315, not 31.5 %), amounts are SEK. With
//! [`CsvOptions::swedish`] fields are separated by `;` and decimals written with a comma, as
//! Swedish Excel expects; otherwise `,` and a point. Numbers have fixed decimals and no digit
//! grouping. A text field that a spreadsheet would read as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or carriage return) is prefixed with `'`.

use super::model::{Figure, Report};
use crate::domain::tagging::Dimension;
use crate::locale::{self, Language};

/// How to write the CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// `;` between fields and decimal commas (Swedish Excel); otherwise `,` and points.
    pub swedish: bool,
}

/// One section's records, the header first.
type Records = Vec<Vec<String>>;

struct Writer {
    lang: Language,
}

impl Writer {
    fn num(&self, x: f64, decimals: usize) -> String {
        if x.is_finite() {
            locale::number(self.lang, x, decimals)
        } else {
            String::new()
        }
    }

    /// A figure's value and its companion.
    fn figure(&self, f: &Figure, decimals: usize) -> [String; 2] {
        match (f.suppressed, f.value) {
            (Some(why), _) => [String::new(), why.code().to_owned()],
            (None, Some(v)) => [self.num(v, decimals), String::new()],
            (None, None) => [String::new(), String::new()],
        }
    }

    /// A rate: value, lower, upper, companion.
    fn rate(&self, f: &Figure) -> [String; 4] {
        match (f.suppressed, f.value) {
            (Some(why), _) => [
                String::new(),
                String::new(),
                String::new(),
                why.code().to_owned(),
            ],
            (None, Some(v)) => [
                self.num(v, 4),
                f.lower.map(|x| self.num(x, 4)).unwrap_or_default(),
                f.upper.map(|x| self.num(x, 4)).unwrap_or_default(),
                String::new(),
            ],
            (None, None) => Default::default(),
        }
    }
}

/// Text as a field, defused where a spreadsheet would take it for a formula.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| (*c).to_owned()).collect()
}

/// The figure columns of a header: `name`, `name_suppressed` (and `_lower`, `_upper` for
/// rates).
fn figure_columns(out: &mut Vec<String>, names: &[&str], rates: &[&str]) {
    for name in names {
        if rates.contains(name) {
            out.push((*name).to_owned());
            out.push(format!("{name}_lower"));
            out.push(format!("{name}_upper"));
        } else {
            out.push((*name).to_owned());
        }
        out.push(format!("{name}_suppressed"));
    }
}

/// The dimensions of the report, in order: the request's, then any others its tables and
/// findings use.
fn dimensions(report: &Report) -> Vec<Dimension> {
    let mut dims = report.request.dimensions.clone();
    let used = report
        .tables
        .iter()
        .flat_map(|t| t.dimensions.iter().copied())
        .chain(
            report
                .findings
                .iter()
                .flat_map(|f| f.group.iter().map(|g| g.dimension)),
        );
    for d in used {
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    dims
}

fn report_section(w: &Writer, report: &Report) -> Records {
    let r = &report.request;
    let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
    let when = |t: &chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let period = r.period.code().to_owned();
    let dims: Vec<&str> = dimensions(report).iter().map(|d| d.code()).collect();
    let p = &report.protection;
    let pairs: Vec<(&str, String)> = vec![
        ("id", text(&report.id)),
        ("organisation", text(&report.organisation)),
        ("created_at", when(&report.created_at)),
        ("created_by", text(&report.created_by)),
        ("programme", opt(&r.programme)),
        ("call", opt(&r.call)),
        ("from", opt(&r.from)),
        ("to", opt(&r.to)),
        ("dimensions", dims.join(" ")),
        ("depth", r.depth.map(|d| d.to_string()).unwrap_or_default()),
        ("period", period),
        ("language", r.language.pick("sv", "en").to_owned()),
        ("region", opt(&r.region)),
        ("ruleset", text(&report.ruleset.name)),
        ("ruleset_version", text(&report.ruleset.version)),
        ("tagging", text(&report.tagging.name)),
        ("tagging_fingerprint", text(&report.tagging.fingerprint)),
        ("evaluation_id", text(&report.evaluation_id)),
        ("applications_read", report.data.applications.to_string()),
        ("decided_read", report.data.decided.to_string()),
        (
            "latest_change",
            report
                .data
                .latest_change
                .as_ref()
                .map(when)
                .unwrap_or_default(),
        ),
        ("content_hash", text(&report.data.content_hash)),
        ("min_cell", p.min_cell.to_string()),
        ("dominance_share", w.num(p.dominance_share, 4)),
        ("suppressed_primary", p.primary.to_string()),
        ("suppressed_complementary", p.complementary.to_string()),
    ];
    let mut out = vec![header(&["key", "value"])];
    out.extend(pairs.into_iter().map(|(k, v)| vec![k.to_owned(), v]));
    out
}

fn tables_section(w: &Writer, report: &Report, dims: &[Dimension]) -> Records {
    let mut head = header(&["table", "title"]);
    head.extend(dims.iter().map(|d| d.code().to_owned()));
    head.push("label".to_owned());
    figure_columns(
        &mut head,
        &[
            "applications",
            "decided",
            "approved",
            "approval_rate",
            "amount_applied",
            "amount_granted",
            "share_of_applicants",
            "share_of_approvals",
            "share_of_granted",
            "mean_grant",
            "median_grant",
            "approval_ratio",
        ],
        &["approval_rate"],
    );
    head.extend(["reference", "baseline_share"].map(str::to_owned));
    figure_columns(&mut head, &["disparity_index"], &[]);
    let mut out = vec![head];
    for (i, table) in report.tables.iter().enumerate() {
        for row in table.rows.iter().chain(std::iter::once(&table.total)) {
            let mut rec = vec![(i + 1).to_string(), text(&table.title)];
            rec.extend(dims.iter().map(|d| {
                row.group
                    .iter()
                    .find(|g| g.dimension == *d)
                    .map(|g| text(&g.value))
                    .unwrap_or_default()
            }));
            rec.push(text(&row.label));
            rec.extend(w.figure(&row.applications, 0));
            rec.extend(w.figure(&row.decided, 0));
            rec.extend(w.figure(&row.approved, 0));
            rec.extend(w.rate(&row.approval_rate));
            rec.extend(w.figure(&row.amount_applied, 2));
            rec.extend(w.figure(&row.amount_granted, 2));
            rec.extend(w.figure(&row.share_of_applicants, 4));
            rec.extend(w.figure(&row.share_of_approvals, 4));
            rec.extend(w.figure(&row.share_of_granted, 4));
            rec.extend(w.figure(&row.mean_grant, 2));
            rec.extend(w.figure(&row.median_grant, 2));
            rec.extend(w.figure(&row.approval_ratio, 4));
            rec.push(row.reference.as_deref().map(text).unwrap_or_default());
            rec.push(row.baseline_share.map(|b| w.num(b, 4)).unwrap_or_default());
            rec.extend(w.figure(&row.disparity_index, 1));
            out.push(rec);
        }
    }
    out
}

fn findings_section(w: &Writer, report: &Report, dims: &[Dimension]) -> Records {
    let mut head = header(&["rule", "severity", "level"]);
    head.extend(dims.iter().map(|d| d.code().to_owned()));
    head.extend(["label", "explanation"].map(str::to_owned));
    figure_columns(&mut head, &["approvals_gap", "sek_gap"], &[]);
    let mut out = vec![head];
    for f in &report.findings {
        let mut rec = vec![
            text(&f.rule),
            f.severity.code().to_owned(),
            f.level.code().to_owned(),
        ];
        rec.extend(dims.iter().map(|d| {
            f.group
                .iter()
                .find(|g| g.dimension == *d)
                .map(|g| text(&g.value))
                .unwrap_or_default()
        }));
        rec.push(text(&f.label));
        rec.push(f.explanation.as_deref().map(text).unwrap_or_default());
        rec.extend(w.figure(&f.approvals_gap, 1));
        rec.extend(w.figure(&f.sek_gap, 2));
        out.push(rec);
    }
    out
}

fn trend_section(w: &Writer, report: &Report) -> Records {
    let mut head = header(&["dimension", "value", "label", "period"]);
    figure_columns(
        &mut head,
        &[
            "applications",
            "decided",
            "approved",
            "approval_rate",
            "amount_granted",
            "share_of_granted",
        ],
        &["approval_rate"],
    );
    let mut out = vec![head];
    for table in &report.trend {
        for row in &table.rows {
            let value = row
                .group
                .iter()
                .map(|g| g.value.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let mut rec = vec![
                table.dimension.code().to_owned(),
                text(&value),
                text(&row.label),
                text(&row.period),
            ];
            rec.extend(w.figure(&row.applications, 0));
            rec.extend(w.figure(&row.decided, 0));
            rec.extend(w.figure(&row.approved, 0));
            rec.extend(w.rate(&row.approval_rate));
            rec.extend(w.figure(&row.amount_granted, 2));
            rec.extend(w.figure(&row.share_of_granted, 4));
            out.push(rec);
        }
    }
    out
}

fn unknowns_section(w: &Writer, report: &Report) -> Records {
    let mut head = header(&["dimension", "reason"]);
    figure_columns(&mut head, &["applications"], &[]);
    let mut out = vec![head];
    for u in &report.unknowns {
        let dim = u.dimension.code().to_owned();
        let mut rec = vec![dim.clone(), String::new()];
        rec.extend(w.figure(&u.applications, 0));
        out.push(rec);
        for (why, f) in &u.reasons {
            let mut rec = vec![dim.clone(), text(why)];
            rec.extend(w.figure(f, 0));
            out.push(rec);
        }
    }
    out
}

fn overrides_section(report: &Report) -> Records {
    let mut out = vec![header(&[
        "call",
        "call_version",
        "reason",
        "created_at",
        "created_by",
    ])];
    for o in &report.overrides {
        out.push(vec![
            text(&o.call),
            o.call_version.to_string(),
            text(&o.reason),
            o.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            text(&o.created_by),
        ]);
    }
    out
}

fn write(records: &Records, delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        writer
            .write_record(record)
            .expect("writing CSV to memory cannot fail");
    }
    let bytes = writer
        .into_inner()
        .expect("flushing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of strings is UTF-8")
}

/// The report as CSV (see the module documentation for the layout).
pub fn render(report: &Report, options: CsvOptions) -> String {
    let w = Writer {
        lang: if options.swedish {
            Language::Sv
        } else {
            Language::En
        },
    };
    let delimiter = if options.swedish { b';' } else { b',' };
    let dims = dimensions(report);
    let sections = [
        ("report", report_section(&w, report)),
        ("tables", tables_section(&w, report, &dims)),
        ("findings", findings_section(&w, report, &dims)),
        ("trend", trend_section(&w, report)),
        ("unknowns", unknowns_section(&w, report)),
        ("overrides", overrides_section(report)),
    ];
    let mut out = String::from("\u{feff}");
    for (i, (name, records)) in sections.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str("# ");
        out.push_str(name);
        out.push_str("\r\n");
        out.push_str(&write(records, delimiter));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::Level;
    use crate::analysis::rules::Severity;
    use crate::report::html::tests::{NASTY, sample};
    use crate::report::model::Period;
    use crate::report::suppress::Suppression;

    /// The codes written into CSV are the names the JSON of a report uses.
    #[test]
    fn codes_are_the_serde_names() {
        let serde_name = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        for v in [
            Level::Red,
            Level::Watch,
            Level::Inconclusive,
            Level::Ok,
            Level::TooFew,
            Level::CannotAssess,
        ] {
            assert_eq!(serde_name(serde_json::to_value(v).unwrap()), v.code());
        }
        for v in [Severity::High, Severity::Medium, Severity::Low] {
            assert_eq!(serde_name(serde_json::to_value(v).unwrap()), v.code());
        }
        for v in [Period::HalfYear, Period::Year] {
            assert_eq!(serde_name(serde_json::to_value(v).unwrap()), v.code());
        }
        for v in [
            Suppression::SmallCount,
            Suppression::Dominance,
            Suppression::Complementary,
        ] {
            assert_eq!(serde_name(serde_json::to_value(v).unwrap()), v.code());
        }
    }

    fn read(section: &str, csv: &str, delimiter: u8) -> Vec<csv::StringRecord> {
        let start = csv.find(&format!("# {section}\r\n")).unwrap() + section.len() + 4;
        let rest = &csv[start..];
        let end = rest.find("\r\n\r\n# ").unwrap_or(rest.len());
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(&rest.as_bytes()[..end])
            .records()
            .map(Result::unwrap)
            .collect()
    }

    fn column(records: &[csv::StringRecord], name: &str) -> usize {
        records[0].iter().position(|h| h == name).unwrap()
    }

    #[test]
    fn the_file_has_a_bom_and_sections_separated_by_blank_lines() {
        let out = render(&sample(), CsvOptions::default());
        assert!(out.starts_with("\u{feff}# report\r\nkey,value\r\n"));
        let sections: Vec<&str> = out
            .trim_start_matches('\u{feff}')
            .lines()
            .filter(|l| l.starts_with("# "))
            .collect();
        assert_eq!(
            sections,
            [
                "# report",
                "# tables",
                "# findings",
                "# trend",
                "# unknowns",
                "# overrides"
            ]
        );
        for name in ["tables", "findings", "trend", "unknowns", "overrides"] {
            assert!(out.contains(&format!("\r\n\r\n# {name}\r\n")));
        }
    }

    #[test]
    fn swedish_uses_semicolons_and_decimal_commas() {
        let r = sample();
        let sv = render(&r, CsvOptions { swedish: true });
        let en = render(&r, CsvOptions { swedish: false });
        let sv_tables = read("tables", &sv, b';');
        let en_tables = read("tables", &en, b',');
        assert_eq!(sv_tables.len(), en_tables.len());
        let c = column(&sv_tables, "approval_rate");
        assert_eq!(&sv_tables[1][c], "0,3333");
        assert_eq!(&en_tables[1][c], "0.3333");
        assert!(sv.contains("dominance_share;0,8500\r\n"));
        assert!(en.contains("dominance_share,0.8500\r\n"));
        // Every record of a section has the header's number of fields.
        for records in [sv_tables, en_tables] {
            assert!(records.iter().all(|r| r.len() == records[0].len()));
        }
    }

    #[test]
    fn suppressed_figures_are_empty_with_the_reason_never_zero() {
        let mut r = sample();
        r.tables[0].rows[2].applications.value = Some(0.0);
        let out = render(&r, CsvOptions::default());
        let tables = read("tables", &out, b',');
        let mixed = tables
            .iter()
            .find(|rec| rec.iter().any(|f| f == "mixed"))
            .unwrap();
        for name in [
            "applications",
            "decided",
            "approval_rate",
            "amount_granted",
            "share_of_applicants",
        ] {
            let c = column(&tables, name);
            assert_eq!(&mixed[c], "", "{name}");
            assert_ne!(
                &mixed[column(&tables, &format!("{name}_suppressed"))],
                "",
                "{name}"
            );
        }
        assert_eq!(
            &mixed[column(&tables, "applications_suppressed")],
            "small_count"
        );
        assert_eq!(
            &mixed[column(&tables, "amount_granted_suppressed")],
            "dominance"
        );
        assert_eq!(&mixed[column(&tables, "approval_rate_lower")], "");
        // A shown figure has an empty companion.
        let women = &tables[1];
        assert_eq!(&women[column(&tables, "applications")], "40");
        assert_eq!(&women[column(&tables, "applications_suppressed")], "");
        let findings = read("findings", &out, b',');
        assert_eq!(&findings[2][column(&findings, "sek_gap")], "");
        assert_eq!(
            &findings[2][column(&findings, "sek_gap_suppressed")],
            "complementary"
        );
        let trend = read("trend", &out, b',');
        let h1 = trend
            .iter()
            .find(|rec| &rec[1] == "mixed" && &rec[3] == "2018-H1")
            .unwrap();
        assert_eq!(&h1[column(&trend, "approval_rate")], "");
        assert_eq!(
            &h1[column(&trend, "approval_rate_suppressed")],
            "small_count"
        );
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let mut r = sample();
        r.overrides[0].reason = "=HYPERLINK(\"x\"), see".to_owned();
        let out = render(&r, CsvOptions { swedish: true });
        assert!(out.contains(&format!("\"{}\"", NASTY.replace('"', "\"\""))));
        let overrides = read("overrides", &out, b';');
        assert_eq!(&overrides[1][2], "'=HYPERLINK(\"x\"), see");
        let unknowns = read("unknowns", &out, b';');
        assert_eq!(&unknowns[1][1], "");
        assert_eq!(&unknowns[2][1], "no leader <given>");
        assert_eq!(&unknowns[3][3], "small_count");
    }

    #[test]
    fn rendering_is_deterministic() {
        let r = sample();
        for swedish in [true, false] {
            assert_eq!(
                render(&r, CsvOptions { swedish }),
                render(&r, CsvOptions { swedish })
            );
        }
    }
}
