//! A check report for people: plain text for the terminal, and one self-contained HTML page
//! (no external assets, printable, readable without colour). The page is the template
//! `templates/call_check.html`, in the report's layout and stylesheet, rendered from a view
//! model built here.

use std::fmt::Write;

use askama::Template;

use super::checks::{CheckReport, Verdict};
use super::design::CallText;
use super::text::wording::{self, Alternatives, Coding, WordLists};
use crate::locale::Language;

/// A verdict in words, in `lang`.
pub fn verdict_label(lang: Language, verdict: Verdict) -> &'static str {
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

/// The page, as `templates/call_check.html` lays it out.
#[derive(Template)]
#[template(path = "call_check.html")]
struct CallCheckPage<'a> {
    /// The language code of `<html lang>`.
    lang: &'static str,
    title: &'a str,
    body: CheckBody<'a>,
}

/// A check's verdicts and its marked text: the body of the downloadable page and of the
/// workspace's check page (`templates/call_check_verdicts.html` and
/// `templates/call_check_marked.html`).
pub struct CheckBody<'a> {
    pub result_label: &'static str,
    pub verdict: &'static str,
    pub counts: Vec<VerdictCount>,
    pub caption: &'static str,
    pub columns: [&'static str; 4],
    pub checks: Vec<CheckRow<'a>>,
    pub marked_heading: &'static str,
    pub marked_texts: Vec<MarkedText<'a>>,
}

/// How many checks came to one verdict.
pub struct VerdictCount {
    pub number: usize,
    pub verdict: &'static str,
}

pub struct CheckRow<'a> {
    /// The verdict's code, which the stylesheet marks.
    pub class: &'static str,
    pub name: &'a str,
    /// What the check asks.
    pub asks: &'a str,
    pub symbol: &'static str,
    pub verdict: &'static str,
    pub why: &'a str,
    pub action: &'a str,
}

/// The call's text in one language, cut into plain stretches and gender-coded words.
pub struct MarkedText<'a> {
    pub lang: &'static str,
    pub pieces: Vec<Piece<'a>>,
}

pub enum Piece<'a> {
    Plain(&'a str),
    /// A gender-coded word: masculine (class "m", underlined solid) or feminine (class "f",
    /// dotted), named in its title.
    Coded {
        class: &'static str,
        name: &'static str,
        word: &'a str,
        /// Neutral words to use instead, where the bundled list has any ("" if none).
        alternatives: String,
    },
}

/// The call's text with every gender-coded word marked, so the officer sees them in place.
pub fn marked_texts(report_lang: Language, text: &CallText) -> Vec<MarkedText<'_>> {
    let lists = WordLists::bundled();
    let alternatives = Alternatives::bundled();
    let mut out = Vec::new();
    for (lang, body) in [(Language::Sv, &text.sv), (Language::En, &text.en)] {
        let Some(body) = body.as_deref().filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        let analysis = wording::analyse(body, lang, &lists, Some(&alternatives));
        let mut at = 0;
        let mut pieces = Vec::new();
        for word in &analysis.occurrences {
            let range = word.location.byte_range();
            if range.start < at {
                continue; // the same word coded twice: marked once
            }
            pieces.push(Piece::Plain(&body[at..range.start]));
            let (class, name) = match word.coding {
                Coding::Masculine => ("m", report_lang.pick("maskulint kodat", "masculine-coded")),
                Coding::Feminine => ("f", report_lang.pick("feminint kodat", "feminine-coded")),
            };
            pieces.push(Piece::Coded {
                class,
                name,
                word: &body[range.clone()],
                alternatives: word.alternatives.join(", "),
            });
            at = range.end;
        }
        pieces.push(Piece::Plain(&body[at..]));
        out.push(MarkedText {
            lang: lang.code(),
            pieces,
        });
    }
    out
}

/// The report as one self-contained HTML page, with the call's text marked where given.
/// Verdicts are words and symbols, not only colours, so the page reads in black-and-white
/// print and for colour-blind readers.
pub fn html(title: &str, report: &CheckReport, text: Option<&CallText>) -> String {
    let page = CallCheckPage {
        lang: report.language.pick("sv", "en"),
        title,
        body: check_body(report, text),
    };
    page.render()
        .expect("the check page renders: its values cannot fail to format")
}

/// The verdicts of `report` and the marked `text`, in the report's language.
pub fn check_body<'a>(report: &'a CheckReport, text: Option<&'a CallText>) -> CheckBody<'a> {
    let lang = report.language;
    let c = &report.counts;
    CheckBody {
        result_label: lang.pick("Resultat", "Result"),
        verdict: verdict_label(lang, report.verdict),
        counts: [
            (c.pass, Verdict::Pass),
            (c.warn, Verdict::Warn),
            (c.fail, Verdict::Fail),
            (c.cannot_assess, Verdict::CannotAssess),
        ]
        .into_iter()
        .map(|(number, verdict)| VerdictCount {
            number,
            verdict: verdict_label(lang, verdict),
        })
        .collect(),
        caption: lang.pick(
            "Kontroll av utlysningen före publicering",
            "Check of the call before publication",
        ),
        columns: [
            lang.pick("Kontroll", "Check"),
            lang.pick("Utfall", "Verdict"),
            lang.pick("Varför", "Why"),
            lang.pick("Åtgärd", "Action"),
        ],
        checks: report
            .checks
            .iter()
            .map(|check| CheckRow {
                class: check.verdict.code(),
                name: lang.pick(&check.title.sv, &check.title.en),
                asks: lang.pick(&check.explanation.sv, &check.explanation.en),
                symbol: match check.verdict {
                    Verdict::Pass => "✓",
                    Verdict::Warn => "!",
                    Verdict::Fail => "✗",
                    Verdict::CannotAssess => "?",
                },
                verdict: verdict_label(lang, check.verdict),
                why: &check.why,
                action: check.action.as_deref().unwrap_or_default(),
            })
            .collect(),
        marked_heading: lang.pick(
            "Texten med kodade ord markerade",
            "The text with coded words marked",
        ),
        marked_texts: text.map(|t| marked_texts(lang, t)).unwrap_or_default(),
    }
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
        assert!(page.contains("<title>Draft &#60;1&#62;</title>"));
        assert!(page.contains(r#"<mark class="m" title="masculine-coded">driven</mark>"#));
        assert!(page.contains(r#"<mark class="m" title="masculine-coded">ledare</mark>"#));
        assert!(page.contains(r#"<mark class="f" title="feminine-coded">kvinnor</mark>"#));
        assert!(page.contains("&#60;och&#62;"), "the text is escaped");
        assert_eq!(page.matches("<tr class=").count(), 8, "a row per check");
        let text = super::text("Draft", &report);
        assert!(text.contains("[WARN]") && text.contains("Gender-coded wording"));
    }
}
