//! (a) Approval rate per group with its 95 % interval, and a dashed line at the total rate.

use std::fmt::Write;

use super::{
    Entry, HALO, PALETTE, WIDTH, drawable, escaped, hollow, label_column, legend, marker, n,
    not_computable_word, open, row_label, say_rate, say_share, suppressed_word, text_width, x_axis,
};
use crate::locale::{self, Language};
use crate::report::model::GroupTable;

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
            escaped(&r.label),
            escaped(&say_rate(lang, &r.approval_rate))
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
                let text = locale::percent(lang, v);
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
                    escaped(&text)
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
