//! From cells to groups: every combination of the requested dimensions up to the requested
//! depth, each group with its totals, its figures per call (the strata the rules compare within)
//! and the cells its histograms are merged from.

use std::collections::{BTreeMap, HashMap};

use super::cells::{CellStats, Histogram};
use crate::domain::tagging::{Dimension, UNKNOWN};

/// A cell as the engine reads it: values are ids into [`CellSet::values`].
#[derive(Debug, Clone)]
pub struct EvalCell {
    pub call_id: i64,
    pub values: Vec<u16>,
    pub stats: CellStats,
}

/// Cells over a fixed list of dimensions, with their values interned.
#[derive(Debug, Clone, Default)]
pub struct CellSet {
    pub dimensions: Vec<Dimension>,
    /// Per dimension: id -> value.
    pub values: Vec<Vec<String>>,
    lookup: Vec<HashMap<String, u16>>,
    pub cells: Vec<EvalCell>,
    /// (call, values) -> index into `cells`, so that equal cells are merged.
    positions: HashMap<(i64, Vec<u16>), usize>,
}

impl CellSet {
    pub fn new(dimensions: Vec<Dimension>) -> Self {
        let n = dimensions.len();
        Self {
            dimensions,
            values: vec![Vec::new(); n],
            lookup: vec![HashMap::new(); n],
            cells: Vec::new(),
            positions: HashMap::new(),
        }
    }

    /// Adds statistics to the cell of `call_id` and `values` (given per dimension of the set, in
    /// order), creating it the first time.
    pub fn push<'a>(
        &mut self,
        call_id: i64,
        values: impl Iterator<Item = &'a str>,
        stats: &CellStats,
    ) {
        let ids: Vec<u16> = values
            .enumerate()
            .map(|(d, v)| match self.lookup[d].get(v) {
                Some(id) => *id,
                None => {
                    let id = self.values[d].len() as u16;
                    self.values[d].push(v.to_owned());
                    self.lookup[d].insert(v.to_owned(), id);
                    id
                }
            })
            .collect();
        match self.positions.get(&(call_id, ids.clone())) {
            Some(&i) => self.cells[i].stats.add(stats, 1),
            None => {
                self.positions
                    .insert((call_id, ids.clone()), self.cells.len());
                self.cells.push(EvalCell {
                    call_id,
                    values: ids,
                    stats: stats.clone(),
                });
            }
        }
    }

    pub fn value(&self, dimension: usize, id: u16) -> &str {
        &self.values[dimension][id as usize]
    }

    /// Sorts cells by call, then by the values' text: groups then see their calls in order, and
    /// the order does not depend on the order the cells were read in.
    pub fn sort(&mut self) {
        let values = &self.values;
        let text = |c: &EvalCell| -> Vec<&str> {
            c.values
                .iter()
                .enumerate()
                .map(|(d, v)| values[d][*v as usize].as_str())
                .collect()
        };
        self.cells
            .sort_by(|a, b| (a.call_id, text(a)).cmp(&(b.call_id, text(b))));
        self.positions.clear();
    }
}

/// Counts of one group in one call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stratum {
    pub applications: i64,
    pub judged: i64,
    pub approved: i64,
    pub granted_ore: i64,
}

impl Stratum {
    fn add(&mut self, s: &CellStats) {
        self.applications += s.applications;
        self.judged += s.judged;
        self.approved += s.approved;
        self.granted_ore += s.granted_ore;
    }

    pub fn minus(&self, other: &Stratum) -> Stratum {
        Stratum {
            applications: self.applications - other.applications,
            judged: self.judged - other.judged,
            approved: self.approved - other.approved,
            granted_ore: self.granted_ore - other.granted_ore,
        }
    }
}

/// Scalar totals of a group (the histograms are merged on demand).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub applications: i64,
    pub judged: i64,
    pub approved: i64,
    pub withdrawn: i64,
    pub applied_ore: i64,
    pub judged_applied_ore: i64,
    pub approved_applied_ore: i64,
    pub granted_ore: i64,
    pub granted_sq_sek: f64,
    pub days_sum: i64,
}

impl Totals {
    fn add(&mut self, s: &CellStats) {
        self.applications += s.applications;
        self.judged += s.judged;
        self.approved += s.approved;
        self.withdrawn += s.withdrawn;
        self.applied_ore += s.applied_ore;
        self.judged_applied_ore += s.judged_applied_ore;
        self.approved_applied_ore += s.approved_applied_ore;
        self.granted_ore += s.granted_ore;
        self.granted_sq_sek += s.granted_sq_sek;
        self.days_sum += s.days_sum;
    }

    pub fn minus(&self, o: &Totals) -> Totals {
        Totals {
            applications: self.applications - o.applications,
            judged: self.judged - o.judged,
            approved: self.approved - o.approved,
            withdrawn: self.withdrawn - o.withdrawn,
            applied_ore: self.applied_ore - o.applied_ore,
            judged_applied_ore: self.judged_applied_ore - o.judged_applied_ore,
            approved_applied_ore: self.approved_applied_ore - o.approved_applied_ore,
            granted_ore: self.granted_ore - o.granted_ore,
            granted_sq_sek: (self.granted_sq_sek - o.granted_sq_sek).max(0.0),
            days_sum: self.days_sum - o.days_sum,
        }
    }

    pub fn approval_rate(&self) -> Option<f64> {
        (self.judged > 0).then(|| self.approved as f64 / self.judged as f64)
    }

    /// Mean granted SEK of approved applications.
    pub fn mean_granted_sek(&self) -> Option<f64> {
        (self.approved > 0).then(|| self.granted_ore as f64 / 100.0 / self.approved as f64)
    }

    pub fn mean_days(&self) -> Option<f64> {
        (self.judged > 0).then(|| self.days_sum as f64 / self.judged as f64)
    }
}

/// One group of one combination.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// Value ids, one per dimension of the combination.
    pub key: Vec<u16>,
    pub totals: Totals,
    /// Per call, in call order.
    pub strata: Vec<(i64, Stratum)>,
    /// Indexes of the cells the group is made of.
    pub cells: Vec<u32>,
}

impl Group {
    fn add(&mut self, index: u32, cell: &EvalCell) {
        self.totals.add(&cell.stats);
        match self.strata.last_mut() {
            Some((call, stratum)) if *call == cell.call_id => stratum.add(&cell.stats),
            _ => {
                let mut stratum = Stratum::default();
                stratum.add(&cell.stats);
                self.strata.push((cell.call_id, stratum));
            }
        }
        self.cells.push(index);
    }

    /// Strata of everyone else: `all`'s strata minus this group's.
    pub fn rest_strata(&self, all: &Group) -> Vec<(i64, Stratum)> {
        let mine: HashMap<i64, Stratum> = self.strata.iter().copied().collect();
        all.strata
            .iter()
            .map(|(call, s)| (*call, mine.get(call).map_or(*s, |m| s.minus(m))))
            .collect()
    }
}

/// A combination of dimensions (positions in the cell set) with its groups.
#[derive(Debug, Clone)]
pub struct Combination {
    pub dimensions: Vec<usize>,
    /// Groups by key, in key order (deterministic).
    pub groups: BTreeMap<Vec<u16>, Group>,
}

/// Every combination of `0..n` dimensions with 1..=depth members, smaller first.
pub fn combinations(n: usize, depth: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for size in 1..=depth.min(n) {
        let mut current = Vec::new();
        fn recurse(
            start: usize,
            n: usize,
            size: usize,
            current: &mut Vec<usize>,
            out: &mut Vec<Vec<usize>>,
        ) {
            if current.len() == size {
                out.push(current.clone());
                return;
            }
            for d in start..n {
                current.push(d);
                recurse(d + 1, n, size, current, out);
                current.pop();
            }
        }
        recurse(0, n, size, &mut current, &mut out);
    }
    out
}

/// Groups every cell into every combination; also returns the group of everyone.
pub fn group(set: &CellSet, depth: usize) -> (Group, Vec<Combination>) {
    let mut all = Group::default();
    let mut combos: Vec<Combination> = combinations(set.dimensions.len(), depth)
        .into_iter()
        .map(|dimensions| Combination {
            dimensions,
            groups: BTreeMap::new(),
        })
        .collect();
    let mut key = Vec::with_capacity(depth);
    for (index, cell) in set.cells.iter().enumerate() {
        all.add(index as u32, cell);
        for combo in &mut combos {
            key.clear();
            key.extend(combo.dimensions.iter().map(|d| cell.values[*d]));
            match combo.groups.get_mut(&key) {
                Some(group) => group.add(index as u32, cell),
                None => {
                    let mut group = Group {
                        key: key.clone(),
                        ..Default::default()
                    };
                    group.add(index as u32, cell);
                    combo.groups.insert(key.clone(), group);
                }
            }
        }
    }
    (all, combos)
}

/// True when any value of the group is unknown (such a group is never a reference).
pub fn has_unknown(set: &CellSet, combo: &Combination, key: &[u16]) -> bool {
    combo
        .dimensions
        .iter()
        .zip(key)
        .any(|(d, v)| set.value(*d, *v) == UNKNOWN)
}

/// Which histogram of a cell.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    Granted,
    Cut,
    Days,
}

impl Measure {
    fn of(self, stats: &CellStats) -> &Histogram {
        match self {
            Measure::Granted => &stats.hist_granted,
            Measure::Cut => &stats.hist_cut,
            Measure::Days => &stats.hist_days,
        }
    }
}

/// Merges the histograms of many cells through a dense scratch buffer.
#[derive(Default)]
pub struct Merger {
    counts: Vec<u64>,
    touched: Vec<u32>,
}

impl Merger {
    /// The merged histogram of `cells` as (bin, count), sorted.
    pub fn merge(&mut self, set: &CellSet, cells: &[u32], measure: Measure) -> Vec<(u32, u64)> {
        for &index in cells {
            for &(bin, count) in measure.of(&set.cells[index as usize].stats).bins() {
                let b = bin as usize;
                if b >= self.counts.len() {
                    self.counts.resize(b + 1, 0);
                }
                if self.counts[b] == 0 {
                    self.touched.push(bin);
                }
                self.counts[b] += count.max(0) as u64;
            }
        }
        self.touched.sort_unstable();
        let out = self
            .touched
            .iter()
            .filter_map(|&bin| {
                let count = std::mem::take(&mut self.counts[bin as usize]);
                (count > 0).then_some((bin, count))
            })
            .collect();
        self.touched.clear();
        out
    }
}

/// `all` minus `part`, both sorted (bin, count).
pub fn subtract(all: &[(u32, u64)], part: &[(u32, u64)]) -> Vec<(u32, u64)> {
    let mut out = Vec::with_capacity(all.len());
    let mut j = 0;
    for &(bin, count) in all {
        while j < part.len() && part[j].0 < bin {
            j += 1;
        }
        let minus = if j < part.len() && part[j].0 == bin {
            part[j].1
        } else {
            0
        };
        if count > minus {
            out.push((bin, count - minus));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_up_to_depth() {
        assert_eq!(combinations(3, 1), vec![vec![0], vec![1], vec![2]]);
        assert_eq!(combinations(3, 2).len(), 3 + 3);
        assert_eq!(combinations(4, 3).len(), 4 + 6 + 4);
        assert_eq!(combinations(2, 5).len(), 3);
    }

    #[test]
    fn groups_add_up() {
        let mut set = CellSet::new(vec![Dimension::Gender, Dimension::Background]);
        let one = CellStats {
            applications: 1,
            judged: 1,
            approved: 1,
            granted_ore: 100,
            ..Default::default()
        };
        set.push(1, ["women", "foreign"].into_iter(), &one);
        set.push(1, ["men", "foreign"].into_iter(), &one);
        set.push(2, ["women", "swedish"].into_iter(), &one);
        set.sort();
        let (all, combos) = group(&set, 2);
        assert_eq!(all.totals.applications, 3);
        assert_eq!(all.strata.len(), 2);
        let gender = &combos[0];
        let women = gender
            .groups
            .values()
            .find(|g| set.value(0, g.key[0]) == "women")
            .unwrap();
        assert_eq!(women.totals.applications, 2);
        assert_eq!(women.strata.len(), 2);
        let rest = women.rest_strata(&all);
        assert_eq!(
            rest,
            vec![
                (
                    1,
                    Stratum {
                        applications: 1,
                        judged: 1,
                        approved: 1,
                        granted_ore: 100
                    }
                ),
                (2, Stratum::default())
            ]
        );
        assert_eq!(combos[2].groups.len(), 3);
    }

    #[test]
    fn histograms_merge_and_subtract() {
        let mut set = CellSet::new(vec![Dimension::Gender]);
        let mut a = CellStats::default();
        a.hist_days.add(&Histogram::single(3), 1);
        a.hist_days.add(&Histogram::single(9), 2);
        set.push(1, ["women"].into_iter(), &a);
        set.push(1, ["men"].into_iter(), &a);
        let mut merger = Merger::default();
        let all = merger.merge(&set, &[0, 1], Measure::Days);
        assert_eq!(all, vec![(3, 2), (9, 4)]);
        let part = merger.merge(&set, &[0], Measure::Days);
        assert_eq!(subtract(&all, &part), vec![(3, 1), (9, 2)]);
    }
}
