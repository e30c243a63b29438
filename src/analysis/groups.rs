//! From cells to groups: every combination of the requested dimensions up to the requested
//! depth, each group with its totals, its figures per call (the strata the rules compare within)
//! and the cells its histograms are merged from.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

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
    lookup: Vec<FxHashMap<String, u16>>,
    pub cells: Vec<EvalCell>,
    /// (call, values) -> index into `cells`, so that equal cells are merged.
    positions: FxHashMap<(i64, Vec<u16>), usize>,
}

impl CellSet {
    pub fn new(dimensions: Vec<Dimension>) -> Self {
        let n = dimensions.len();
        Self {
            dimensions,
            values: vec![Vec::new(); n],
            lookup: vec![FxHashMap::default(); n],
            cells: Vec::new(),
            positions: FxHashMap::default(),
        }
    }

    /// Adds statistics to the cell of `call_id` and `values` (given per dimension of the set, in
    /// order), creating it the first time.
    pub fn push<'a>(
        &mut self,
        call_id: i64,
        values: impl Iterator<Item = &'a str>,
        stats: CellStats,
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
            Some(&i) => self.cells[i].stats.add(&stats, 1),
            None => {
                self.positions
                    .insert((call_id, ids.clone()), self.cells.len());
                self.cells.push(EvalCell {
                    call_id,
                    values: ids,
                    stats,
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
        // Each value's rank in text order, so cells compare without touching strings.
        let ranks: Vec<Vec<u16>> = self
            .values
            .iter()
            .map(|values| {
                let mut order: Vec<usize> = (0..values.len()).collect();
                order.sort_unstable_by(|a, b| values[*a].cmp(&values[*b]));
                let mut rank = vec![0u16; values.len()];
                for (r, id) in order.into_iter().enumerate() {
                    rank[id] = r as u16;
                }
                rank
            })
            .collect();
        self.cells.sort_by_cached_key(|c| {
            let mut key = Vec::with_capacity(c.values.len() + 1);
            key.extend(
                c.values
                    .iter()
                    .enumerate()
                    .map(|(d, v)| ranks[d][*v as usize]),
            );
            (c.call_id, key)
        });
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
}

impl Group {
    fn add(&mut self, cell: &EvalCell) {
        self.totals.add(&cell.stats);
        match self.strata.last_mut() {
            Some((call, stratum)) if *call == cell.call_id => stratum.add(&cell.stats),
            _ => {
                let mut stratum = Stratum::default();
                stratum.add(&cell.stats);
                self.strata.push((cell.call_id, stratum));
            }
        }
    }

    /// Strata of everyone else: `all`'s strata minus this group's.
    pub fn rest_strata(&self, all: &Group) -> Vec<(i64, Stratum)> {
        join_strata(&all.strata, &self.strata)
            .filter_map(|(call, total, mine)| {
                let total = total?;
                Some((call, mine.map_or(*total, |m| total.minus(m))))
            })
            .collect()
    }
}

/// Two lists of strata (each sorted by call) side by side, call by call.
pub fn join_strata<'a>(
    a: &'a [(i64, Stratum)],
    b: &'a [(i64, Stratum)],
) -> impl Iterator<Item = (i64, Option<&'a Stratum>, Option<&'a Stratum>)> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let (left, right) = (a.get(i), b.get(j));
        let item = match (left, right) {
            (None, None) => return None,
            (Some((ca, sa)), Some((cb, _))) if ca < cb => {
                i += 1;
                (*ca, Some(sa), None)
            }
            (Some((ca, _)), Some((cb, sb))) if cb < ca => {
                j += 1;
                (*cb, None, Some(sb))
            }
            (Some((ca, sa)), Some((_, sb))) => {
                (i, j) = (i + 1, j + 1);
                (*ca, Some(sa), Some(sb))
            }
            (Some((ca, sa)), None) => {
                i += 1;
                (*ca, Some(sa), None)
            }
            (None, Some((cb, sb))) => {
                j += 1;
                (*cb, None, Some(sb))
            }
        };
        Some(item)
    })
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
    for cell in &set.cells {
        all.add(cell);
        for combo in &mut combos {
            key.clear();
            key.extend(combo.dimensions.iter().map(|d| cell.values[*d]));
            match combo.groups.get_mut(&key) {
                Some(group) => group.add(cell),
                None => {
                    let mut group = Group {
                        key: key.clone(),
                        ..Default::default()
                    };
                    group.add(cell);
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Granted = 0,
    Cut = 1,
    Days = 2,
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

/// Sums sparse histograms through a dense scratch buffer.
#[derive(Default)]
pub struct Merger {
    counts: Vec<u64>,
    touched: Vec<u32>,
}

impl Merger {
    pub fn add(&mut self, bins: impl IntoIterator<Item = (u32, u64)>) {
        for (bin, count) in bins {
            let b = bin as usize;
            if b >= self.counts.len() {
                self.counts.resize(b + 1, 0);
            }
            if self.counts[b] == 0 {
                self.touched.push(bin);
            }
            self.counts[b] += count;
        }
    }

    /// The sum so far as (bin, count), sorted; the merger is empty again afterwards.
    pub fn take(&mut self) -> Vec<(u32, u64)> {
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

/// The histograms of each full combination of values, summed over calls and months. A group's
/// histogram is the sum of the profiles it contains: a few hundred of them, where its cells
/// would be thousands.
pub struct Profiles {
    keys: Vec<Vec<u16>>,
    hists: Vec<[Vec<(u32, u64)>; 3]>,
}

impl Profiles {
    pub fn build(set: &CellSet, merger: &mut Merger) -> Self {
        let mut by_key: FxHashMap<&[u16], Vec<usize>> = FxHashMap::default();
        for (i, cell) in set.cells.iter().enumerate() {
            by_key.entry(cell.values.as_slice()).or_default().push(i);
        }
        let mut keys: Vec<(&[u16], Vec<usize>)> = by_key.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut profiles = Profiles {
            keys: Vec::with_capacity(keys.len()),
            hists: Vec::with_capacity(keys.len()),
        };
        for (key, cells) in keys {
            let hists = [Measure::Granted, Measure::Cut, Measure::Days].map(|m| {
                for &i in &cells {
                    merger.add(
                        m.of(&set.cells[i].stats)
                            .bins()
                            .iter()
                            .map(|&(b, c)| (b, c.max(0) as u64)),
                    );
                }
                merger.take()
            });
            profiles.keys.push(key.to_vec());
            profiles.hists.push(hists);
        }
        profiles
    }

    /// For each group of `combo`: the profiles it contains.
    pub fn members(&self, combo: &Combination) -> FxHashMap<Vec<u16>, Vec<u32>> {
        let mut members: FxHashMap<Vec<u16>, Vec<u32>> = FxHashMap::default();
        for (i, key) in self.keys.iter().enumerate() {
            let projected: Vec<u16> = combo.dimensions.iter().map(|d| key[*d]).collect();
            members.entry(projected).or_default().push(i as u32);
        }
        members
    }

    /// The summed histogram of `members`.
    pub fn merge(&self, merger: &mut Merger, members: &[u32], measure: Measure) -> Vec<(u32, u64)> {
        let m = measure as usize;
        for &i in members {
            merger.add(self.hists[i as usize][m].iter().copied());
        }
        merger.take()
    }

    /// The summed histogram of everyone.
    pub fn all(&self, merger: &mut Merger, measure: Measure) -> Vec<(u32, u64)> {
        let all: Vec<u32> = (0..self.keys.len() as u32).collect();
        self.merge(merger, &all, measure)
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
        set.push(1, ["women", "foreign"].into_iter(), one.clone());
        set.push(1, ["men", "foreign"].into_iter(), one.clone());
        set.push(2, ["women", "swedish"].into_iter(), one.clone());
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
        set.push(1, ["women"].into_iter(), a.clone());
        set.push(2, ["women"].into_iter(), a.clone());
        set.push(1, ["men"].into_iter(), a.clone());
        set.sort();
        let mut merger = Merger::default();
        let profiles = Profiles::build(&set, &mut merger);
        let all = profiles.all(&mut merger, Measure::Days);
        assert_eq!(all, vec![(3, 3), (9, 6)]);
        let (_, combos) = group(&set, 1);
        let members = profiles.members(&combos[0]);
        let women = set.values[0].iter().position(|v| v == "women").unwrap() as u16;
        let part = profiles.merge(&mut merger, &members[&vec![women]], Measure::Days);
        assert_eq!(part, vec![(3, 2), (9, 4)]);
        assert_eq!(subtract(&all, &part), vec![(3, 1), (9, 2)]);
    }
}
