//! A check report for people: plain text for the terminal, and one self-contained HTML page
//! (no external assets, printable, readable without colour).

use std::fmt::Write;

use super::checks::{CheckReport, Verdict};
use crate::analysis::labels::Language;

fn verdict_label(lang: Language, verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => lang.pick("godkänd", "pass"),
        Verdict::Warn => lang.pick("varning", "warn"),
        Verdict::Fail => lang.pick("underkänd", "fail"),
        Verdict::CannotAssess => lang.pick("kan inte bedömas", "cannot assess"),
    }
}

fn tag(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "[PASS]",
        Verdict::Warn => "[WARN]",
        Verdict::Fail => "[FAIL]",
        Verdict::CannotAssess => "[ ?? ]",
    }
}

/// The report as terminal text.
pub fn text(title: &str, report: &CheckReport) -> String {
    let lang = report.language;
    let mut out = String::new();
    let c = &report.counts;
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{}: {} ({} {}, {} {}, {} {}, {} {})\n",
        lang.pick("Resultat", "Result"),
        verdict_label(lang, report.verdict),
        c.pass,
        verdict_label(lang, Verdict::Pass),
        c.warn,
        verdict_label(lang, Verdict::Warn),
        c.fail,
        verdict_label(lang, Verdict::Fail),
        c.cannot_assess,
        verdict_label(lang, Verdict::CannotAssess),
    );
    for check in &report.checks {
        let name = lang.pick(&check.title.sv, &check.title.en);
        let _ = writeln!(out, "{} {name}", tag(check.verdict));
        let _ = writeln!(out, "       {}", check.why);
        if let Some(action) = &check.action {
            let _ = writeln!(out, "       -> {action}");
        }
        out.push('\n');
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The report as one self-contained HTML page. Verdicts are words and symbols, not only
/// colours, so the page reads in black-and-white print and for colour-blind readers.
pub fn html(title: &str, report: &CheckReport) -> String {
    let lang = report.language;
    let mut rows = String::new();
    for check in &report.checks {
        let symbol = match check.verdict {
            Verdict::Pass => "✓",
            Verdict::Warn => "!",
            Verdict::Fail => "✗",
            Verdict::CannotAssess => "?",
        };
        let _ = writeln!(
            rows,
            "<tr class=\"{class}\"><th scope=\"row\">{name}<div class=\"ask\">{ask}</div></th>\
             <td class=\"verdict\"><span aria-hidden=\"true\">{symbol}</span> {verdict}</td>\
             <td>{why}</td><td>{action}</td></tr>",
            class = serde_json::to_value(check.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            name = escape(lang.pick(&check.title.sv, &check.title.en)),
            ask = escape(lang.pick(&check.explanation.sv, &check.explanation.en)),
            verdict = verdict_label(lang, check.verdict),
            why = escape(&check.why),
            action = check.action.as_deref().map(escape).unwrap_or_default(),
        );
    }
    let c = &report.counts;
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #111; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #777; padding: .5rem; vertical-align: top; text-align: left; }}
thead th {{ background: #eee; }}
.ask {{ font-weight: normal; font-size: .85em; color: #333; margin-top: .25rem; }}
.verdict {{ white-space: nowrap; font-weight: bold; }}
tr.fail .verdict {{ border-left: .4rem solid #b2182b; }}
tr.warn .verdict {{ border-left: .4rem dashed #ef8a62; }}
tr.pass .verdict {{ border-left: .4rem solid #2166ac; }}
tr.cannot_assess .verdict {{ border-left: .4rem dotted #777; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<h1>{title}</h1>
<p><strong>{result}: {verdict}</strong> ({pass} {pass_l}, {warn} {warn_l}, {fail} {fail_l}, {na} {na_l})</p>
<table>
<caption>{caption}</caption>
<thead><tr><th scope="col">{check_h}</th><th scope="col">{verdict_h}</th><th scope="col">{why_h}</th><th scope="col">{action_h}</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
</body>
</html>
"#,
        code = lang.pick("sv", "en"),
        title = escape(title),
        result = lang.pick("Resultat", "Result"),
        verdict = verdict_label(lang, report.verdict),
        pass = c.pass,
        pass_l = verdict_label(lang, Verdict::Pass),
        warn = c.warn,
        warn_l = verdict_label(lang, Verdict::Warn),
        fail = c.fail,
        fail_l = verdict_label(lang, Verdict::Fail),
        na = c.cannot_assess,
        na_l = verdict_label(lang, Verdict::CannotAssess),
        caption = lang.pick(
            "Kontroll av utlysningen före publicering",
            "Check of the call before publication"
        ),
        check_h = lang.pick("Kontroll", "Check"),
        verdict_h = lang.pick("Utfall", "Verdict"),
        why_h = lang.pick("Varför", "Why"),
        action_h = lang.pick("Åtgärd", "Action"),
    )
}
