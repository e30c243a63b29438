//! A check report for people: plain text for the terminal, and one self-contained HTML page
//! (no external assets, printable, readable without colour).

use std::fmt::Write;

use super::checks::{CheckReport, Verdict};
use super::design::CallText;
use super::text::wording::{self, Coding, Lang, WordLists};
use crate::analysis::labels::Language;
use crate::report::svg::escape;

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

/// The call's text with every gender-coded word marked (masculine underlined solid, feminine
/// dotted, and named in the title attribute), so the officer sees them in place.
fn marked_text(report_lang: Language, text: &CallText) -> String {
    let lists = WordLists::bundled();
    let mut out = String::new();
    for (lang, body) in [(Lang::Sv, &text.sv), (Lang::En, &text.en)] {
        let Some(body) = body.as_deref().filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        let analysis = wording::analyse(body, lang, &lists, None);
        let mut at = 0;
        let mut marked = String::new();
        for word in &analysis.occurrences {
            let range = word.location.byte_range();
            if range.start < at {
                continue; // the same word coded twice: marked once
            }
            marked.push_str(&escape(&body[at..range.start]));
            let (class, name) = match word.coding {
                Coding::Masculine => ("m", report_lang.pick("maskulint kodat", "masculine-coded")),
                Coding::Feminine => ("f", report_lang.pick("feminint kodat", "feminine-coded")),
            };
            let _ = write!(
                marked,
                "<mark class=\"{class}\" title=\"{name}\">{}</mark>",
                escape(&body[range.clone()])
            );
            at = range.end;
        }
        marked.push_str(&escape(&body[at..]));
        let _ = writeln!(
            out,
            "<section lang=\"{code}\"><h2>{heading} ({code})</h2><p class=\"text\">{marked}</p></section>",
            code = lang.code(),
            heading = report_lang.pick(
                "Texten med kodade ord markerade",
                "The text with coded words marked"
            ),
        );
    }
    out
}

/// The report as one self-contained HTML page, with the call's text marked where given.
/// Verdicts are words and symbols, not only colours, so the page reads in black-and-white
/// print and for colour-blind readers.
pub fn html(title: &str, report: &CheckReport, text: Option<&CallText>) -> String {
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
            class = check.verdict.code(),
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
.text {{ white-space: pre-wrap; line-height: 1.6; }}
mark {{ background: none; color: inherit; font-weight: bold; }}
mark.m {{ text-decoration: underline solid 2px; }}
mark.f {{ text-decoration: underline dotted 2px; }}
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
{marked}</body>
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
        marked = text.map(|t| marked_text(lang, t)).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callcheck::checks::{self, CheckInputs};
    use crate::callcheck::design::CallDesign;

    fn settings() -> crate::config::CallCheckSettings {
        crate::config::Settings::load_from(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("config")
                .as_path(),
            "test",
            figment::Figment::new(),
        )
        .expect("the test configuration")
        .call_check
    }

    #[test]
    fn the_page_marks_coded_words_in_place_and_escapes_the_text() {
        let design = CallDesign {
            text: CallText {
                sv: Some("Vi söker en driven ledare <och> ett stöd för kvinnor.".into()),
                en: None,
            },
            ..Default::default()
        };
        let settings = settings();
        let report = checks::run(
            &design,
            &CheckInputs {
                settings: &settings,
                language: Language::En,
                population: None,
                earlier: None,
            },
        );
        let page = html("Draft <1>", &report, Some(&design.text));
        assert!(page.contains("<title>Draft &lt;1&gt;</title>"));
        assert!(page.contains(r#"<mark class="m" title="masculine-coded">driven</mark>"#));
        assert!(page.contains(r#"<mark class="m" title="masculine-coded">ledare</mark>"#));
        assert!(page.contains(r#"<mark class="f" title="feminine-coded">kvinnor</mark>"#));
        assert!(page.contains("&lt;och&gt;"), "the text is escaped");
        assert_eq!(page.matches("<tr class=").count(), 8, "a row per check");
        let text = super::text("Draft", &report);
        assert!(text.contains("[WARN]") && text.contains("Gender-coded wording"));
    }
}
