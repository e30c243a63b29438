//! (b) Per group, bars side by side: share of applicants, share of granted SEK, and the
//! baseline share where a baseline gives one.

use std::fmt::Write;

use super::{
    Entry, HALO, PALETTE, WIDTH, drawable, escaped, label_column, legend, n, not_computable_word,
    open, row_label, say_share, suppressed_word, x_axis,
};
use crate::locale::{self, Language};
use crate::report::model::{Figure, GroupRow, GroupTable};

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
        id = escaped(id),
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
            fill: format!("url(#{}-hatch)", escaped(id)),
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
            fill: format!("url(#{}-cross)", escaped(id)),
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
            escaped(&r.label)
        );
        out.push_str(&row_label(label_w, gy + band / 2.0 + 4.0, &r.label));
        for (k, s) in series.iter().enumerate() {
            let y = gy + k as f64 * (bar_h + bar_gap);
            let ty = n(y + bar_h - 2.0);
            match (s.value)(r) {
                Some(f) => match drawable(&f) {
                    Some(v) => {
                        let text = locale::percent(lang, v);
                        let _ = writeln!(
                            out,
                            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#000\" stroke-width=\"0.75\"><title>{}: {}</title></rect>\
                             <text x=\"{}\" y=\"{ty}\" {HALO}>{}</text>",
                            n(x0),
                            n(y),
                            n((x_of(v) - x0).max(0.0)),
                            n(bar_h),
                            s.fill,
                            escaped(&s.name),
                            escaped(&text),
                            n(x_of(v) + 4.0),
                            escaped(&text),
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
                            escaped(&s.name),
                            suppressed_word(lang),
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "<text x=\"{}\" y=\"{ty}\" font-style=\"italic\">{}: {}</text>",
                            n(x0 + 4.0),
                            escaped(&s.name),
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
