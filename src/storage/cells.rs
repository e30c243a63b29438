//! The statistics cube: one row of sufficient statistics per (call, gender, background,
//! age band, county) and tagging scheme, changed in the same transaction as the applications it
//! counts (see `analysis::cells`).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::stat_cells;
use super::{DbConnection, StorageError, StorageResult};
use chrono::NaiveDate;

use crate::analysis::cells::{ApplicationFigures, CellStats, Histogram};
use crate::domain::application::Outcome;
use crate::domain::money::Ore;
use crate::domain::tagging::{Dimension, Tags};

/// The dimensions the cube keeps, in key order. Evaluations over other dimensions (municipality,
/// size, detailed background) read the tagged applications instead.
pub const CUBE_DIMENSIONS: [Dimension; 4] = [
    Dimension::Gender,
    Dimension::Background,
    Dimension::AgeBand,
    Dimension::County,
];

/// Where in the cube one application counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CubeKey {
    pub call_id: i64,
    /// Values of [`CUBE_DIMENSIONS`], in that order.
    pub groups: [String; 4],
}

impl CubeKey {
    pub fn new(call_id: i64, tags: &Tags) -> Self {
        Self {
            call_id,
            groups: CUBE_DIMENSIONS.map(|d| tags.get(d).value.clone()),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stat_cells)]
#[diesel(treat_none_as_default_value = false)]
struct CellRow {
    org_id: i64,
    scheme_id: i64,
    call_id: i64,
    gender: String,
    background: String,
    age_band: String,
    county: String,
    applications: i64,
    judged: i64,
    approved: i64,
    withdrawn: i64,
    applied_ore: i64,
    judged_applied_ore: i64,
    approved_applied_ore: i64,
    granted_ore: i64,
    granted_sq_sek: f64,
    days_sum: i64,
    hist_granted: String,
    hist_cut: String,
    hist_days: String,
}

impl CellRow {
    fn new(org_id: i64, scheme_id: i64, key: &CubeKey, s: &CellStats) -> Self {
        let [gender, background, age_band, county] = key.groups.clone();
        Self {
            org_id,
            scheme_id,
            call_id: key.call_id,
            gender,
            background,
            age_band,
            county,
            applications: s.applications,
            judged: s.judged,
            approved: s.approved,
            withdrawn: s.withdrawn,
            applied_ore: s.applied_ore,
            judged_applied_ore: s.judged_applied_ore,
            approved_applied_ore: s.approved_applied_ore,
            granted_ore: s.granted_ore,
            granted_sq_sek: s.granted_sq_sek,
            days_sum: s.days_sum,
            hist_granted: s.hist_granted.encode(),
            hist_cut: s.hist_cut.encode(),
            hist_days: s.hist_days.encode(),
        }
    }

    fn into_parts(self) -> StorageResult<(CubeKey, CellStats)> {
        let histogram = |text: &str| {
            Histogram::decode(text)
                .map_err(|e| StorageError::Config(format!("corrupt statistics cell: {e}")))
        };
        let stats = CellStats {
            applications: self.applications,
            judged: self.judged,
            approved: self.approved,
            withdrawn: self.withdrawn,
            applied_ore: self.applied_ore,
            judged_applied_ore: self.judged_applied_ore,
            approved_applied_ore: self.approved_applied_ore,
            granted_ore: self.granted_ore,
            granted_sq_sek: self.granted_sq_sek,
            days_sum: self.days_sum,
            hist_granted: histogram(&self.hist_granted)?,
            hist_cut: histogram(&self.hist_cut)?,
            hist_days: histogram(&self.hist_days)?,
        };
        let key = CubeKey {
            call_id: self.call_id,
            groups: [self.gender, self.background, self.age_band, self.county],
        };
        Ok((key, stats))
    }
}

/// Changes to the cube collected while a batch is written: key -> what to add.
#[derive(Debug, Default)]
pub struct CubeDelta {
    changes: HashMap<CubeKey, CellStats>,
}

impl CubeDelta {
    pub fn add(&mut self, key: CubeKey, stats: &CellStats, sign: i64) {
        self.changes.entry(key).or_default().add(stats, sign);
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Writes cells, replacing those that exist (the caller merged them under the organisation
/// lock). A macro, not a function: the statement's type differs for arrays and slices.
macro_rules! upsert_cells {
    ($conn:expr, $rows:expr) => {
        crate::with_backend!(&mut *$conn, c => diesel::insert_into(stat_cells::table)
            .values($rows)
            .on_conflict((
                stat_cells::org_id,
                stat_cells::scheme_id,
                stat_cells::call_id,
                stat_cells::gender,
                stat_cells::background,
                stat_cells::age_band,
                stat_cells::county,
            ))
            .do_update()
            .set((
                stat_cells::applications.eq(excluded(stat_cells::applications)),
                stat_cells::judged.eq(excluded(stat_cells::judged)),
                stat_cells::approved.eq(excluded(stat_cells::approved)),
                stat_cells::withdrawn.eq(excluded(stat_cells::withdrawn)),
                stat_cells::applied_ore.eq(excluded(stat_cells::applied_ore)),
                stat_cells::judged_applied_ore.eq(excluded(stat_cells::judged_applied_ore)),
                stat_cells::approved_applied_ore.eq(excluded(stat_cells::approved_applied_ore)),
                stat_cells::granted_ore.eq(excluded(stat_cells::granted_ore)),
                stat_cells::granted_sq_sek.eq(excluded(stat_cells::granted_sq_sek)),
                stat_cells::days_sum.eq(excluded(stat_cells::days_sum)),
                stat_cells::hist_granted.eq(excluded(stat_cells::hist_granted)),
                stat_cells::hist_cut.eq(excluded(stat_cells::hist_cut)),
                stat_cells::hist_days.eq(excluded(stat_cells::hist_days)),
            ))
            .execute(c))?
    };
}

/// Cells per upsert statement (21 columns each).
const CELLS_PER_STATEMENT: usize = 64;

/// Adds `delta` to the stored cells, inside a `write_tx`. Takes the organisation lock first:
/// cells are read, merged and written back, one writer at a time.
pub fn apply(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    delta: CubeDelta,
) -> StorageResult<()> {
    if delta.is_empty() {
        return Ok(());
    }
    super::lock_organisation(conn, org_id)?;
    let mut call_ids: Vec<i64> = delta.changes.keys().map(|k| k.call_id).collect();
    call_ids.sort_unstable();
    call_ids.dedup();
    let mut stored: HashMap<CubeKey, CellStats> = stat_cells::table
        .filter(stat_cells::org_id.eq(org_id))
        .filter(stat_cells::scheme_id.eq(scheme_id))
        .filter(stat_cells::call_id.eq_any(&call_ids))
        .select(CellRow::as_select())
        .load_iter::<CellRow, diesel::connection::DefaultLoadingMode>(conn)?
        .map(|row| {
            row.map_err(StorageError::from)
                .and_then(CellRow::into_parts)
        })
        .collect::<StorageResult<_>>()?;

    let mut upserts = Vec::with_capacity(delta.changes.len());
    let mut deletes = Vec::new();
    for (key, change) in delta.changes {
        let cell = stored.entry(key.clone()).or_default();
        cell.add(&change, 1);
        if cell.applications < 0 {
            return Err(StorageError::Config(format!(
                "statistics cell {key:?} would go negative: the cube is out of step with the rows"
            )));
        }
        if cell.is_empty() {
            deletes.push(key);
        } else {
            upserts.push(CellRow::new(org_id, scheme_id, &key, cell));
        }
    }
    // Fixed-size chunks (arrays) reuse one cached prepared statement; the remainder is
    // prepared anew.
    let mut chunks = upserts.chunks_exact(CELLS_PER_STATEMENT);
    for chunk in &mut chunks {
        let chunk: &[CellRow; CELLS_PER_STATEMENT] =
            chunk.try_into().expect("chunks_exact gives full chunks");
        upsert_cells!(conn, chunk);
    }
    if !chunks.remainder().is_empty() {
        upsert_cells!(conn, chunks.remainder());
    }
    for key in deletes {
        let [gender, background, age_band, county] = &key.groups;
        diesel::delete(
            stat_cells::table
                .filter(stat_cells::org_id.eq(org_id))
                .filter(stat_cells::scheme_id.eq(scheme_id))
                .filter(stat_cells::call_id.eq(key.call_id))
                .filter(stat_cells::gender.eq(gender))
                .filter(stat_cells::background.eq(background))
                .filter(stat_cells::age_band.eq(age_band))
                .filter(stat_cells::county.eq(county)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Which cells to read.
#[derive(Debug, Clone, Default)]
pub struct CellFilter {
    /// Only these calls (e.g. a programme's); `None` is every call.
    pub call_ids: Option<Vec<i64>>,
}

/// Reads the cube of one organisation and scheme.
pub fn load(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    filter: &CellFilter,
) -> StorageResult<Vec<(CubeKey, CellStats)>> {
    // In key order: evaluations sum floats over cells, and the sum must not depend on the order
    // the database happens to return them in. Read on the concrete connection: this is the
    // evaluation's hot path, and the multi-backend row adds a cost per value.
    crate::with_backend!(conn, c => {
        let mut query = stat_cells::table
            .filter(stat_cells::org_id.eq(org_id))
            .filter(stat_cells::scheme_id.eq(scheme_id))
            .select(CellRow::as_select())
            .order((
                stat_cells::call_id,
                stat_cells::gender,
                stat_cells::background,
                stat_cells::age_band,
                stat_cells::county,
            ))
            .into_boxed();
        if let Some(calls) = &filter.call_ids {
            query = query.filter(stat_cells::call_id.eq_any(calls.clone()));
        }
        query
            .load_iter::<CellRow, diesel::connection::DefaultLoadingMode>(c)?
            .map(|row| row.map_err(StorageError::from).and_then(CellRow::into_parts))
            .collect()
    })
}

/// Removes every cell of a scheme (before rebuilding it from the rows).
pub fn clear(conn: &mut DbConnection, org_id: i64, scheme_id: i64) -> StorageResult<usize> {
    Ok(diesel::delete(
        stat_cells::table
            .filter(stat_cells::org_id.eq(org_id))
            .filter(stat_cells::scheme_id.eq(scheme_id)),
    )
    .execute(conn)?)
}

/// One tagged application as the cube and the evaluation read it.
#[derive(Debug, Clone)]
pub struct ScanRow {
    pub call_id: i64,
    pub figures: ApplicationFigures,
    /// Tag values by [`Dimension::index`].
    pub groups: [String; 7],
}

impl ScanRow {
    pub fn cube_key(&self) -> CubeKey {
        CubeKey {
            call_id: self.call_id,
            groups: CUBE_DIMENSIONS.map(|d| self.groups[d.index()].clone()),
        }
    }
}

/// Reads every tagged application of an organisation under one scheme (optionally only some
/// calls), and hands each to `visit`: the current scheme's tags are on the applications, an
/// earlier scheme's in `tag_history`. Costs what the rows cost: for the cube's dimensions, read
/// the cube instead.
pub fn scan(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    call_ids: Option<&[i64]>,
    mut visit: impl FnMut(ScanRow),
) -> StorageResult<()> {
    use super::schema::{applications as a, tag_history as h};
    type Tagged = (String, String, String, String, String, String, String);
    type Row = (
        i64,
        NaiveDate,
        i64,
        Option<String>,
        Option<i64>,
        Option<NaiveDate>,
        Tagged,
    );
    let mut emit = |row: Row| {
        let (call_id, received_on, applied, outcome, granted, decided_on, g) = row;
        let decision = match (outcome.as_deref().and_then(Outcome::from_code), decided_on) {
            (Some(outcome), Some(decided_on)) => {
                Some((outcome, Ore(granted.unwrap_or(0)), decided_on))
            }
            _ => None,
        };
        visit(ScanRow {
            call_id,
            figures: ApplicationFigures {
                received_on,
                applied: Ore(applied),
                decision,
            },
            groups: [g.0, g.1, g.2, g.3, g.4, g.5, g.6],
        });
    };
    let figures = (
        a::call_id,
        a::received_on,
        a::amount_applied_ore,
        a::outcome,
        a::amount_granted_ore,
        a::decided_on,
    );
    let mut current = a::table
        .filter(a::org_id.eq(org_id))
        .filter(a::scheme_id.eq(scheme_id))
        .select((
            figures,
            (
                a::gender,
                a::background,
                a::background_detail,
                a::age_band,
                a::county,
                a::municipality,
                a::size_band,
            ),
        ))
        .order(a::external_id)
        .into_boxed();
    if let Some(calls) = call_ids {
        current = current.filter(a::call_id.eq_any(calls.to_vec()));
    }
    for row in current.load_iter::<(
        (
            i64,
            NaiveDate,
            i64,
            Option<String>,
            Option<i64>,
            Option<NaiveDate>,
        ),
        Tagged,
    ), diesel::connection::DefaultLoadingMode>(conn)?
    {
        let (f, g) = row?;
        emit((f.0, f.1, f.2, f.3, f.4, f.5, g));
    }
    let mut earlier = h::table
        .inner_join(
            a::table.on(a::org_id
                .eq(h::org_id)
                .and(a::external_id.eq(h::external_id))),
        )
        .filter(h::scheme_id.eq(scheme_id))
        .filter(h::org_id.eq(org_id))
        .select((
            figures,
            (
                h::gender,
                h::background,
                h::background_detail,
                h::age_band,
                h::county,
                h::municipality,
                h::size_band,
            ),
        ))
        .order(a::external_id)
        .into_boxed();
    if let Some(calls) = call_ids {
        earlier = earlier.filter(a::call_id.eq_any(calls.to_vec()));
    }
    for row in earlier.load_iter::<(
        (
            i64,
            NaiveDate,
            i64,
            Option<String>,
            Option<i64>,
            Option<NaiveDate>,
        ),
        Tagged,
    ), diesel::connection::DefaultLoadingMode>(conn)?
    {
        let (f, g) = row?;
        emit((f.0, f.1, f.2, f.3, f.4, f.5, g));
    }
    Ok(())
}

/// The cube as the rows say it should be (for rebuilding it, and for checking it).
pub fn recompute(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
) -> StorageResult<HashMap<CubeKey, CellStats>> {
    let mut cube: HashMap<CubeKey, CellStats> = HashMap::new();
    scan(conn, org_id, scheme_id, None, |row| {
        cube.entry(row.cube_key())
            .or_default()
            .add(&CellStats::of_application(&row.figures), 1);
    })?;
    Ok(cube)
}

/// Replaces the stored cube of a scheme by one recomputed from the rows.
pub fn rebuild(conn: &mut DbConnection, org_id: i64, scheme_id: i64) -> StorageResult<usize> {
    let cube = recompute(conn, org_id, scheme_id)?;
    clear(conn, org_id, scheme_id)?;
    let mut delta = CubeDelta::default();
    let cells = cube.len();
    for (key, stats) in cube {
        delta.add(key, &stats, 1);
    }
    apply(conn, org_id, scheme_id, delta)?;
    Ok(cells)
}
