//! Cells: sufficient statistics of the applications that share a call, a month of receipt and a
//! combination of groups. Every statistic the rules need (counts, sums, and histograms for the
//! rank tests) adds up over cells, so an evaluation costs what its cells cost, not its rows.
//!
//! Amounts are histogrammed in log-spaced bins (ten per decade), cuts (granted / applied) in 5 %
//! bins and days to decision exactly; the rank tests treat a bin as a tie (docs/rules.md).

use chrono::{Datelike, NaiveDate};

use crate::domain::application::Outcome;
use crate::domain::money::Ore;

/// A sparse histogram: (bin, count) sorted by bin, no zero counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Histogram(Vec<(u32, i64)>);

impl Histogram {
    pub fn single(bin: u32) -> Self {
        Self(vec![(bin, 1)])
    }

    pub fn bins(&self) -> &[(u32, i64)] {
        &self.0
    }

    pub fn total(&self) -> i64 {
        self.0.iter().map(|(_, c)| c).sum()
    }

    /// Adds `sign` times `other` (sign -1 removes an earlier contribution).
    pub fn add(&mut self, other: &Histogram, sign: i64) {
        for &(bin, count) in &other.0 {
            match self.0.binary_search_by_key(&bin, |(b, _)| *b) {
                Ok(i) => {
                    self.0[i].1 += sign * count;
                    if self.0[i].1 == 0 {
                        self.0.remove(i);
                    }
                }
                Err(i) => self.0.insert(i, (bin, sign * count)),
            }
        }
    }

    /// "bin:count,bin:count"
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.0.len() * 8);
        for (i, (bin, count)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&bin.to_string());
            out.push(':');
            out.push_str(&count.to_string());
        }
        out
    }

    /// Parses "bin:count,bin:count" (a hand-written parser: evaluations decode thousands).
    pub fn decode(text: &str) -> Result<Self, String> {
        let bad = || format!("bad histogram {text:?}");
        let mut bins = Vec::with_capacity(text.len() / 4);
        let (mut number, mut bin, mut digits) = (0i64, None::<u32>, 0);
        for &b in text.as_bytes().iter().chain(std::iter::once(&b',')) {
            match b {
                b'0'..=b'9' => {
                    number = number
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(i64::from(b - b'0')))
                        .ok_or_else(bad)?;
                    digits += 1;
                }
                b'-' if digits == 0 && bin.is_some() => return Err(bad()),
                b':' if digits > 0 && bin.is_none() => {
                    bin = Some(u32::try_from(number).map_err(|_| bad())?);
                    (number, digits) = (0, 0);
                }
                b',' if text.is_empty() => break,
                b',' if digits > 0 => {
                    bins.push((bin.take().ok_or_else(bad)?, number));
                    (number, digits) = (0, 0);
                }
                _ => return Err(bad()),
            }
        }
        bins.sort_unstable_by_key(|(b, _)| *b);
        Ok(Self(bins))
    }

    /// Counts as the rank tests take them.
    pub fn as_counts(&self) -> Vec<(u32, u64)> {
        self.0
            .iter()
            .filter(|(_, c)| *c > 0)
            .map(|&(b, c)| (b, c as u64))
            .collect()
    }
}

/// Ten bins per decade of SEK: bin k holds amounts in [10^(k/10), 10^((k+1)/10)).
pub fn granted_bin(granted: Ore) -> u32 {
    let sek = granted.as_sek().max(1.0);
    ((10.0 * sek.log10()).floor() as u32).min(120)
}

/// Lower edge of a granted-amount bin, in SEK.
pub fn granted_bin_floor(bin: u32) -> f64 {
    10f64.powf(f64::from(bin) / 10.0)
}

/// 5 % bins of granted / applied; everything at or above 100 % is bin 20.
pub fn cut_bin(granted: Ore, applied: Ore) -> u32 {
    if applied.0 <= 0 {
        return 20;
    }
    let ratio = granted.0 as f64 / applied.0 as f64;
    ((ratio * 20.0).floor().max(0.0) as u32).min(20)
}

/// Weeks from receipt to decision (whole days / 7), capped at ten years: time to decision is
/// compared in weeks, which keeps cells small; the mean itself is kept exactly in `days_sum`.
pub fn days_bin(days: i64) -> u32 {
    (days.clamp(0, 3653) / 7) as u32
}

/// Calendar month as yyyymm, the time grain of cells.
pub fn month_of(date: NaiveDate) -> i32 {
    date.year() * 100 + date.month() as i32
}

/// The statistics of one cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellStats {
    /// Applications received.
    pub applications: i64,
    /// Decided on the merits (approved, partly approved, rejected).
    pub judged: i64,
    /// Approved in full or in part.
    pub approved: i64,
    pub withdrawn: i64,
    /// Applied for, over all applications.
    pub applied_ore: i64,
    /// Applied for, over judged applications.
    pub judged_applied_ore: i64,
    /// Applied for, over approved applications (the base of the cut).
    pub approved_applied_ore: i64,
    pub granted_ore: i64,
    /// Sum of squared grants in SEK over judged applications (rejections count as zero), for the
    /// variance of a group's share of the money.
    pub granted_sq_sek: f64,
    /// Days from receipt to decision, summed over judged applications.
    pub days_sum: i64,
    /// Granted amounts of approved applications.
    pub hist_granted: Histogram,
    /// Granted / applied of approved applications.
    pub hist_cut: Histogram,
    /// Days to decision of judged applications.
    pub hist_days: Histogram,
}

/// The figures of one application that cells are made of.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationFigures {
    pub received_on: NaiveDate,
    pub applied: Ore,
    /// The latest decision: outcome, amount granted, date.
    pub decision: Option<(Outcome, Ore, NaiveDate)>,
}

impl CellStats {
    /// What one application adds to its cell.
    pub fn of_application(figures: &ApplicationFigures) -> Self {
        let mut stats = CellStats {
            applications: 1,
            applied_ore: figures.applied.0,
            ..Default::default()
        };
        if let Some((outcome, granted, decided_on)) = figures.decision {
            if outcome == Outcome::Withdrawn {
                stats.withdrawn = 1;
            } else {
                let days = (decided_on - figures.received_on).num_days();
                stats.judged = 1;
                stats.judged_applied_ore = figures.applied.0;
                stats.days_sum = days;
                stats.hist_days = Histogram::single(days_bin(days));
                let sek = granted.as_sek();
                stats.granted_sq_sek = sek * sek;
                if outcome.is_approval() {
                    stats.approved = 1;
                    stats.approved_applied_ore = figures.applied.0;
                    stats.granted_ore = granted.0;
                    stats.hist_granted = Histogram::single(granted_bin(granted));
                    stats.hist_cut = Histogram::single(cut_bin(granted, figures.applied));
                }
            }
        }
        stats
    }

    /// Adds `sign` times `other`.
    pub fn add(&mut self, other: &CellStats, sign: i64) {
        self.applications += sign * other.applications;
        self.judged += sign * other.judged;
        self.approved += sign * other.approved;
        self.withdrawn += sign * other.withdrawn;
        self.applied_ore += sign * other.applied_ore;
        self.judged_applied_ore += sign * other.judged_applied_ore;
        self.approved_applied_ore += sign * other.approved_applied_ore;
        self.granted_ore += sign * other.granted_ore;
        self.granted_sq_sek += sign as f64 * other.granted_sq_sek;
        self.days_sum += sign * other.days_sum;
        self.hist_granted.add(&other.hist_granted, sign);
        self.hist_cut.add(&other.hist_cut, sign);
        self.hist_days.add(&other.hist_days, sign);
    }

    /// A cell with no applications left can be deleted.
    pub fn is_empty(&self) -> bool {
        self.applications == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn histogram_adds_and_removes() {
        let mut h = Histogram::default();
        h.add(&Histogram::single(5), 1);
        h.add(&Histogram::single(3), 1);
        h.add(&Histogram::single(5), 1);
        assert_eq!(h.encode(), "3:1,5:2");
        h.add(&Histogram::single(3), -1);
        assert_eq!(h.encode(), "5:2");
        assert_eq!(Histogram::decode("5:2,1:4").unwrap().encode(), "1:4,5:2");
        assert_eq!(Histogram::decode("").unwrap(), Histogram::default());
        for bad in [
            "x",
            "1",
            "1:",
            ":1",
            "1:2,",
            "1:2:3",
            "1::2",
            "a:1",
            "99999999999:1",
        ] {
            assert!(Histogram::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bins() {
        assert_eq!(granted_bin(Ore(100_000 * 100)), 50);
        assert_eq!(granted_bin(Ore(99_999 * 100)), 49);
        assert_eq!(cut_bin(Ore(80), Ore(100)), 16);
        assert_eq!(cut_bin(Ore(120), Ore(100)), 20);
        assert_eq!(month_of(d("2017-03-01")), 201703);
    }

    #[test]
    fn an_application_contributes_and_can_be_removed() {
        let figures = ApplicationFigures {
            received_on: d("2017-03-01"),
            applied: Ore(25_000_000),
            decision: Some((Outcome::Approved, Ore(20_000_000), d("2017-04-15"))),
        };
        let one = CellStats::of_application(&figures);
        assert_eq!((one.applications, one.judged, one.approved), (1, 1, 1));
        assert_eq!(one.days_sum, 45);
        assert_eq!(one.hist_days.encode(), "6:1");
        assert_eq!(one.hist_cut.encode(), "16:1");
        let mut cell = CellStats::default();
        cell.add(&one, 1);
        cell.add(&one, 1);
        cell.add(&one, -1);
        assert_eq!(cell, one);
        cell.add(&one, -1);
        assert!(cell.is_empty());
        assert_eq!(cell, CellStats::default());
    }

    #[test]
    fn withdrawn_is_not_judged() {
        let figures = ApplicationFigures {
            received_on: d("2017-03-01"),
            applied: Ore(100),
            decision: Some((Outcome::Withdrawn, Ore(0), d("2017-03-02"))),
        };
        let s = CellStats::of_application(&figures);
        assert_eq!((s.judged, s.withdrawn, s.days_sum), (0, 1, 0));
    }
}
