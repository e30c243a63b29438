//! Small SVG charts for the HTML report, drawn in code, one file per chart.
//!
//! * [`approval_rates`]: approval rate per group with its 95 % interval (dot and whisker), with a
//!   dashed reference line at the total rate.
//! * [`shares`]: per group, bars side by side for the share of applicants, the share of granted
//!   SEK and the baseline share.
//! * [`trend`]: the approval rate per period as one line per group.
//!
//! This module holds what they share: palette, markers, legend, axes and text escaping.
//!
//! The charts read without colour: series differ by position, fill pattern, marker and dash
//! as well as by colour (the Okabe–Ito palette, safe for colour-blind readers), and every chart
//! has a legend. Each is `role="img"` with a `<title>` and a `<desc>` for screen readers. A
//! suppressed figure is drawn as a hollow marker with the word "suppressed" (never as a bar or
//! a point at 0); a figure that cannot be computed leaves a gap with a note.
//!
//! The output is deterministic: coordinates are written with one decimal, and nothing depends
//! on hashing order or the clock. Ids of patterns and titles start with the `id` given, so that
//! several charts can share one HTML page.

use std::fmt::Write;

use askama::filters::{Escaper, Html};

use super::model::Figure;
use crate::locale::{self, Language};

mod approval_rates;
mod shares;
mod trend;

pub(crate) use approval_rates::approval_rates;
pub(crate) use shares::shares;
pub(crate) use trend::trend;

/// Okabe–Ito: blue, vermilion, bluish green, reddish purple, orange, sky blue.
const PALETTE: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
const DASHES: [&str; 5] = ["", "7 4", "2 3", "9 3 2 3", "4 2 1 2"];
const MARKERS: usize = 6;

const WIDTH: f64 = 720.0;
const FONT: f64 = 12.0;
/// An estimate of the average width of a character at [`FONT`] in a sans-serif face.
const CHAR_W: f64 = 6.6;
/// A white outline under a value label, so it stays legible over grid and reference lines.
const HALO: &str =
    "paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\"";
/// Labels longer than this are shortened in the chart (the full label is in its tooltip).
const MAX_LABEL: usize = 38;

/// Text made safe for SVG element content and quoted attributes, with askama's HTML escaper
/// (the one the page templates use), since a chart is embedded in the page as it is.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    Html.write_escaped_str(&mut out, text)
        .expect("writing to a String cannot fail");
    out
}

/// A coordinate with one decimal (never "-0.0").
fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    if s == "-0.0" { "0.0".to_owned() } else { s }
}

fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * CHAR_W
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(MAX_LABEL - 1).collect();
        s.push('…');
        s
    }
}

fn suppressed_word(lang: Language) -> &'static str {
    lang.pick("prickad", "suppressed")
}

fn not_computable_word(lang: Language) -> &'static str {
    lang.pick("kan inte beräknas", "not computable")
}

/// The value of a figure that may be drawn: shown and finite.
fn drawable(f: &Figure) -> Option<f64> {
    match (f.suppressed, f.value) {
        (None, Some(v)) if v.is_finite() => Some(v),
        _ => None,
    }
}

/// A figure in words, for tooltips and descriptions.
fn say_share(lang: Language, f: &Figure) -> String {
    if f.is_suppressed() {
        return suppressed_word(lang).to_owned();
    }
    match drawable(f) {
        Some(v) => locale::percent(lang, v),
        None => not_computable_word(lang).to_owned(),
    }
}

fn say_rate(lang: Language, f: &Figure) -> String {
    let mut s = say_share(lang, f);
    if let (Some(_), Some(lo), Some(hi)) = (drawable(f), f.lower, f.upper) {
        let _ = write!(
            s,
            " ({} {}–{})",
            lang.pick("95 % intervall", "95% interval"),
            locale::percent(lang, lo),
            locale::percent(lang, hi)
        );
    }
    s
}

/// Opens a chart: the root element, its title and description, and shared styles.
fn open(out: &mut String, id: &str, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
         viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"system-ui, sans-serif\" \
         font-size=\"{FONT}\">\n<title id=\"{id}-title\">{title}</title>\n\
         <desc id=\"{id}-desc\">{desc}</desc>\n",
        w = n(WIDTH),
        h = n(height),
        id = escaped(id),
        title = escaped(title),
        desc = escaped(desc),
    );
}

/// A marker of the given shape centred on (x, y).
fn marker(shape: usize, x: f64, y: f64, r: f64, style: &str) -> String {
    let pts = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|(dx, dy)| format!("{},{}", n(x + dx * r), n(y + dy * r)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match shape % MARKERS {
        0 => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
            n(x),
            n(y),
            n(r)
        ),
        1 => format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}/>",
            n(x - 0.9 * r),
            n(y - 0.9 * r),
            n(1.8 * r),
            n(1.8 * r)
        ),
        2 => format!(
            "<polygon points=\"{}\" {style}/>",
            pts(&[(0.0, -1.2), (1.1, 0.8), (-1.1, 0.8)])
        ),
        3 => format!(
            "<polygon points=\"{}\" {style}/>",
            pts(&[(0.0, -1.3), (1.3, 0.0), (0.0, 1.3), (-1.3, 0.0)])
        ),
        4 => format!(
            "<polygon points=\"{}\" {style}/>",
            pts(&[(0.0, 1.2), (1.1, -0.8), (-1.1, -0.8)])
        ),
        _ => format!(
            "<polygon points=\"{}\" {style}/>",
            pts(&[
                (-0.4, -1.2),
                (0.4, -1.2),
                (0.4, -0.4),
                (1.2, -0.4),
                (1.2, 0.4),
                (0.4, 0.4),
                (0.4, 1.2),
                (-0.4, 1.2),
                (-0.4, 0.4),
                (-1.2, 0.4),
                (-1.2, -0.4),
                (-0.4, -0.4),
            ])
        ),
    }
}

/// The hollow marker of a suppressed figure.
fn hollow(shape: usize, x: f64, y: f64, colour: &str) -> String {
    marker(
        shape,
        x,
        y,
        4.5,
        &format!(
            "fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"2 1.5\""
        ),
    )
}

/// One legend entry: a glyph drawn in a 20 x 12 box at (x, y - 9), and its text.
struct Entry {
    glyph: Box<dyn Fn(f64, f64) -> String>,
    text: String,
}

/// Lays entries out left to right from y, wrapping; returns the SVG and the height used.
fn legend(entries: &[Entry], x0: f64, y: f64) -> (String, f64) {
    let mut out = String::from("<g class=\"legend\">\n");
    let (mut x, mut y) = (x0, y);
    let line = 18.0;
    for e in entries {
        let w = 26.0 + text_width(&e.text) + 18.0;
        if x > x0 && x + w > WIDTH - 10.0 {
            x = x0;
            y += line;
        }
        out.push_str(&(e.glyph)(x, y));
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            n(x + 26.0),
            n(y),
            escaped(&e.text)
        );
        x += w;
    }
    out.push_str("</g>\n");
    (out, y)
}

/// The width of the label column for these labels.
fn label_column(labels: &[String]) -> f64 {
    let widest = labels
        .iter()
        .map(|l| text_width(&shorten(l)))
        .fold(0.0, f64::max);
    (widest + 16.0).clamp(90.0, 290.0)
}

/// A row label, right-aligned at x, with the full label as tooltip when shortened.
fn row_label(x: f64, y: f64, label: &str) -> String {
    format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        n(x),
        n(y),
        escaped(&shorten(label))
    )
}

/// Vertical grid lines and percentage tick labels from 0 to `upper` every `step`.
fn x_axis(
    lang: Language,
    x0: f64,
    x1: f64,
    top: f64,
    bottom: f64,
    upper: f64,
    step: f64,
) -> String {
    let mut out = String::from("<g class=\"axis\">\n");
    let ticks = (upper / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let x = x0 + (x1 - x0) * v / upper;
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{t}\" x2=\"{x}\" y2=\"{b}\" stroke=\"{c}\" stroke-width=\"1\"/>\
             <text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>",
            x = n(x),
            t = n(top),
            b = n(bottom),
            c = if i == 0 { "#333" } else { "#ccc" },
            ty = n(bottom + 15.0),
            label = escaped(&format!(
                "{}{}",
                locale::number(lang, v * 100.0, 0),
                lang.pick("\u{a0}%", "%")
            )),
        );
    }
    out.push_str("</g>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::tests::sample;

    fn every_chart(lang: Language) -> Vec<String> {
        let mut r = sample();
        r.request.language = lang;
        let mut out = Vec::new();
        for (i, t) in r.tables.iter().enumerate() {
            out.push(approval_rates(&format!("t{i}-rates"), lang, t));
            out.push(shares(&format!("t{i}-shares"), lang, t));
        }
        for (i, t) in r.trend.iter().enumerate() {
            out.push(trend(&format!("tr{i}"), lang, t));
        }
        out
    }

    #[test]
    fn every_chart_is_an_image_with_a_title_and_a_description() {
        for chart in every_chart(Language::En) {
            assert!(chart.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(chart.contains("role=\"img\""));
            assert!(chart.contains("aria-labelledby=\""));
            assert_eq!(chart.matches("<title id=").count(), 1);
            assert_eq!(chart.matches("<desc id=").count(), 1);
            assert!(chart.trim_end().ends_with("</svg>"));
            assert_eq!(
                chart.matches("<svg").count(),
                chart.matches("</svg>").count()
            );
        }
    }

    #[test]
    fn text_is_escaped() {
        for chart in every_chart(Language::En) {
            assert!(!chart.contains("Ltd <b>"), "{chart}");
            assert!(!chart.contains("\"quoted\""));
            assert!(!chart.contains("A & B"));
        }
        let charts = every_chart(Language::En).join("");
        assert!(charts.contains("&#60;b&#62;"));
        assert!(charts.contains("A &#38; B"));
        assert!(charts.contains("&#34;quoted&#34;"));
    }

    #[test]
    fn suppressed_values_are_hollow_markers_labelled_not_zero_bars() {
        let r = sample();
        let t = &r.tables[0];
        let chart = shares("x", Language::En, t);
        assert!(chart.contains("suppressed"));
        assert!(chart.contains("stroke-dasharray=\"2 1.5\""));
        // No bar of zero width.
        assert!(!chart.contains("width=\"0.0\""));
        let chart = approval_rates("x", Language::Sv, t);
        assert!(chart.contains("prickad"));
        assert!(!chart.contains(">0,0\u{a0}%"));
        assert!(chart.contains("blandat kön: prickad."));
        let chart = trend("x", Language::En, &r.trend[0]);
        assert!(chart.contains("suppressed: 2018-H1"));
    }

    #[test]
    fn patterns_have_the_chart_id_and_bars_a_legend() {
        let r = sample();
        let chart = shares("t0-shares", Language::En, &r.tables[0]);
        assert!(chart.contains("id=\"t0-shares-hatch\""));
        assert!(chart.contains("url(#t0-shares-hatch)"));
        assert!(chart.contains("url(#t0-shares-cross)"));
        assert!(chart.contains("share of applicants"));
        assert!(chart.contains("no baseline"));
    }

    #[test]
    fn charts_are_deterministic() {
        assert_eq!(every_chart(Language::Sv), every_chart(Language::Sv));
        assert_eq!(every_chart(Language::En), every_chart(Language::En));
    }

    #[test]
    fn coordinates_have_fixed_decimals() {
        assert_eq!(n(-0.01), "0.0");
        assert_eq!(n(1.0 / 3.0), "0.3");
        assert_eq!(shorten(&"x".repeat(60)).chars().count(), MAX_LABEL);
    }
}
