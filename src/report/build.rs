//! Making a report from what it is made of, with no I/O: a [`Tally`] folds the tagged
//! applications of the scope into the sums of the tables, the trend and the unknowns in one
//! pass, then [`Tally::make`] protects every figure of the report together (small-cell,
//! dominance and complementary suppression) and adds the evaluation's findings and the summary.
//! `services::reports` reads the rows, runs the evaluation and stores the report.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::model::*;
use super::suppress::{Grid, Suppression};
use crate::analysis::baselines::BaselineShare;
use crate::analysis::findings::{Finding, GroupValue, Level};
use crate::analysis::labels;
use crate::analysis::provenance::{RuleSetRef, TaggingRef};
use crate::analysis::tagged::TaggedRow;
use crate::config::ReportSettings;
use crate::domain::application::Outcome;
use crate::domain::tagging::{Dimension, UNKNOWN};
use crate::locale::{self, Language};

/// Sums of one group (or one group in one period).
#[derive(Debug, Clone, Default)]
struct Sums {
    applications: i64,
    decided: i64,
    approved: i64,
    applied_ore: i64,
    granted_ore: i64,
    /// Every grant (öre) of the group, for the median; only kept for the tables.
    grants: Vec<i64>,
    /// The two largest grants and applied amounts, for the dominance rule.
    top_granted: [i64; 2],
    top_applied: [i64; 2],
}

fn push_top(top: &mut [i64; 2], x: i64) {
    if x > top[0] {
        top[1] = top[0];
        top[0] = x;
    } else if x > top[1] {
        top[1] = x;
    }
}

impl Sums {
    fn add(&mut self, row: &TaggedRow, keep_grants: bool) {
        let applied = row.figures.applied.0;
        self.applications += 1;
        self.applied_ore += applied;
        push_top(&mut self.top_applied, applied);
        if let Some((outcome, granted, _)) = row.figures.decision {
            if outcome != Outcome::Withdrawn {
                self.decided += 1;
            }
            if matches!(outcome, Outcome::Approved | Outcome::PartlyApproved) {
                self.approved += 1;
                self.granted_ore += granted.0;
                push_top(&mut self.top_granted, granted.0);
                if keep_grants {
                    self.grants.push(granted.0);
                }
            }
        }
    }

    fn median_sek(&mut self) -> Option<f64> {
        if self.grants.is_empty() {
            return None;
        }
        self.grants.sort_unstable();
        let n = self.grants.len();
        let mid = if n % 2 == 1 {
            self.grants[n / 2] as f64
        } else {
            (self.grants[n / 2 - 1] + self.grants[n / 2]) as f64 / 2.0
        };
        Some(mid / 100.0)
    }
}

/// The cells of one group's figures in the protection grids.
#[derive(Debug, Clone, Copy)]
struct Cells {
    applications: usize,
    decided: usize,
    approved: usize,
    applied: usize,
    granted: usize,
}

/// Every figure of the report that adds up with others, in two grids: counts and amounts.
struct Protector {
    counts: Grid,
    amounts: Grid,
    min_cell: i64,
    dominance: f64,
    /// Figures suppressed as sensitive.
    primary: usize,
}

impl Protector {
    fn sensitive_count(&self, n: i64) -> bool {
        n > 0 && n < self.min_cell
    }

    fn dominated(&self, top: [i64; 2], sum: i64) -> bool {
        sum > 0 && (top[0] + top[1]) as f64 > self.dominance * sum as f64
    }

    /// Adds a group's cells with their primary suppressions: shown counts under the threshold,
    /// the rejected (decided minus approved, which the shown counts give away) where they are
    /// few, and amounts of few applications or dominated by two of them. `weight` scales what
    /// hiding the cells costs, so complements fall on detail rather than on margins.
    fn add(&mut self, s: &Sums, weight: f64) -> Cells {
        let c = &mut self.counts;
        let cells = Cells {
            applications: c.cell(s.applications as f64),
            decided: c.cell(s.decided as f64),
            approved: c.cell(s.approved as f64),
            applied: self.amounts.cell(s.applied_ore as f64),
            granted: self.amounts.cell(s.granted_ore as f64),
        };
        for (cell, n) in [
            (cells.applications, s.applications),
            (cells.decided, s.decided),
            (cells.approved, s.approved),
        ] {
            self.counts.set_cost(cell, n as f64 * weight);
            if self.sensitive_count(n) {
                self.counts.suppress(cell, Suppression::SmallCount);
                self.primary += 1;
            }
        }
        let rejected = s.decided - s.approved;
        if self.sensitive_count(rejected) {
            let cell = self.counts.cell(rejected as f64);
            self.counts.sum(cells.decided, &[cells.approved, cell]);
            self.counts.suppress(cell, Suppression::SmallCount);
            self.primary += 1;
        }
        for (cell, n, top, sum) in [
            (cells.applied, s.applications, s.top_applied, s.applied_ore),
            (cells.granted, s.approved, s.top_granted, s.granted_ore),
        ] {
            self.amounts.set_cost(cell, sum as f64 * weight);
            let why = if self.sensitive_count(n) {
                Some(Suppression::SmallCount)
            } else if self.dominated(top, sum) {
                Some(Suppression::Dominance)
            } else {
                None
            };
            if let Some(why) = why {
                self.amounts.suppress(cell, why);
                self.primary += 1;
            }
        }
        cells
    }

    /// `total` is the sum of `parts`, in every measure.
    fn sum(&mut self, total: Cells, parts: &[Cells]) {
        let pick = |f: fn(&Cells) -> usize| parts.iter().map(f).collect::<Vec<_>>();
        self.counts
            .sum(total.applications, &pick(|c| c.applications));
        self.counts.sum(total.decided, &pick(|c| c.decided));
        self.counts.sum(total.approved, &pick(|c| c.approved));
        self.amounts.sum(total.applied, &pick(|c| c.applied));
        self.amounts.sum(total.granted, &pick(|c| c.granted));
    }
}

/// A group's figures before protection, and where they sit in the grids.
struct Entry {
    group: Vec<GroupValue>,
    label: String,
    sums: Sums,
    cells: Cells,
}

/// What hiding a figure costs the reader, relative to its size: the grand total and the
/// single-dimension rows are what an auditor reads first, so complements fall on intersections,
/// trend cells and unknown groups first.
const WEIGHT_TOTAL: f64 = 1e6;
const WEIGHT_PERIOD: f64 = 100.0;
const WEIGHT_TREND: f64 = 2.0;

fn weight(dimensions: usize, group: &[GroupValue]) -> f64 {
    if group.iter().any(|g| g.value == UNKNOWN) {
        0.5
    } else if dimensions == 1 {
        1_000.0
    } else {
        1.0
    }
}

fn combinations(dimensions: &[Dimension], depth: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for k in 1..=depth.min(dimensions.len()) {
        let mut pick: Vec<usize> = (0..k).collect();
        loop {
            out.push(pick.clone());
            // Next k-subset in lexicographic order.
            let Some(i) = (0..k).rev().find(|&i| pick[i] < dimensions.len() - k + i) else {
                break;
            };
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
        }
    }
    out
}

fn period_of(received: chrono::NaiveDate, period: Period) -> String {
    use chrono::Datelike;
    match period {
        Period::HalfYear => format!(
            "{}-H{}",
            received.year(),
            if received.month() <= 6 { 1 } else { 2 }
        ),
        Period::Year => received.year().to_string(),
    }
}

/// What a report says besides its figures: who made it, for what, and the evaluation of the
/// scope it was made with.
pub struct ReportContext<'a> {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// The organisation's code.
    pub organisation: String,
    /// The request with its defaults filled in, as the tally was begun with.
    pub request: ReportRequest,
    pub ruleset: RuleSetRef,
    pub tagging: TaggingRef,
    /// The stored evaluation of the scope.
    pub evaluation_id: String,
    pub findings: &'a [Finding],
    pub baselines: &'a [BaselineShare],
    pub overrides: Vec<CallOverride>,
}

/// The sums of a report's tables, trend and unknowns, gathered in one pass over the tagged
/// applications of its scope (never holding the applications themselves).
pub struct Tally {
    dims: Vec<Dimension>,
    combos: Vec<Vec<usize>>,
    period: Period,
    total: Sums,
    groups: Vec<BTreeMap<Vec<String>, Sums>>,
    trend: Vec<BTreeMap<(String, String), Sums>>,
    period_totals: BTreeMap<String, Sums>,
    /// Per dimension: the stored notes of the applications unknown on it, with how many share
    /// them. Each distinct text is read once, when the report is made.
    unknown_notes: Vec<HashMap<Option<String>, i64>>,
    digest: u128,
    latest: Option<NaiveDateTime>,
}

impl Tally {
    /// An empty tally for a request whose defaults are filled in (dimensions and depth).
    pub fn new(request: &ReportRequest) -> Self {
        let dims = request.dimensions.clone();
        let combos = combinations(&dims, request.depth.unwrap_or(2));
        Self {
            groups: vec![BTreeMap::new(); combos.len()],
            trend: vec![BTreeMap::new(); dims.len()],
            unknown_notes: vec![HashMap::new(); dims.len()],
            period: request.period,
            total: Sums::default(),
            period_totals: BTreeMap::new(),
            digest: 0,
            latest: None,
            dims,
            combos,
        }
    }

    /// Counts one application of the scope.
    pub fn add(&mut self, row: &TaggedRow) {
        let dims = &self.dims;
        self.digest = self.digest.wrapping_add(row_digest(row));
        self.latest = self.latest.max(Some(row.updated_at));
        self.total.add(row, false);
        for (combo, map) in self.combos.iter().zip(self.groups.iter_mut()) {
            let key: Vec<String> = combo
                .iter()
                .map(|i| row.groups[dims[*i].index()].clone())
                .collect();
            map.entry(key).or_default().add(row, true);
        }
        let period = period_of(row.figures.received_on, self.period);
        self.period_totals
            .entry(period.clone())
            .or_default()
            .add(row, false);
        for (i, d) in dims.iter().enumerate() {
            let value = &row.groups[d.index()];
            self.trend[i]
                .entry((period.clone(), value.clone()))
                .or_default()
                .add(row, false);
            if value == UNKNOWN {
                let notes = &mut self.unknown_notes[i];
                match notes.get_mut(&row.notes) {
                    Some(count) => *count += 1,
                    None => {
                        notes.insert(row.notes.clone(), 1);
                    }
                }
            }
        }
    }

    /// The report: every figure protected, with the evaluation's findings, the unknowns and
    /// their reasons, and the summary. `read_notes` reads stored tagging notes (JSON); a note
    /// that cannot be read fails the report rather than lose its reason.
    pub fn make<E>(
        self,
        context: ReportContext<'_>,
        settings: &ReportSettings,
        mut read_notes: impl FnMut(&str) -> Result<serde_json::Value, E>,
    ) -> Result<Report, E> {
        let Tally {
            dims,
            combos,
            total,
            groups,
            trend,
            period_totals,
            unknown_notes,
            digest,
            latest,
            ..
        } = self;
        let lang = context.request.language;
        // Per dimension: why applications are unknown on it (their count is in the tables).
        let mut unknown: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); dims.len()];
        for ((d, notes), reasons) in dims.iter().zip(unknown_notes).zip(&mut unknown) {
            for (text, count) in notes {
                let notes = match text {
                    Some(text) => read_notes(&text)?,
                    None => serde_json::Value::Null,
                };
                *reasons.entry(unknown_reason(&notes, *d)).or_default() += count;
            }
        }

        let mut protector = Protector {
            counts: Grid::new(),
            amounts: Grid::new(),
            min_cell: settings.min_cell as i64,
            dominance: settings.dominance_share,
            primary: 0,
        };
        let total_cells = protector.add(&total, WEIGHT_TOTAL);
        // Tables: each combination's groups add up to the table one dimension smaller.
        let mut tables: Vec<Vec<Entry>> = Vec::with_capacity(combos.len());
        for (combo, map) in combos.iter().zip(groups) {
            let entries: Vec<Entry> = map
                .into_iter()
                .map(|(key, sums)| {
                    let group: Vec<GroupValue> = combo
                        .iter()
                        .zip(&key)
                        .map(|(i, v)| GroupValue {
                            dimension: dims[*i],
                            value: v.clone(),
                        })
                        .collect();
                    let label = group_label(lang, &group);
                    let cells = protector.add(&sums, weight(combo.len(), &group));
                    Entry {
                        group,
                        label,
                        sums,
                        cells,
                    }
                })
                .collect();
            tables.push(entries);
        }
        for (t, combo) in combos.iter().enumerate() {
            if combo.len() == 1 {
                let parts: Vec<Cells> = tables[t].iter().map(|e| e.cells).collect();
                protector.sum(total_cells, &parts);
                continue;
            }
            // Each dimension left out in turn: the smaller table's group is the sum of these.
            for drop in 0..combo.len() {
                let smaller: Vec<usize> = combo
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != drop)
                    .map(|(_, d)| *d)
                    .collect();
                let Some(s) = combos.iter().position(|c| *c == smaller) else {
                    continue;
                };
                let mut parts: BTreeMap<Vec<String>, Vec<Cells>> = BTreeMap::new();
                for e in &tables[t] {
                    let key: Vec<String> = e
                        .group
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != drop)
                        .map(|(_, g)| g.value.clone())
                        .collect();
                    parts.entry(key).or_default().push(e.cells);
                }
                for e in &tables[s] {
                    let key: Vec<String> = e.group.iter().map(|g| g.value.clone()).collect();
                    if let Some(p) = parts.get(&key) {
                        protector.sum(e.cells, p);
                    }
                }
            }
        }
        // Trend: periods add up to each group's row, and groups to each period's total.
        let periods: Vec<String> = period_totals.keys().cloned().collect();
        let period_cells: BTreeMap<String, Cells> = period_totals
            .iter()
            .map(|(p, s)| (p.clone(), protector.add(s, WEIGHT_PERIOD)))
            .collect();
        protector.sum(
            total_cells,
            &period_cells.values().copied().collect::<Vec<_>>(),
        );
        let mut trend_entries: Vec<Vec<(String, Entry)>> = Vec::with_capacity(dims.len());
        for (i, map) in trend.into_iter().enumerate() {
            let d = dims[i];
            let single = combos
                .iter()
                .position(|c| *c == vec![i])
                .expect("depth >= 1");
            let mut by_group: BTreeMap<String, Vec<Cells>> = BTreeMap::new();
            let mut by_period: BTreeMap<String, Vec<Cells>> = BTreeMap::new();
            let mut entries = Vec::new();
            for ((period, value), sums) in map {
                let unknown = value == UNKNOWN;
                let cells = protector.add(&sums, if unknown { 0.5 } else { WEIGHT_TREND });
                by_group.entry(value.clone()).or_default().push(cells);
                by_period.entry(period.clone()).or_default().push(cells);
                let group = vec![GroupValue {
                    dimension: d,
                    value,
                }];
                let label = group_label(lang, &group);
                entries.push((
                    period,
                    Entry {
                        group,
                        label,
                        sums,
                        cells,
                    },
                ));
            }
            for e in &tables[single] {
                if let Some(parts) = by_group.get(&e.group[0].value) {
                    protector.sum(e.cells, parts);
                }
            }
            for (period, parts) in &by_period {
                protector.sum(period_cells[period], parts);
            }
            trend_entries.push(entries);
        }
        let primary = protector.primary;
        let complementary = protector.counts.protect() + protector.amounts.protect();
        let view = Viewer {
            p: &protector,
            lang,
            min_cell: settings.min_cell as i64,
        };

        // Figures, as protected.
        let total_row = view.row(
            &[],
            &lang_total(lang),
            &mut total.clone(),
            total_cells,
            total_cells,
            None,
        );
        let mut out_tables = Vec::with_capacity(tables.len());
        let mut shown_groups: BTreeMap<Vec<GroupValue>, bool> = BTreeMap::new();
        for (t, entries) in tables.into_iter().enumerate() {
            let table_dims: Vec<Dimension> = combos[t].iter().map(|i| dims[*i]).collect();
            // The reference of the approval ratio: the largest known group of the table.
            let reference = entries
                .iter()
                .filter(|e| e.group.iter().all(|g| g.value != UNKNOWN))
                .max_by_key(|e| (e.sums.decided, std::cmp::Reverse(e.label.clone())))
                .map(|e| (e.label.clone(), e.cells));
            let mut rows = Vec::with_capacity(entries.len());
            for mut e in entries {
                let baseline = context
                    .baselines
                    .iter()
                    .find(|b| {
                        b.group.len() == e.group.len()
                            && e.group
                                .iter()
                                .all(|g| b.group.get(&g.dimension) == Some(&g.value))
                    })
                    .map(|b| b.share);
                let mut row = view.row(
                    &e.group,
                    &e.label,
                    &mut e.sums,
                    e.cells,
                    total_cells,
                    reference.as_ref().map(|(l, c)| (l.as_str(), *c)),
                );
                if let Some(share) = baseline {
                    // From the shown share only, so that it gives nothing hidden away.
                    row.baseline_share = Some(share);
                    row.disparity_index = match row.share_of_applicants.value {
                        Some(part) if share > 0.0 => Figure::shown(100.0 * part / share),
                        Some(_) => Figure::none(),
                        None => row.share_of_applicants,
                    };
                }
                let whole = [
                    row.applications,
                    row.decided,
                    row.approved,
                    row.amount_applied,
                    row.amount_granted,
                ]
                .iter()
                .all(|f| !f.is_suppressed());
                shown_groups.insert(e.group.clone(), whole);
                rows.push(row);
            }
            out_tables.push(GroupTable {
                title: table_title(lang, &table_dims),
                dimensions: table_dims,
                rows,
                total: total_row.clone(),
            });
        }
        let mut out_trend = Vec::with_capacity(dims.len());
        for (i, entries) in trend_entries.into_iter().enumerate() {
            let mut rows = Vec::new();
            for period in &periods {
                let whole = period_cells[period];
                rows.push(view.trend_row(period, &[], &lang_total(lang), whole, whole));
                for (p, e) in entries.iter().filter(|(p, _)| p == period) {
                    rows.push(view.trend_row(p, &e.group, &e.label, e.cells, whole));
                }
            }
            out_trend.push(TrendTable {
                dimension: dims[i],
                title: labels::dimension(lang, dims[i]).to_owned(),
                periods: periods.clone(),
                rows,
            });
        }

        let findings = report_findings(context.findings, &shown_groups);
        // The unknown count is the unknown group's figure in its dimension's table, as protected
        // there; its reasons are shown only when it is.
        let unknowns = dims
            .iter()
            .zip(unknown)
            .map(|(d, reasons)| {
                let shown = out_tables
                    .iter()
                    .find(|t| t.dimensions == [*d])
                    .and_then(|t| {
                        t.rows
                            .iter()
                            .find(|r| r.group.first().is_some_and(|g| g.value == UNKNOWN))
                    })
                    .map_or(Figure::shown(0.0), |r| r.applications);
                view.unknowns(*d, shown, reasons)
            })
            .collect();
        let summary = summary(lang, &total_row, &findings);
        Ok(Report {
            id: context.id,
            created_at: context.created_at,
            created_by: context.created_by,
            organisation: context.organisation,
            request: context.request,
            data: ReportData {
                applications: total.applications,
                decided: total.decided,
                latest_change: latest,
                content_hash: format!("{digest:032x}"),
            },
            ruleset: context.ruleset,
            tagging: context.tagging,
            evaluation_id: context.evaluation_id,
            protection: Protection {
                min_cell: settings.min_cell,
                dominance_share: settings.dominance_share,
                primary,
                complementary,
            },
            summary,
            tables: out_tables,
            findings,
            trend: out_trend,
            unknowns,
            overrides: context.overrides,
        })
    }
}

/// An order-free digest of one application (the sum of all digests is the content hash, so
/// the order rows are read in does not matter).
fn row_digest(row: &TaggedRow) -> u128 {
    let mut h = Sha256::new();
    h.update(row.call_id.to_le_bytes());
    h.update(row.figures.received_on.to_string().as_bytes());
    h.update(row.figures.applied.0.to_le_bytes());
    if let Some((outcome, granted, _)) = row.figures.decision {
        h.update(outcome.code().as_bytes());
        h.update(granted.0.to_le_bytes());
    }
    for g in &row.groups {
        h.update(g.as_bytes());
        h.update([0]);
    }
    let bytes: [u8; 16] = h.finalize()[..16].try_into().expect("16 bytes");
    u128::from_le_bytes(bytes)
}

/// Why a value is unknown on `d`, from a row's tagging notes (`Null` when it has none).
fn unknown_reason(notes: &serde_json::Value, d: Dimension) -> String {
    notes[d.code()]["reason"]
        .as_str()
        .map_or_else(|| "not given".into(), str::to_owned)
}

fn lang_total(lang: Language) -> String {
    lang.pick("Samtliga", "All").to_owned()
}

fn group_label(lang: Language, group: &[GroupValue]) -> String {
    group
        .iter()
        .map(|g| labels::value(lang, g.dimension, &g.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn table_title(lang: Language, dims: &[Dimension]) -> String {
    let names: Vec<&str> = dims.iter().map(|d| labels::dimension(lang, *d)).collect();
    names.join(" × ")
}

/// Turns sums into figures as the protection left them.
struct Viewer<'a> {
    p: &'a Protector,
    lang: Language,
    min_cell: i64,
}

impl Viewer<'_> {
    fn count(&self, cell: usize) -> Figure {
        match self.p.counts.status(cell) {
            Some(why) => Figure::hidden(why),
            None => Figure::shown(self.p.counts.value(cell)),
        }
    }

    fn sek(&self, cell: usize) -> Figure {
        match self.p.amounts.status(cell) {
            Some(why) => Figure::hidden(why),
            None => Figure::shown(self.p.amounts.value(cell) / 100.0),
        }
    }

    /// `part / whole`, hidden when either is.
    fn ratio(part: Figure, whole: Figure) -> Figure {
        match (part.value, whole.value) {
            (Some(a), Some(b)) if b > 0.0 => Figure::shown(a / b),
            (Some(_), Some(_)) => Figure::none(),
            _ => Figure::hidden(
                part.suppressed
                    .or(whole.suppressed)
                    .unwrap_or(Suppression::Complementary),
            ),
        }
    }

    fn rate(&self, approved: Figure, decided: Figure) -> Figure {
        let mut rate = Self::ratio(approved, decided);
        if let (Some(a), Some(n)) = (approved.value, decided.value)
            && let Some(i) = crate::stats::proportion::wilson(a as u64, n as u64, 0.95)
        {
            rate.lower = Some(i.lower);
            rate.upper = Some(i.upper);
        }
        rate
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        group: &[GroupValue],
        label: &str,
        sums: &mut Sums,
        cells: Cells,
        total_cells: Cells,
        reference: Option<(&str, Cells)>,
    ) -> GroupRow {
        let applications = self.count(cells.applications);
        let decided = self.count(cells.decided);
        let approved = self.count(cells.approved);
        let amount_granted = self.sek(cells.granted);
        let approval_rate = self.rate(approved, decided);
        let mean_grant = Self::ratio(amount_granted, approved);
        // A median of few grants is a grant: shown only where amounts and counts are.
        let median_grant = match (amount_granted.value, approved.value) {
            (Some(_), Some(n)) if n as i64 >= self.min_cell => {
                sums.median_sek().map_or(Figure::none(), Figure::shown)
            }
            (Some(_), Some(_)) => Figure::none(),
            _ => Figure::hidden(
                amount_granted
                    .suppressed
                    .or(approved.suppressed)
                    .unwrap_or(Suppression::Complementary),
            ),
        };
        let (approval_ratio, reference_label) = match reference {
            Some((ref_label, ref_cells)) if !group.is_empty() => {
                let ref_rate = self.rate(
                    self.count(ref_cells.approved),
                    self.count(ref_cells.decided),
                );
                (
                    Self::ratio(approval_rate, ref_rate),
                    Some(ref_label.to_owned()),
                )
            }
            _ => (Figure::none(), None),
        };
        GroupRow {
            group: group.to_vec(),
            label: label.to_owned(),
            share_of_applicants: Self::ratio(applications, self.count(total_cells.applications)),
            share_of_approvals: Self::ratio(approved, self.count(total_cells.approved)),
            share_of_granted: Self::ratio(amount_granted, self.sek(total_cells.granted)),
            applications,
            decided,
            approved,
            approval_rate,
            amount_applied: self.sek(cells.applied),
            amount_granted,
            mean_grant,
            median_grant,
            approval_ratio,
            reference: reference_label,
            baseline_share: None,
            disparity_index: Figure::none(),
        }
    }

    fn trend_row(
        &self,
        period: &str,
        group: &[GroupValue],
        label: &str,
        cells: Cells,
        period_cells: Cells,
    ) -> TrendRow {
        let decided = self.count(cells.decided);
        let approved = self.count(cells.approved);
        let amount_granted = self.sek(cells.granted);
        TrendRow {
            period: period.to_owned(),
            group: group.to_vec(),
            label: label.to_owned(),
            applications: self.count(cells.applications),
            approval_rate: self.rate(approved, decided),
            share_of_granted: Self::ratio(amount_granted, self.sek(period_cells.granted)),
            decided,
            approved,
            amount_granted,
        }
    }

    /// Reasons too rare to show are folded into "other" until it is large enough too; none are
    /// shown where the count itself is not.
    fn unknowns(
        &self,
        dimension: Dimension,
        applications: Figure,
        reasons: BTreeMap<String, i64>,
    ) -> UnknownCount {
        if applications.value.is_none() {
            return UnknownCount {
                dimension,
                applications,
                reasons: Vec::new(),
            };
        }
        let small = |n: i64| n > 0 && n < self.min_cell;
        let mut sorted: Vec<(String, i64)> = reasons.into_iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (mut shown, mut other): (Vec<(String, i64)>, i64) = (Vec::new(), 0);
        for (reason, count) in sorted {
            if small(count) {
                other += count;
            } else {
                shown.push((reason, count));
            }
        }
        while small(other) && !shown.is_empty() {
            let (_, count) = shown.pop().expect("not empty");
            other += count;
        }
        let mut reasons: Vec<(String, Figure)> = shown
            .into_iter()
            .map(|(r, c)| (r, Figure::shown(c as f64)))
            .collect();
        if other > 0 {
            let other_label = self.lang.pick("övriga skäl", "other reasons").to_owned();
            reasons.push((
                other_label,
                if small(other) {
                    Figure::hidden(Suppression::SmallCount)
                } else {
                    Figure::shown(other as f64)
                },
            ));
        }
        UnknownCount {
            dimension,
            applications,
            reasons,
        }
    }
}

fn report_findings(
    findings: &[crate::analysis::findings::Finding],
    shown: &BTreeMap<Vec<GroupValue>, bool>,
) -> Vec<ReportFinding> {
    let mut out: Vec<ReportFinding> = findings
        .iter()
        .filter(|f| matches!(f.level, Level::Red | Level::Watch | Level::Inconclusive))
        .map(|f| {
            // Figures of a group the tables suppress are not given here either.
            let visible = shown.get(&f.group).copied().unwrap_or(false);
            let gap = |v: Option<f64>| match (visible, v) {
                (true, Some(v)) => Figure::shown(v),
                (true, None) => Figure::none(),
                (false, _) => Figure::hidden(Suppression::Complementary),
            };
            ReportFinding {
                rule: f.rule.clone(),
                severity: f.severity,
                level: f.level,
                group: f.group.clone(),
                label: f.label.clone(),
                explanation: visible.then(|| f.explanation.clone()),
                approvals_gap: gap(f.resource_gap.as_ref().map(|g| g.approvals_at_parity)),
                sek_gap: gap(f.resource_gap.as_ref().map(|g| g.sek_at_parity)),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| a.severity.cmp(&b.severity))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.label.cmp(&b.label))
    });
    out
}

/// The plain sentences at the top: the scope's size, then what is skewed, how much, how sure.
fn summary(lang: Language, total: &GroupRow, findings: &[ReportFinding]) -> Vec<String> {
    // The protected figures of the total row: a tiny scope says no more here than in its tables.
    let count = |f: &Figure| match f.value {
        Some(v) => format!("{v:.0}"),
        None => lang.pick("(prickat)", "(suppressed)").to_owned(),
    };
    let sek = match total.amount_granted.value {
        Some(v) => locale::sek(lang, v),
        None => lang
            .pick("(prickat belopp)", "(suppressed amount)")
            .to_owned(),
    };
    let mut out = vec![match lang {
        Language::Sv => format!(
            "{} ansökningar, varav {} beslutade och {} beviljade; {sek} beviljat.",
            count(&total.applications),
            count(&total.decided),
            count(&total.approved)
        ),
        Language::En => format!(
            "{} applications, {} decided and {} approved; {sek} granted.",
            count(&total.applications),
            count(&total.decided),
            count(&total.approved)
        ),
    }];
    let red = findings.iter().filter(|f| f.level == Level::Red).count();
    let watch = findings.iter().filter(|f| f.level == Level::Watch).count();
    if red + watch == 0 {
        out.push(
            lang.pick(
                "Ingen skevhet över trösklarna som går att skilja från slumpen.",
                "No skew beyond the thresholds that is distinguishable from chance.",
            )
            .to_owned(),
        );
        return out;
    }
    out.push(match lang {
        Language::Sv => {
            format!("{red} tydliga skevheter (röda) och {watch} att bevaka; de allvarligaste:")
        }
        Language::En => format!("{red} clear skews (red) and {watch} to watch; the most severe:"),
    });
    out.extend(
        findings
            .iter()
            .filter(|f| matches!(f.level, Level::Red | Level::Watch))
            .take(3)
            .map(|f| match &f.explanation {
                Some(text) => text.clone(),
                None => match lang {
                    Language::Sv => format!("{}: siffrorna är prickade (för få).", f.label),
                    Language::En => format!("{}: figures suppressed (too few).", f.label),
                },
            }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_every_subset_up_to_the_depth_in_order() {
        let dims = [Dimension::Gender, Dimension::Background, Dimension::AgeBand];
        assert_eq!(
            combinations(&dims, 2),
            vec![
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2]
            ]
        );
        assert_eq!(combinations(&dims, 3).len(), 7);
    }

    #[test]
    fn periods_are_half_years_or_years() {
        let d = chrono::NaiveDate::from_ymd_opt(2017, 7, 1).unwrap();
        assert_eq!(period_of(d, Period::HalfYear), "2017-H2");
        assert_eq!(period_of(d, Period::Year), "2017");
        let d = chrono::NaiveDate::from_ymd_opt(2017, 6, 30).unwrap();
        assert_eq!(period_of(d, Period::HalfYear), "2017-H1");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let mut s = Sums {
            grants: vec![400, 100, 300, 200],
            ..Default::default()
        };
        assert_eq!(s.median_sek(), Some(2.5));
    }
}
