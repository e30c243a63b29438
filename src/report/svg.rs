//! Small SVG charts for the HTML report, written by hand.
//!
//! * [`approval_rates`]: approval rate per group with its 95 % interval (dot and whisker), with a
//!   dashed reference line at the total rate.
//! * [`shares`]: per group, bars side by side for the share of applicants, the share of granted
//!   SEK and the baseline share.
//! * [`trend`]: the approval rate per period as one line per group.
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

use super::model::{Figure, GroupRow, GroupTable, TrendTable};
use crate::analysis::engine::GroupValue;
use crate::analysis::explain;
use crate::analysis::labels::Language;

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

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
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
        Some(v) => explain::percent(lang, v),
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
            explain::percent(lang, lo),
            explain::percent(lang, hi)
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
        id = escape(id),
        title = escape(title),
        desc = escape(desc),
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
            escape(&e.text)
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
        escape(&shorten(label))
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
            label = escape(&format!(
                "{}{}",
                explain::number(lang, v * 100.0, 0),
                lang.pick("\u{a0}%", "%")
            )),
        );
    }
    out.push_str("</g>\n");
    out
}

/// (a) Approval rate per group with its 95 % interval, and a dashed line at the total rate.
pub(crate) fn approval_rates(id: &str, lang: Language, table: &GroupTable) -> String {
    let rows = &table.rows;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_w = label_column(&labels);
    let (x0, x1) = (label_w + 10.0, WIDTH - 24.0);
    let row_h = 24.0;
    let total_rate = drawable(&table.total.approval_rate);
    let total_text = format!(
        "{}: {}",
        table.total.label,
        say_share(lang, &table.total.approval_rate)
    );

    let ink = PALETTE[0];
    let entries = vec![
        Entry {
            glyph: Box::new(move |x, y| {
                format!(
                    "<line x1=\"{}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\" stroke=\"#000\" stroke-width=\"1.5\"/>{}\n",
                    n(x),
                    n(x + 20.0),
                    marker(
                        0,
                        x + 10.0,
                        y - 4.0,
                        4.5,
                        &format!("fill=\"{ink}\" stroke=\"#000\"")
                    ),
                    yy = n(y - 4.0),
                )
            }),
            text: lang
                .pick(
                    "andel beviljade med 95 % intervall",
                    "approval rate with 95% interval",
                )
                .to_owned(),
        },
        Entry {
            glyph: Box::new(|x, y| {
                format!(
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
                    n(x + 10.0),
                    n(y - 11.0),
                    n(x + 10.0),
                    n(y + 3.0)
                )
            }),
            text: total_text.clone(),
        },
        Entry {
            glyph: Box::new(|x, y| hollow(0, x + 10.0, y - 4.0, "#000") + "\n"),
            text: suppressed_word(lang).to_owned(),
        },
    ];
    let (legend_svg, legend_bottom) = legend(&entries, 10.0, 16.0);
    let top = legend_bottom + 14.0;
    let bottom = top + row_h * rows.len().max(1) as f64;
    let height = bottom + 28.0;

    let title = format!(
        "{}: {}",
        lang.pick("Andel beviljade per grupp", "Approval rate per group"),
        table.title
    );
    let mut desc = format!(
        "{} {}.",
        lang.pick(
            "Punkt med streck: andelen beviljade av de beslutade med 95 % intervall. Streckad linje:",
            "Dot and whisker: the share of decided applications approved, with its 95% interval. Dashed line:"
        ),
        total_text
    );
    for r in rows {
        let _ = write!(desc, " {}: {}.", r.label, say_rate(lang, &r.approval_rate));
    }

    let mut out = String::new();
    open(&mut out, id, height, &title, &desc);
    out.push_str(&legend_svg);
    for (i, _) in rows.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let _ = writeln!(
            out,
            "<rect x=\"0.0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f2f2f2\"/>",
            n(top + row_h * i as f64),
            n(WIDTH),
            n(row_h)
        );
    }
    out.push_str(&x_axis(lang, x0, x1, top, bottom, 1.0, 0.2));
    let x_of = |v: f64| x0 + (x1 - x0) * v.clamp(0.0, 1.0);
    if let Some(t) = total_rate {
        let _ = writeln!(
            out,
            "<line class=\"total\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
            n(top),
            n(bottom),
            x = n(x_of(t)),
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let cy = top + row_h * (i as f64 + 0.5);
        let _ = writeln!(
            out,
            "<g class=\"row\"><title>{}: {}</title>",
            escape(&r.label),
            escape(&say_rate(lang, &r.approval_rate))
        );
        out.push_str(&row_label(label_w, cy + 4.0, &r.label));
        let f = &r.approval_rate;
        match drawable(f) {
            Some(v) => {
                let (lo, hi) = (f.lower.unwrap_or(v), f.upper.unwrap_or(v));
                let (xl, xh, xv) = (x_of(lo), x_of(hi), x_of(v));
                let _ = writeln!(
                    out,
                    "<line x1=\"{l}\" y1=\"{y}\" x2=\"{h}\" y2=\"{y}\" stroke=\"#000\" stroke-width=\"1.5\"/>\
                     <line x1=\"{l}\" y1=\"{a}\" x2=\"{l}\" y2=\"{b}\" stroke=\"#000\" stroke-width=\"1.5\"/>\
                     <line x1=\"{h}\" y1=\"{a}\" x2=\"{h}\" y2=\"{b}\" stroke=\"#000\" stroke-width=\"1.5\"/>",
                    l = n(xl),
                    h = n(xh),
                    y = n(cy),
                    a = n(cy - 5.0),
                    b = n(cy + 5.0),
                );
                out.push_str(&marker(
                    0,
                    xv,
                    cy,
                    4.5,
                    &format!("fill=\"{ink}\" stroke=\"#000\""),
                ));
                let text = explain::percent(lang, v);
                let (tx, anchor) = if xh + 6.0 + text_width(&text) <= WIDTH - 2.0 {
                    (xh + 6.0, "start")
                } else {
                    (xl - 6.0, "end")
                };
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" {HALO}>{}</text>",
                    n(tx),
                    n(cy + 4.0),
                    escape(&text)
                );
            }
            None if f.is_suppressed() => {
                out.push_str(&hollow(0, x0 + 10.0, cy, "#000"));
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-style=\"italic\">{}</text>",
                    n(x0 + 20.0),
                    n(cy + 4.0),
                    suppressed_word(lang)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-style=\"italic\">{}</text>",
                    n(x0 + 6.0),
                    n(cy + 4.0),
                    not_computable_word(lang)
                );
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// One series of bars in [`shares`].
struct BarSeries {
    name: String,
    fill: String,
    value: fn(&GroupRow) -> Option<Figure>,
}

/// The defs of the bar fills: solid, hatched and cross-hatched.
fn bar_patterns(id: &str) -> String {
    format!(
        "<defs>\n\
         <pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"{orange}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000\" stroke-width=\"2\"/></pattern>\n\
         <pattern id=\"{id}-cross\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" fill=\"#fff\"/><path d=\"M0,0 L6,6 M6,0 L0,6\" stroke=\"{green}\" stroke-width=\"1.2\"/></pattern>\n\
         </defs>\n",
        id = escape(id),
        orange = PALETTE[4],
        green = PALETTE[2],
    )
}

/// (b) Per group, bars side by side: share of applicants, share of granted SEK, and the
/// baseline share where a baseline gives one.
pub(crate) fn shares(id: &str, lang: Language, table: &GroupTable) -> String {
    let rows = &table.rows;
    let with_baseline = rows.iter().any(|r| r.baseline_share.is_some());
    let mut series = vec![
        BarSeries {
            name: lang
                .pick("andel av de sökande", "share of applicants")
                .to_owned(),
            fill: PALETTE[0].to_owned(),
            value: |r| Some(r.share_of_applicants),
        },
        BarSeries {
            name: lang
                .pick("andel av beviljade kronor", "share of granted SEK")
                .to_owned(),
            fill: format!("url(#{}-hatch)", escape(id)),
            value: |r| Some(r.share_of_granted),
        },
    ];
    if with_baseline {
        series.push(BarSeries {
            name: lang
                .pick(
                    "basnivå (andel av dem som kunde ha sökt)",
                    "baseline (share of those who could have applied)",
                )
                .to_owned(),
            fill: format!("url(#{}-cross)", escape(id)),
            value: |r| r.baseline_share.map(Figure::shown),
        });
    }

    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_w = label_column(&labels);
    let (x0, x1) = (label_w + 10.0, WIDTH - 70.0);
    let (bar_h, bar_gap, group_gap) = (12.0, 2.0, 12.0);
    let band = series.len() as f64 * (bar_h + bar_gap) - bar_gap;
    let max = rows
        .iter()
        .flat_map(|r| {
            series
                .iter()
                .filter_map(|s| (s.value)(r).and_then(|f| drawable(&f)))
        })
        .fold(0.0, f64::max);
    let upper = ((max * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
    let step = if upper <= 0.5 { 0.1 } else { 0.2 };
    let upper = if upper > 0.5 {
        ((upper / 0.2).ceil() * 0.2).min(1.0)
    } else {
        upper
    };

    let mut entries: Vec<Entry> = series
        .iter()
        .map(|s| {
            let fill = s.fill.clone();
            Entry {
                glyph: Box::new(move |x, y| {
                    format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"20.0\" height=\"12.0\" fill=\"{fill}\" stroke=\"#000\" stroke-width=\"0.75\"/>\n",
                        n(x),
                        n(y - 10.0)
                    )
                }),
                text: s.name.clone(),
            }
        })
        .collect();
    entries.push(Entry {
        glyph: Box::new(|x, y| {
            format!(
                "<rect x=\"{}\" y=\"{}\" width=\"9.0\" height=\"9.0\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.2\" stroke-dasharray=\"2 1.5\"/>\n",
                n(x + 5.5),
                n(y - 8.5)
            )
        }),
        text: suppressed_word(lang).to_owned(),
    });
    let (legend_svg, legend_bottom) = legend(&entries, 10.0, 16.0);
    let top = legend_bottom + 14.0;
    let bottom = top + rows.len().max(1) as f64 * (band + group_gap);
    let height = bottom + 28.0;

    let title = format!(
        "{}: {}",
        lang.pick(
            "Andel av sökande och av beviljade kronor per grupp",
            "Share of applicants and of granted SEK per group"
        ),
        table.title
    );
    let order: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    let mut desc = format!(
        "{} {}.",
        lang.pick("Staplar per grupp, i ordning:", "Bars per group, in order:"),
        order.join("; ")
    );
    for r in rows {
        let parts: Vec<String> = series
            .iter()
            .map(|s| match (s.value)(r) {
                Some(f) => format!("{} {}", s.name, say_share(lang, &f)),
                None => format!("{} {}", s.name, lang.pick("saknas", "none")),
            })
            .collect();
        let _ = write!(desc, " {}: {}.", r.label, parts.join(", "));
    }

    let mut out = String::new();
    open(&mut out, id, height, &title, &desc);
    out.push_str(&bar_patterns(id));
    out.push_str(&legend_svg);
    out.push_str(&x_axis(lang, x0, x1, top, bottom, upper, step));
    let x_of = |v: f64| x0 + (x1 - x0) * v.clamp(0.0, upper) / upper;
    for (i, r) in rows.iter().enumerate() {
        let gy = top + group_gap / 2.0 + i as f64 * (band + group_gap);
        let _ = writeln!(
            out,
            "<g class=\"group\"><title>{}</title>",
            escape(&r.label)
        );
        out.push_str(&row_label(label_w, gy + band / 2.0 + 4.0, &r.label));
        for (k, s) in series.iter().enumerate() {
            let y = gy + k as f64 * (bar_h + bar_gap);
            let ty = n(y + bar_h - 2.0);
            match (s.value)(r) {
                Some(f) => match drawable(&f) {
                    Some(v) => {
                        let text = explain::percent(lang, v);
                        let _ = writeln!(
                            out,
                            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.75\"><title>{}: {}</title></rect>\
                             <text x=\"{}\" y=\"{ty}\" {HALO}>{}</text>",
                            n(x0),
                            n(y),
                            n((x_of(v) - x0).max(0.0)),
                            n(bar_h),
                            s.fill,
                            escape(&s.name),
                            escape(&text),
                            n(x_of(v) + 4.0),
                            escape(&text),
                        );
                    }
                    None if f.is_suppressed() => {
                        let _ = writeln!(
                            out,
                            "<rect x=\"{}\" y=\"{}\" width=\"9.0\" height=\"9.0\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.2\" stroke-dasharray=\"2 1.5\"/>\
                             <text x=\"{}\" y=\"{ty}\" font-style=\"italic\">{}: {}</text>",
                            n(x0 + 3.0),
                            n(y + 1.5),
                            n(x0 + 16.0),
                            escape(&s.name),
                            suppressed_word(lang),
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "<text x=\"{}\" y=\"{ty}\" font-style=\"italic\">{}: {}</text>",
                            n(x0 + 4.0),
                            escape(&s.name),
                            not_computable_word(lang),
                        );
                    }
                },
                None => {
                    let _ = writeln!(
                        out,
                        "<text x=\"{}\" y=\"{ty}\" font-style=\"italic\">{}</text>",
                        n(x0 + 4.0),
                        lang.pick("ingen basnivå", "no baseline"),
                    );
                }
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// One line of [`trend`]: a group, or the total.
struct Line<'a> {
    group: &'a [GroupValue],
    label: &'a str,
    /// The approval rate per period, in the order of the table's periods.
    points: Vec<Option<&'a Figure>>,
}

/// (c) The approval rate per period: one line per group, with its own colour, marker and
/// dash, and the total as a thick grey line. Suppressed points are gaps in the line, with a
/// hollow marker in the "suppressed" strip under the axis.
pub(crate) fn trend(id: &str, lang: Language, table: &TrendTable) -> String {
    let periods = &table.periods;
    let mut lines: Vec<Line> = Vec::new();
    for row in &table.rows {
        let Some(p) = periods.iter().position(|p| *p == row.period) else {
            continue;
        };
        let line = match lines
            .iter_mut()
            .position(|l| l.group == row.group.as_slice())
        {
            Some(i) => &mut lines[i],
            None => {
                lines.push(Line {
                    group: &row.group,
                    label: &row.label,
                    points: vec![None; periods.len()],
                });
                lines.last_mut().expect("just pushed")
            }
        };
        line.points[p] = Some(&row.approval_rate);
    }
    // The total first, drawn under the groups.
    lines.sort_by_key(|l| !l.group.is_empty());

    let style = |i: usize, l: &Line| -> (String, String, f64, usize) {
        if l.group.is_empty() {
            ("#555".to_owned(), String::new(), 3.0, 0)
        } else {
            let k = i - usize::from(lines.first().is_some_and(|t| t.group.is_empty()));
            (
                PALETTE[k % PALETTE.len()].to_owned(),
                DASHES[k % DASHES.len()].to_owned(),
                1.75,
                k % MARKERS,
            )
        }
    };

    let (x0, x1) = (56.0, WIDTH - 20.0);
    let (top, plot_h) = (20.0, 220.0);
    let bottom = top + plot_h;
    let n_p = periods.len().max(1) as f64;
    let spacing = (x1 - x0) / n_p;
    let x_of = |i: usize| x0 + spacing * (i as f64 + 0.5);
    let y_of = |v: f64| bottom - plot_h * v.clamp(0.0, 1.0);
    let widest = periods.iter().map(|p| text_width(p)).fold(0.0, f64::max);
    let rotate = widest + 8.0 > spacing;
    let axis_h = if rotate { widest * 0.72 + 18.0 } else { 22.0 };
    let any_suppressed = lines
        .iter()
        .any(|l| l.points.iter().flatten().any(|f| f.is_suppressed()));
    let strip_y = bottom + axis_h + 12.0;
    let legend_top = strip_y + if any_suppressed { 26.0 } else { 4.0 };
    let legend_h = 20.0 * lines.len() as f64;
    let height = legend_top + legend_h + 8.0;

    let title = format!(
        "{}: {}",
        lang.pick("Andel beviljade per period", "Approval rate per period"),
        table.title
    );
    let names: Vec<&str> = lines.iter().map(|l| l.label).collect();
    let desc = format!(
        "{} {} {}{}. {}",
        lang.pick(
            "Linjer för andelen beviljade av de beslutade, från",
            "Lines of the share of decided applications approved, from"
        ),
        periods.first().map(String::as_str).unwrap_or("–"),
        lang.pick("till ", "to "),
        periods.last().map(String::as_str).unwrap_or("–"),
        format_args!(
            "{}: {}. {}",
            lang.pick("Linjer", "Lines"),
            names.join("; "),
            lang.pick(
                "Prickade värden är luckor i linjen. Siffrorna finns i tabellen.",
                "Suppressed values are gaps in the line. The figures are in the table."
            )
        ),
    );

    let mut out = String::new();
    open(&mut out, id, height, &title, &desc);
    // Horizontal grid and percentage labels.
    out.push_str("<g class=\"axis\">\n");
    for i in 0..=5 {
        let v = 0.2 * i as f64;
        let y = y_of(v);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            n(x0),
            n(x1),
            if i == 0 { "#333" } else { "#ccc" },
            n(x0 - 6.0),
            n(y + 4.0),
            escape(&format!(
                "{}{}",
                explain::number(lang, v * 100.0, 0),
                lang.pick("\u{a0}%", "%")
            )),
            y = n(y),
        );
    }
    for (i, p) in periods.iter().enumerate() {
        let x = x_of(i);
        if rotate {
            let _ = writeln!(
                out,
                "<text x=\"{x}\" y=\"{y}\" text-anchor=\"end\" transform=\"rotate(-45 {x} {y})\">{}</text>",
                escape(p),
                x = n(x),
                y = n(bottom + 14.0),
            );
        } else {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                n(x),
                n(bottom + 16.0),
                escape(p)
            );
        }
    }
    out.push_str("</g>\n");
    if any_suppressed {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-style=\"italic\">{}</text>",
            n(x0 - 6.0),
            n(strip_y + 4.0),
            suppressed_word(lang)
        );
    }

    let count = lines.len().max(1) as f64;
    let offset_step = (spacing / (count + 1.0)).min(9.0);
    for (i, l) in lines.iter().enumerate() {
        let (colour, dash, width, shape) = style(i, l);
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let _ = writeln!(out, "<g class=\"line\"><title>{}</title>", escape(l.label));
        // Runs of drawable points, broken by suppressed or missing ones.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (p, f) in l.points.iter().enumerate() {
            match f.and_then(drawable) {
                Some(v) => runs
                    .last_mut()
                    .expect("never empty")
                    .push((x_of(p), y_of(v))),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| r.len() > 1) {
            let d: Vec<String> = run
                .iter()
                .enumerate()
                .map(|(k, (x, y))| format!("{}{},{}", if k == 0 { "M" } else { "L" }, n(*x), n(*y)))
                .collect();
            let _ = writeln!(
                out,
                "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\"{dash_attr}/>",
                d.join(" "),
                n(width)
            );
        }
        let marker_style = format!("fill=\"{colour}\" stroke=\"#000\" stroke-width=\"0.75\"");
        for (p, f) in l.points.iter().enumerate() {
            let Some(f) = f else { continue };
            match drawable(f) {
                Some(v) if !l.group.is_empty() => {
                    let _ = writeln!(
                        out,
                        "<g><title>{} {}: {}</title>{}</g>",
                        escape(l.label),
                        escape(&periods[p]),
                        escape(&explain::percent(lang, v)),
                        marker(shape, x_of(p), y_of(v), 4.0, &marker_style)
                    );
                }
                Some(v) => {
                    // The total: a small square, so a lone point still shows.
                    let _ = writeln!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"5.0\" height=\"5.0\" fill=\"#555\"/>",
                        n(x_of(p) - 2.5),
                        n(y_of(v) - 2.5)
                    );
                }
                None if f.is_suppressed() => {
                    let x = x_of(p) + (i as f64 - (count - 1.0) / 2.0) * offset_step;
                    let _ = writeln!(out, "{}", hollow(shape, x, strip_y, &colour));
                }
                None => {}
            }
        }
        out.push_str("</g>\n");
    }

    // The legend: one line per series, with what is missing.
    out.push_str("<g class=\"legend\">\n");
    for (i, l) in lines.iter().enumerate() {
        let (colour, dash, width, shape) = style(i, l);
        let y = legend_top + 20.0 * i as f64 + 10.0;
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"{}\"{dash_attr}/>",
            n(x0),
            n(x0 + 36.0),
            n(width),
            y = n(y - 4.0),
        );
        if !l.group.is_empty() {
            out.push_str(&marker(
                shape,
                x0 + 18.0,
                y - 4.0,
                4.0,
                &format!("fill=\"{colour}\" stroke=\"#000\" stroke-width=\"0.75\""),
            ));
        }
        let mut text = l.label.to_owned();
        let missing = |pred: fn(&Figure) -> bool| -> Vec<&str> {
            l.points
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_some_and(pred))
                .map(|(p, _)| periods[p].as_str())
                .collect()
        };
        let suppressed = missing(|f| f.is_suppressed());
        let uncomputable = missing(|f| !f.is_suppressed() && drawable(f).is_none());
        if !suppressed.is_empty() {
            let _ = write!(
                text,
                " — {}: {}",
                suppressed_word(lang),
                suppressed.join(", ")
            );
        }
        if !uncomputable.is_empty() {
            let _ = write!(
                text,
                " — {}: {}",
                not_computable_word(lang),
                uncomputable.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            n(x0 + 46.0),
            n(y),
            escape(&text)
        );
    }
    out.push_str("</g>\n</svg>\n");
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
        assert!(charts.contains("&lt;b&gt;"));
        assert!(charts.contains("A &amp; B"));
        assert!(charts.contains("&quot;quoted&quot;"));
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
