//! Statistical disclosure control for the additive tables of one report.
//!
//! A [`Grid`] holds the cells of one measure (say, number of applications) across every table of
//! a report, and the sums that tie them together (`total = part + part + …`): a table by gender
//! adds up to the grand total, a gender × background table's rows add up to the gender table, the
//! half-years of a trend add up to the totals, and so on. The same figure shown in two tables
//! must be one cell (or two cells tied by `sum(a, &[b])`), or the second copy gives it away.
//!
//! Sensitive cells are marked by the caller (primary suppression, [`Grid::suppress`]).
//! [`Grid::protect`] then adds complementary suppressions so that no suppressed cell can be
//! worked out exactly from the shown cells and the sums:
//!
//! 1. Every sum is a *line* of cells (its total and parts). While a line is open, suppress its
//!    cheapest shown part with a value above 0 (ties: lowest index), else its total. A cell's
//!    cost is its value unless the caller sets another ([`Grid::set_cost`]). A line is
//!    open when it holds exactly one suppressed cell (the sum gives that cell away), or when its
//!    total is shown and every suppressed part is 0 (parts are `>= 0`, so they must all be 0).
//!    Lines in order of index; a new suppression reopens the lines of its cell.
//! 2. Audit with [`Grid::determined`], which catches what lines alone miss (a cell pinned by a
//!    combination of sums, as in two suppressed rectangles joined by one cell). For each cell it
//!    finds, suppress the smallest shown cell above 0 among the lines through it (if none, the
//!    lines one suppressed cell further out, and so on; only if there is none at all, a zero),
//!    at most one per line and round. Go back to 1 until the audit finds nothing.
//!
//! Suppression only grows, so this ends; it is deterministic (indices break every tie) and
//! greedy, not minimal: it may hide more than an optimiser would.
//!
//! **The auditor.** A suppressed cell is determined iff the unit vector `e_i` lies in the row
//! space of the sums' coefficient matrix restricted to the suppressed cells (shown cells are
//! constants). Gauss–Jordan elimination over the integers (fraction-free, each row divided by the
//! gcd of its entries, `i128` with checked arithmetic) gives the reduced row echelon form, and
//! `x_i` is determined iff the row with its pivot has no other entry. Only the 0/±1 pattern
//! matters, not the values. Should an entry ever overflow, the elimination is redone modulo two
//! primes near 2^61 and a cell counts as determined if either says so: a wrong answer there
//! errs towards suppressing more, unless both primes divide the same certificate.
//!
//! **Zeros.** Values are `>= 0`, which an attacker knows too. While every suppressed cell is above
//! 0, that adds nothing: moving along any undetermined direction a little keeps all of them
//! positive, so the linear audit is the whole story. Suppressed zeros are different: two of them
//! in a line with a shown total are both 0 (step 1 handles that case), and in general a bound can
//! pin several zeros at once, which this module does not search for. So complements are always
//! taken above 0 when such a cell exists, and zeros are best not marked sensitive at all (0 is
//! "nobody", the frequency rule covers 1 to n-1). A line whose total is 0 has only zeros: it
//! needs no complement, and a suppressed zero in such a line is a *structural zero* that
//! `protect` leaves as it is (hiding it further would protect nothing).
//! [`Grid::exposed`] is what `protect` drives to empty: the determined cells and the zeros
//! given away by step 1's rule, less the structural zeros.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Why a cell is not shown.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// A count from 1 to below the threshold, or an amount made of that few units.
    SmallCount,
    /// An amount whose largest units hold too much of it.
    Dominance,
    /// Hidden so that a sensitive cell cannot be worked out from the others.
    Complementary,
}

impl Suppression {
    /// The serde name.
    pub fn code(self) -> &'static str {
        crate::codes::code(&self)
    }
}

/// One sum: `total = parts[0] + parts[1] + …`.
#[derive(Debug, Clone)]
struct Line {
    total: usize,
    parts: Vec<usize>,
}

impl Line {
    fn cells(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// The cells of one measure across a report and the sums that tie them together.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    values: Vec<f64>,
    /// What hiding a cell costs the reader; complements are taken cheapest first.
    costs: Vec<f64>,
    status: Vec<Option<Suppression>>,
    lines: Vec<Line>,
}

impl Grid {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cell with its true value (a count or an amount, >= 0); returns its index.
    ///
    /// # Panics
    /// If `value` is negative or not finite: the protection relies on values `>= 0`.
    pub fn cell(&mut self, value: f64) -> usize {
        assert!(
            value.is_finite() && value >= 0.0,
            "cell value must be finite and >= 0, got {value}"
        );
        self.values.push(value);
        self.costs.push(value);
        self.status.push(None);
        self.values.len() - 1
    }

    /// How much hiding `cell` costs the reader (default: its value). Complements are taken
    /// cheapest first, so a caller can keep margins and totals shown by making them dear.
    pub fn set_cost(&mut self, cell: usize, cost: f64) {
        self.costs[cell] = cost;
    }

    /// Marks a cell as sensitive (primary suppression). A primary reason replaces
    /// `Complementary`; of two primary reasons the first in declaration order is kept, so the
    /// order of calls does not matter.
    pub fn suppress(&mut self, cell: usize, why: Suppression) {
        let status = &mut self.status[cell];
        *status = Some(status.map_or(why, |old| old.min(why)));
    }

    /// Declares `total = sum(parts)`. The same cell may appear in many constraints.
    ///
    /// # Panics
    /// If a cell is out of range, or appears twice in the sum (total included).
    pub fn sum(&mut self, total: usize, parts: &[usize]) {
        let mut cells: Vec<usize> = parts.to_vec();
        cells.push(total);
        cells.sort_unstable();
        assert!(
            cells.iter().all(|&c| c < self.len()),
            "sum over an unknown cell"
        );
        assert!(
            cells.windows(2).all(|w| w[0] != w[1]),
            "a cell appears twice in one sum"
        );
        self.lines.push(Line {
            total,
            parts: parts.to_vec(),
        });
    }

    /// Adds complementary suppressions until no suppressed cell is determined (see
    /// [`Grid::determined`]), except structural zeros (see the module doc). Deterministic: the
    /// same grid gives the same result. Returns the number of complementary suppressions added.
    /// Afterwards [`Grid::exposed`] is empty unless no shown cell was left that could help.
    pub fn protect(&mut self) -> usize {
        let mut protector = Protector::new(self);
        loop {
            protector.close_lines();
            let exposed = protector.grid.exposed_given(&protector.structural);
            if exposed.is_empty() || !protector.repair(&exposed) {
                return protector.added;
            }
        }
    }

    /// The suppressed cells whose value is uniquely determined by the shown cells and the
    /// constraints (exact linear algebra over the rationals: a suppressed `x_i` is determined iff
    /// the unit vector `e_i` lies in the row space of the constraint matrix restricted to the
    /// suppressed cells). This is the auditor. Ascending.
    pub fn determined(&self) -> Vec<usize> {
        let hidden: Vec<usize> = (0..self.len()).filter(|&c| self.is_suppressed(c)).collect();
        let rows = self.restricted_rows(&hidden);
        let columns =
            audit_exact(&rows, hidden.len()).unwrap_or_else(|| audit_modular(&rows, hidden.len()));
        columns.into_iter().map(|c| hidden[c as usize]).collect()
    }

    /// The suppressed cells an attacker can work out, that `protect` is there to hide: the
    /// determined ones and the zeros a line gives away (shown total, every suppressed part 0),
    /// less the structural zeros. Ascending.
    pub fn exposed(&self) -> Vec<usize> {
        self.exposed_given(&self.structural_zeros())
    }

    pub fn status(&self, cell: usize) -> Option<Suppression> {
        self.status[cell]
    }

    pub fn value(&self, cell: usize) -> f64 {
        self.values[cell]
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn is_suppressed(&self, cell: usize) -> bool {
        self.status[cell].is_some()
    }

    fn is_zero_line(&self, line: &Line) -> bool {
        self.values[line.total] == 0.0
    }

    /// Zero-valued cells in a line whose total is 0: everything there is 0, nothing to protect.
    fn structural_zeros(&self) -> Vec<bool> {
        let mut structural = vec![false; self.len()];
        for line in self.lines.iter().filter(|l| self.is_zero_line(l)) {
            for c in line.cells().filter(|&c| self.values[c] == 0.0) {
                structural[c] = true;
            }
        }
        structural
    }

    /// Whether a line shows its total while all its suppressed parts are 0: since parts are
    /// `>= 0`, they are then known to be 0. Structural zeros alone do not count.
    fn gives_zeros_away(&self, line: &Line, structural: &[bool]) -> bool {
        if self.is_suppressed(line.total) || self.is_zero_line(line) {
            return false;
        }
        let mut hidden = line.parts.iter().filter(|&&c| self.is_suppressed(c));
        hidden.clone().any(|&c| !structural[c]) && hidden.all(|&c| self.values[c] == 0.0)
    }

    fn exposed_given(&self, structural: &[bool]) -> Vec<usize> {
        let mut exposed: BTreeSet<usize> = self.determined().into_iter().collect();
        for line in self
            .lines
            .iter()
            .filter(|l| self.gives_zeros_away(l, structural))
        {
            exposed.extend(line.parts.iter().filter(|&&c| self.is_suppressed(c)));
        }
        exposed.into_iter().filter(|&c| !structural[c]).collect()
    }

    /// Each line as a sparse row over the suppressed cells: +1 for the total, -1 for a part.
    /// `hidden` lists the suppressed cells; its positions are the columns.
    fn restricted_rows(&self, hidden: &[usize]) -> Vec<Row<i64>> {
        let mut column = vec![None; self.len()];
        for (j, &c) in hidden.iter().enumerate() {
            column[c] = Some(j as u32);
        }
        let entry = |c: usize, coef: i64| column[c].map(|j| (j, coef));
        self.lines
            .iter()
            .map(|l| {
                let mut row: Row<i64> = entry(l.total, 1)
                    .into_iter()
                    .chain(l.parts.iter().filter_map(|&c| entry(c, -1)))
                    .collect();
                row.sort_unstable_by_key(|e| e.0);
                row
            })
            .filter(|row| !row.is_empty())
            .collect()
    }
}

/// The state of one `protect` run.
struct Protector<'a> {
    grid: &'a mut Grid,
    /// The lines through each cell.
    lines_of: Vec<Vec<usize>>,
    structural: Vec<bool>,
    added: usize,
}

impl<'a> Protector<'a> {
    fn new(grid: &'a mut Grid) -> Self {
        let mut lines_of = vec![Vec::new(); grid.len()];
        for (i, line) in grid.lines.iter().enumerate() {
            for c in line.cells() {
                lines_of[c].push(i);
            }
        }
        let structural = grid.structural_zeros();
        Self {
            grid,
            lines_of,
            structural,
            added: 0,
        }
    }

    /// Step 1: suppress within lines until none is open.
    fn close_lines(&mut self) {
        let mut pending: BTreeSet<usize> = (0..self.grid.lines.len()).collect();
        while let Some(line) = pending.pop_first() {
            if !self.is_open(line) {
                continue;
            }
            if let Some(cell) = self.line_complement(line) {
                self.add(cell);
                pending.extend(self.lines_of[cell].iter().copied());
            }
        }
    }

    /// Step 2: one complement near each exposed cell, at most one per line, so that one fix is
    /// seen by the next audit before another is made for the same reason.
    fn repair(&mut self, exposed: &[usize]) -> bool {
        let before = self.added;
        let mut touched = vec![false; self.grid.lines.len()];
        for &cell in exposed {
            if self.lines_of[cell].iter().any(|&l| touched[l]) {
                continue;
            }
            if let Some(complement) = self.nearest_complement(cell) {
                self.add(complement);
                for &l in self.lines_of[cell].iter().chain(&self.lines_of[complement]) {
                    touched[l] = true;
                }
            }
        }
        self.added > before
    }

    fn add(&mut self, cell: usize) {
        debug_assert!(!self.grid.is_suppressed(cell));
        self.grid.status[cell] = Some(Suppression::Complementary);
        self.added += 1;
    }

    /// Suppressed and worth protecting.
    fn is_live(&self, cell: usize) -> bool {
        self.grid.is_suppressed(cell) && !self.structural[cell]
    }

    fn is_open(&self, line: usize) -> bool {
        let line = &self.grid.lines[line];
        if self.grid.is_zero_line(line) {
            return false;
        }
        let live = line.cells().filter(|&c| self.is_live(c)).count();
        live == 1 || self.grid.gives_zeros_away(line, &self.structural)
    }

    /// The smallest shown part above 0, else the total if shown and above 0. An open line that
    /// is not a zero line always has one, as long as its values add up.
    fn line_complement(&self, line: usize) -> Option<usize> {
        let line = &self.grid.lines[line];
        let shown_positive = |c: usize| !self.grid.is_suppressed(c) && self.grid.values[c] > 0.0;
        self.smallest(line.parts.iter().copied().filter(|&c| shown_positive(c)))
            .or_else(|| shown_positive(line.total).then_some(line.total))
    }

    /// A shown cell in the lines through `cell`, else one suppressed cell further out, and so
    /// on: above 0 if there is one anywhere, else a zero that is not structural.
    fn nearest_complement(&self, cell: usize) -> Option<usize> {
        let values = &self.grid.values;
        self.search(cell, |c| values[c] > 0.0)
            .or_else(|| self.search(cell, |c| values[c] == 0.0 && !self.structural[c]))
    }

    /// Breadth-first over lines, linked by suppressed cells; the smallest acceptable shown cell
    /// of the first layer that has one.
    fn search(&self, start: usize, accept: impl Fn(usize) -> bool) -> Option<usize> {
        let grid = &*self.grid;
        let mut seen_line = vec![false; grid.lines.len()];
        let mut seen_cell = vec![false; grid.len()];
        seen_cell[start] = true;
        let mut layer: Vec<usize> = self.lines_of[start].clone();
        for &l in &layer {
            seen_line[l] = true;
        }
        while !layer.is_empty() {
            let cells = || layer.iter().flat_map(|&l| grid.lines[l].cells());
            let found = cells().filter(|&c| !grid.is_suppressed(c) && accept(c));
            if let Some(best) = self.smallest(found) {
                return Some(best);
            }
            let mut next = Vec::new();
            for c in cells().filter(|&c| grid.is_suppressed(c)) {
                if std::mem::replace(&mut seen_cell[c], true) {
                    continue;
                }
                for &l in &self.lines_of[c] {
                    if !std::mem::replace(&mut seen_line[l], true) {
                        next.push(l);
                    }
                }
            }
            layer = next;
        }
        None
    }

    /// Cheapest (by default the smallest value), ties by lowest index.
    fn smallest(&self, cells: impl Iterator<Item = usize>) -> Option<usize> {
        let costs = &self.grid.costs;
        cells.min_by(|&a, &b| costs[a].total_cmp(&costs[b]).then(a.cmp(&b)))
    }
}

/// A sparse row: (column, coefficient), columns ascending, no zero coefficients.
type Row<S> = Vec<(u32, S)>;

/// The arithmetic the elimination needs. `None` means overflow.
trait Scalar: Copy {
    const ZERO: Self;
    fn from_coef(coef: i64) -> Self;
    fn is_zero(self) -> bool;
    /// `(alpha, beta)` with `alpha * at - beta * lead == 0`, `alpha != 0`.
    fn factors(lead: Self, at: Self) -> Option<(Self, Self)>;
    /// `alpha * x - beta * y`.
    fn mul_sub(alpha: Self, x: Self, beta: Self, y: Self) -> Option<Self>;
    /// Keeps entries small (integers: divide by their gcd).
    fn normalise(row: &mut Row<Self>) -> Option<()>;
}

impl Scalar for i128 {
    const ZERO: Self = 0;

    fn from_coef(coef: i64) -> Self {
        coef.into()
    }

    fn is_zero(self) -> bool {
        self == 0
    }

    fn factors(lead: Self, at: Self) -> Option<(Self, Self)> {
        let g = i128::try_from(gcd(lead.unsigned_abs(), at.unsigned_abs())).ok()?;
        Some((lead.checked_div(g)?, at.checked_div(g)?))
    }

    fn mul_sub(alpha: Self, x: Self, beta: Self, y: Self) -> Option<Self> {
        alpha.checked_mul(x)?.checked_sub(beta.checked_mul(y)?)
    }

    fn normalise(row: &mut Row<Self>) -> Option<()> {
        let g = row.iter().fold(0, |g, e| gcd(g, e.1.unsigned_abs()));
        if g > 1 {
            let g = i128::try_from(g).ok()?;
            for e in row.iter_mut() {
                e.1 /= g;
            }
        }
        Some(())
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// An integer modulo the prime `P` (below 2^63).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mod<const P: u64>(u64);

impl<const P: u64> Mod<P> {
    fn mul(self, other: Self) -> Self {
        Self((u128::from(self.0) * u128::from(other.0) % u128::from(P)) as u64)
    }

    fn inverse(self) -> Self {
        // Fermat: a^(P-2) = a^-1 for a prime P.
        let (mut base, mut exp, mut acc) = (self, P - 2, Self(1));
        while exp > 0 {
            if exp & 1 == 1 {
                acc = acc.mul(base);
            }
            base = base.mul(base);
            exp >>= 1;
        }
        acc
    }
}

impl<const P: u64> Scalar for Mod<P> {
    const ZERO: Self = Self(0);

    fn from_coef(coef: i64) -> Self {
        Self(coef.rem_euclid(P as i64) as u64)
    }

    fn is_zero(self) -> bool {
        self.0 == 0
    }

    fn factors(lead: Self, at: Self) -> Option<(Self, Self)> {
        Some((Self(1), at.mul(lead.inverse())))
    }

    fn mul_sub(alpha: Self, x: Self, beta: Self, y: Self) -> Option<Self> {
        let (a, b) = (alpha.mul(x).0, beta.mul(y).0);
        Some(Self(if a >= b { a - b } else { P - (b - a) }))
    }

    fn normalise(_: &mut Row<Self>) -> Option<()> {
        Some(())
    }
}

const PRIME_A: u64 = (1 << 61) - 1;
const PRIME_B: u64 = (1 << 62) - 57;

/// The determined columns, exactly; `None` if an entry overflowed `i128`.
fn audit_exact(rows: &[Row<i64>], columns: usize) -> Option<Vec<u32>> {
    determined_columns::<i128>(rows, columns)
}

/// The columns determined modulo either of two large primes.
fn audit_modular(rows: &[Row<i64>], columns: usize) -> Vec<u32> {
    let a = determined_columns::<Mod<PRIME_A>>(rows, columns).unwrap_or_default();
    let b = determined_columns::<Mod<PRIME_B>>(rows, columns).unwrap_or_default();
    let union: BTreeSet<u32> = a.into_iter().chain(b).collect();
    union.into_iter().collect()
}

/// Columns `j` with `e_j` in the row space: in reduced row echelon form, the rows with a single
/// entry. Rows only combine when they share a column, so unrelated tables stay apart and the
/// cost follows the connected groups of suppressed cells.
fn determined_columns<S: Scalar>(rows: &[Row<i64>], columns: usize) -> Option<Vec<u32>> {
    let mut basis: Vec<Option<Row<S>>> = vec![None; columns];
    for row in rows {
        let row = row.iter().map(|&(j, c)| (j, S::from_coef(c))).collect();
        insert(&mut basis, row)?;
    }
    back_substitute(&mut basis)?;
    let single = |(j, row): (usize, &Option<Row<S>>)| {
        row.as_ref()
            .is_some_and(|r| r.len() == 1)
            .then_some(j as u32)
    };
    Some(basis.iter().enumerate().filter_map(single).collect())
}

/// Forward elimination: reduces `row` by the basis rows of its leading columns and files it
/// under its new leading column, or drops it if it vanishes.
fn insert<S: Scalar>(basis: &mut [Option<Row<S>>], mut row: Row<S>) -> Option<()> {
    while let Some(&(lead, _)) = row.first() {
        match &basis[lead as usize] {
            Some(pivot) => row = eliminate(&row, pivot, lead)?,
            None => {
                S::normalise(&mut row)?;
                basis[lead as usize] = Some(row);
                break;
            }
        }
    }
    Some(())
}

/// Clears every other pivot column from each basis row, last pivot first, so that each row
/// ends up with its pivot and free columns only.
fn back_substitute<S: Scalar>(basis: &mut [Option<Row<S>>]) -> Option<()> {
    for p in (0..basis.len()).rev() {
        let Some(mut row) = basis[p].take() else {
            continue;
        };
        while let Some((col, pivot)) = next_pivot(&row, basis) {
            row = eliminate(&row, pivot, col)?;
        }
        basis[p] = Some(row);
    }
    Some(())
}

/// The first entry after the leading one that sits in a pivot column, with that pivot's row.
fn next_pivot<'b, S>(row: &[(u32, S)], basis: &'b [Option<Row<S>>]) -> Option<(u32, &'b Row<S>)> {
    row.iter()
        .skip(1)
        .find_map(|&(j, _)| basis[j as usize].as_ref().map(|r| (j, r)))
}

/// `alpha * row - beta * pivot`, chosen so that column `col` (the pivot's leading column)
/// vanishes.
fn eliminate<S: Scalar>(row: &[(u32, S)], pivot: &[(u32, S)], col: u32) -> Option<Row<S>> {
    let at = row.binary_search_by_key(&col, |e| e.0);
    let at = row[at.expect("the row has an entry in the pivot's column")].1;
    let (alpha, beta) = S::factors(pivot[0].1, at)?;
    let mut out = Vec::with_capacity(row.len() + pivot.len());
    let (mut i, mut k) = (0, 0);
    while i < row.len() || k < pivot.len() {
        let ci = row.get(i).map_or(u32::MAX, |e| e.0);
        let ck = pivot.get(k).map_or(u32::MAX, |e| e.0);
        let j = ci.min(ck);
        let x = if ci == j {
            i += 1;
            row[i - 1].1
        } else {
            S::ZERO
        };
        let y = if ck == j {
            k += 1;
            pivot[k - 1].1
        } else {
            S::ZERO
        };
        let v = S::mul_sub(alpha, x, beta, y)?;
        if !v.is_zero() {
            out.push((j, v));
        }
    }
    S::normalise(&mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn suppression_codes_are_the_serde_names() {
        assert_eq!(Suppression::SmallCount.code(), "small_count");
        assert_eq!(Suppression::Dominance.code(), "dominance");
        assert_eq!(Suppression::Complementary.code(), "complementary");
    }

    /// A two-way table with its margins and grand total, all cells in `grid`.
    struct Table {
        cells: Vec<Vec<usize>>,
        rows: Vec<usize>,
        cols: Vec<usize>,
        total: usize,
    }

    /// Adds the inner cells and their sums; margins (and grand total) are given cells or new.
    fn table(
        grid: &mut Grid,
        values: &[Vec<f64>],
        rows: Option<Vec<usize>>,
        cols: Option<Vec<usize>>,
        total: Option<usize>,
    ) -> Table {
        let cells: Vec<Vec<usize>> = values
            .iter()
            .map(|r| r.iter().map(|&v| grid.cell(v)).collect())
            .collect();
        let n_cols = values[0].len();
        let rows =
            rows.unwrap_or_else(|| values.iter().map(|r| grid.cell(r.iter().sum())).collect());
        let cols = cols.unwrap_or_else(|| {
            (0..n_cols)
                .map(|j| grid.cell(values.iter().map(|r| r[j]).sum()))
                .collect()
        });
        let total = total.unwrap_or_else(|| grid.cell(values.iter().flatten().sum()));
        for (i, r) in cells.iter().enumerate() {
            grid.sum(rows[i], r);
        }
        for (j, &c) in cols.iter().enumerate() {
            let column: Vec<usize> = cells.iter().map(|r| r[j]).collect();
            grid.sum(c, &column);
        }
        grid.sum(total, &rows);
        grid.sum(total, &cols);
        Table {
            cells,
            rows,
            cols,
            total,
        }
    }

    fn suppressed_in(grid: &Grid, cells: &[usize]) -> usize {
        cells.iter().filter(|&&c| grid.status(c).is_some()).count()
    }

    fn complements_in(grid: &Grid) -> usize {
        let complementary = |&c: &usize| grid.status(c) == Some(Suppression::Complementary);
        (0..grid.len()).filter(complementary).count()
    }

    fn statuses(grid: &Grid) -> Vec<Option<Suppression>> {
        (0..grid.len()).map(|c| grid.status(c)).collect()
    }

    /// After `protect`: nothing determined or exposed, primaries kept, count returned right.
    fn assert_protected(grid: &mut Grid) -> usize {
        let before = statuses(grid);
        let added = grid.protect();
        assert_eq!(grid.determined(), Vec::<usize>::new());
        assert_eq!(grid.exposed(), Vec::<usize>::new());
        let after = statuses(grid);
        let mut new = 0;
        for (b, a) in before.iter().zip(&after) {
            match (b, a) {
                (Some(_), _) => assert_eq!(a, b, "a primary changed"),
                (None, Some(why)) => {
                    assert_eq!(*why, Suppression::Complementary);
                    new += 1;
                }
                (None, None) => {}
            }
        }
        assert_eq!(added, new);
        added
    }

    #[test]
    fn two_by_two_needs_a_rectangle() {
        let mut grid = Grid::new();
        let t = table(
            &mut grid,
            &[vec![2.0, 5.0], vec![6.0, 9.0]],
            None,
            None,
            None,
        );
        grid.suppress(t.cells[0][0], Suppression::SmallCount);
        assert_eq!(grid.determined(), vec![t.cells[0][0]]);
        assert_eq!(assert_protected(&mut grid), 3);
        for &c in t.cells.iter().flatten().skip(1) {
            assert_eq!(grid.status(c), Some(Suppression::Complementary));
        }
        for &c in t.rows.iter().chain(&t.cols).chain([&t.total]) {
            assert_eq!(grid.status(c), None, "margins stay shown");
        }
    }

    #[test]
    fn bridge_between_two_rectangles_is_found_and_fixed() {
        let mut values = vec![vec![20.0; 6]; 6];
        let hidden = [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
            (0, 2),
        ];
        for &(i, j) in &hidden {
            values[i][j] = 1.0;
        }
        let mut grid = Grid::new();
        let t = table(&mut grid, &values, None, None, None);
        for &(i, j) in &hidden {
            grid.suppress(t.cells[i][j], Suppression::SmallCount);
        }
        let joint = t.cells[0][2];
        // No line alone gives anything away …
        for i in 0..6 {
            assert_ne!(suppressed_in(&grid, &t.cells[i]), 1);
            let column: Vec<usize> = t.cells.iter().map(|r| r[i]).collect();
            assert_ne!(suppressed_in(&grid, &column), 1);
        }
        assert_eq!(suppressed_in(&grid, &t.cells[0]), 3);
        // … but rows 0 and 1 less columns 0 and 1 leave the joining cell alone.
        assert_eq!(grid.determined(), vec![joint]);
        assert!(assert_protected(&mut grid) >= 1);
    }

    #[test]
    fn crosstab_with_margin_tables_and_grand_total() {
        // Gender x background; the gender and background tables are the crosstab's margins.
        let mut grid = Grid::new();
        let gender = [grid.cell(43.0), grid.cell(47.0)];
        let background = [grid.cell(32.0), grid.cell(26.0), grid.cell(32.0)];
        let total = grid.cell(90.0);
        let values = [vec![12.0, 1.0, 30.0], vec![20.0, 25.0, 2.0]];
        let t = table(
            &mut grid,
            &values,
            Some(gender.to_vec()),
            Some(background.to_vec()),
            Some(total),
        );
        grid.suppress(t.cells[0][1], Suppression::SmallCount);
        grid.suppress(t.cells[1][2], Suppression::SmallCount);
        assert_protected(&mut grid);
        for r in &t.cells {
            assert_ne!(suppressed_in(&grid, r), 1);
        }
        assert_eq!(grid.status(total), None);
    }

    #[test]
    fn small_margin_is_protected_in_its_table_and_the_crosstab() {
        let mut grid = Grid::new();
        let values = [
            vec![1.0, 1.0, 0.0],
            vec![20.0, 25.0, 30.0],
            vec![9.0, 14.0, 6.0],
        ];
        let t = table(&mut grid, &values, None, None, None);
        grid.suppress(t.rows[0], Suppression::SmallCount);
        grid.suppress(t.cells[0][0], Suppression::SmallCount);
        grid.suppress(t.cells[0][1], Suppression::SmallCount);
        assert_protected(&mut grid);
        assert_eq!(
            grid.status(t.cells[0][2]),
            None,
            "the zero is not a complement"
        );
    }

    #[test]
    fn trend_layer_adds_up_to_the_totals() {
        // Gender totals split into three half-years; the periods' totals add up to the grand
        // total, and the gender table is also the margin of a gender x background crosstab.
        let mut grid = Grid::new();
        let gender = [grid.cell(40.0), grid.cell(50.0)];
        let total = grid.cell(90.0);
        let by_background = [vec![10.0, 30.0], vec![22.0, 28.0]];
        table(
            &mut grid,
            &by_background,
            Some(gender.to_vec()),
            None,
            Some(total),
        );
        let trend = [vec![15.0, 2.0, 23.0], vec![12.0, 20.0, 18.0]];
        let t = table(&mut grid, &trend, Some(gender.to_vec()), None, Some(total));
        grid.suppress(t.cells[0][1], Suppression::SmallCount);
        assert_protected(&mut grid);
        let period: Vec<usize> = t.cells.iter().map(|r| r[1]).collect();
        assert_eq!(suppressed_in(&grid, &period), 2);
        assert_ne!(suppressed_in(&grid, &t.cells[0]), 1);
        assert_eq!(grid.status(gender[0]), None);
    }

    #[test]
    fn zero_lines_need_no_complements() {
        let mut grid = Grid::new();
        let values = [
            vec![0.0, 0.0, 0.0],
            vec![5.0, 1.0, 7.0],
            vec![6.0, 4.0, 9.0],
        ];
        let t = table(&mut grid, &values, None, None, None);
        // A zero in a zero line is structural: everything there is 0 and visibly so.
        grid.suppress(t.cells[0][0], Suppression::SmallCount);
        assert_eq!(grid.determined(), vec![t.cells[0][0]]);
        assert_eq!(grid.exposed(), Vec::<usize>::new());
        assert_eq!(grid.protect(), 0);
        // A sensitive cell elsewhere is protected with cells above 0 only.
        grid.suppress(t.cells[1][1], Suppression::SmallCount);
        assert!(grid.protect() > 0);
        assert_eq!(grid.exposed(), Vec::<usize>::new());
        for c in 0..grid.len() {
            if grid.status(c) == Some(Suppression::Complementary) {
                assert!(grid.value(c) > 0.0);
            }
        }
    }

    #[test]
    fn a_sensitive_zero_outside_zero_lines_is_protected() {
        let mut grid = Grid::new();
        let values = [vec![0.0, 4.0, 6.0], vec![5.0, 8.0, 7.0]];
        let t = table(&mut grid, &values, None, None, None);
        grid.suppress(t.cells[0][0], Suppression::SmallCount);
        assert_protected(&mut grid);
        assert_eq!(grid.status(t.cells[0][1]), Some(Suppression::Complementary));
    }

    #[test]
    fn two_zeros_in_a_shown_line_are_given_away_by_non_negativity() {
        let mut grid = Grid::new();
        let values = [vec![0.0, 0.0, 9.0, 8.0], vec![3.0, 4.0, 5.0, 6.0]];
        let t = table(&mut grid, &values, None, None, None);
        grid.suppress(t.cells[0][0], Suppression::SmallCount);
        grid.suppress(t.cells[0][1], Suppression::SmallCount);
        grid.suppress(t.cells[1][0], Suppression::SmallCount);
        grid.suppress(t.cells[1][1], Suppression::SmallCount);
        // Linear algebra alone is satisfied (a rectangle), but row 0 shows 17 = 9 + 8.
        assert_eq!(grid.determined(), Vec::<usize>::new());
        assert_eq!(grid.exposed(), vec![t.cells[0][0], t.cells[0][1]]);
        assert_protected(&mut grid);
        assert_eq!(grid.status(t.cells[0][3]), Some(Suppression::Complementary));
    }

    #[test]
    fn shown_grid_needs_nothing_and_protect_is_idempotent() {
        let mut grid = Grid::new();
        let t = table(
            &mut grid,
            &[vec![4.0, 5.0], vec![6.0, 9.0]],
            None,
            None,
            None,
        );
        assert_eq!(grid.protect(), 0);
        grid.suppress(t.cells[1][1], Suppression::Dominance);
        assert_eq!(grid.protect(), 3);
        assert_eq!(grid.protect(), 0);
        assert_eq!(grid.status(t.cells[1][1]), Some(Suppression::Dominance));
    }

    #[test]
    fn primary_reasons_do_not_depend_on_call_order() {
        let mut grid = Grid::new();
        let a = grid.cell(1.0);
        grid.suppress(a, Suppression::Complementary);
        grid.suppress(a, Suppression::Dominance);
        grid.suppress(a, Suppression::SmallCount);
        grid.suppress(a, Suppression::Dominance);
        assert_eq!(grid.status(a), Some(Suppression::SmallCount));
    }

    #[test]
    #[should_panic(expected = "twice")]
    fn a_cell_twice_in_a_sum_is_refused() {
        let mut grid = Grid::new();
        let a = grid.cell(1.0);
        let b = grid.cell(1.0);
        grid.sum(a, &[b, b]);
    }

    #[test]
    fn auditor_handles_chains_and_empty_grids() {
        assert_eq!(Grid::new().determined(), Vec::<usize>::new());
        let mut grid = Grid::new();
        // t = a + b, a = c + d: with t, b, d hidden, a is free, so nothing is pinned ...
        let [t, a, b, c, d] = [10.0, 6.0, 4.0, 5.0, 1.0].map(|v| grid.cell(v));
        grid.sum(t, &[a, b]);
        grid.sum(a, &[c, d]);
        for x in [t, b, d] {
            grid.suppress(x, Suppression::SmallCount);
        }
        assert_eq!(grid.determined(), vec![d]);
        // ... except d, once c and a are shown; hiding a as well frees it.
        grid.suppress(a, Suppression::Complementary);
        assert_eq!(grid.determined(), Vec::<usize>::new());
    }

    /// A tiny linear congruential generator (Knuth's MMIX constants).
    #[derive(Clone)]
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A table of a random report: its dimensions, and a cell per combination of their values.
    type Margin = (Vec<usize>, BTreeMap<Vec<usize>, usize>);

    /// A random report: a cube gender x background x period of small counts, shown with its
    /// one-way margins and grand total, and now and then without some two-way margin or without
    /// the cube itself. Each table adds up to the tables one dimension smaller, as in
    /// `report::build`. Counts 1 and 2 are sensitive, and now and then a larger cell is dominated.
    fn random_report(rng: &mut Lcg, dims: [usize; 3], spread: u64) -> Grid {
        let [_, nb, np] = dims;
        let cube: Vec<u64> = (0..dims.iter().product())
            .map(|_| rng.below(spread))
            .collect();
        let coords = |k: usize| [k / (nb * np), k / np % nb, k % np];
        let mut shown: Vec<Vec<usize>> = vec![vec![], vec![0], vec![1], vec![2]];
        for two_way in [vec![0, 1], vec![0, 2], vec![1, 2]] {
            if rng.below(4) > 0 {
                shown.push(two_way);
            }
        }
        if rng.below(2) == 0 {
            shown.push(vec![0, 1, 2]);
        }
        let mut grid = Grid::new();
        let tables: Vec<Margin> = shown
            .into_iter()
            .map(|keep| {
                let mut sums: BTreeMap<Vec<usize>, u64> = BTreeMap::new();
                for (k, &v) in cube.iter().enumerate() {
                    let key = keep.iter().map(|&d| coords(k)[d]).collect();
                    *sums.entry(key).or_default() += v;
                }
                let cells = sums.into_iter().map(|(key, v)| (key, grid.cell(v as f64)));
                (keep, cells.collect())
            })
            .collect();
        for (keep, cells) in &tables {
            for drop in 0..keep.len() {
                let smaller: Vec<usize> =
                    keep.iter().copied().filter(|&d| d != keep[drop]).collect();
                let Some((_, totals)) = tables.iter().find(|(k, _)| *k == smaller) else {
                    continue;
                };
                for (key, &total) in totals {
                    let parts: Vec<usize> = cells
                        .iter()
                        .filter(|(k, _)| {
                            let mut k = (*k).clone();
                            k.remove(drop);
                            k == *key
                        })
                        .map(|(_, &c)| c)
                        .collect();
                    grid.sum(total, &parts);
                }
            }
        }
        for c in 0..grid.len() {
            let v = grid.value(c);
            if v > 0.0 && v < 3.0 {
                grid.suppress(c, Suppression::SmallCount);
            } else if v >= 3.0 && rng.below(20) == 0 {
                grid.suppress(c, Suppression::Dominance);
            }
        }
        grid
    }

    fn random_dims(rng: &mut Lcg) -> [usize; 3] {
        [
            2 + rng.below(2) as usize,
            2 + rng.below(3) as usize,
            2 + rng.below(2) as usize,
        ]
    }

    #[test]
    fn random_reports_are_protected() {
        let mut rng = Lcg(0x5eed_2026);
        let mut complements = 0;
        for _ in 0..200 {
            let dims = random_dims(&mut rng);
            let spread = 3 + rng.below(10);
            let mut twin_rng = rng.clone();
            let mut grid = random_report(&mut rng, dims, spread);
            let mut twin = random_report(&mut twin_rng, dims, spread);
            complements += assert_protected(&mut grid);
            assert_eq!(twin.protect(), complements_in(&grid));
            assert_eq!(statuses(&grid), statuses(&twin), "deterministic");
        }
        assert!(complements > 0);
    }

    #[test]
    fn exact_and_modular_audits_agree() {
        let mut rng = Lcg(42);
        for _ in 0..200 {
            let dims = random_dims(&mut rng);
            let grid = random_report(&mut rng, dims, 4);
            let hidden: Vec<usize> = (0..grid.len()).filter(|&c| grid.is_suppressed(c)).collect();
            let rows = grid.restricted_rows(&hidden);
            let exact = audit_exact(&rows, hidden.len()).expect("no overflow");
            assert_eq!(exact, audit_modular(&rows, hidden.len()));
        }
    }

    #[test]
    fn large_report_is_protected() {
        // About 2,000 cells with some 300 sensitive: a 4 x 12 x 30 cube and all its margins.
        let mut rng = Lcg(7);
        let mut grid = loop {
            let grid = random_report(&mut rng, [4, 12, 30], 9);
            if grid.len() > 2_000 {
                break grid;
            }
        };
        let sensitive = (0..grid.len()).filter(|&c| grid.is_suppressed(c)).count();
        assert!(sensitive > 250, "{sensitive}");
        assert_protected(&mut grid);
    }
}
