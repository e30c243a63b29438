//! (c) The approval rate per period, one line per group.

use std::fmt::Write;

use super::{
    DASHES, MARKERS, PALETTE, WIDTH, drawable, escaped, hollow, marker, n, not_computable_word,
    open, suppressed_word, text_width,
};
use crate::analysis::findings::GroupValue;
use crate::locale::{self, Language};
use crate::report::model::{Figure, TrendTable};

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
            escaped(&format!(
                "{}{}",
                locale::number(lang, v * 100.0, 0),
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
                escaped(p),
                x = n(x),
                y = n(bottom + 14.0),
            );
        } else {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                n(x),
                n(bottom + 16.0),
                escaped(p)
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
        let _ = writeln!(out, "<g class=\"line\"><title>{}</title>", escaped(l.label));
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
                        escaped(l.label),
                        escaped(&periods[p]),
                        escaped(&locale::percent(lang, v)),
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
            escaped(&text)
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}
