//! The statistics cube: one row of sufficient statistics per (call, gender, background,
//! age band, county) and tagging scheme, changed in the same transaction as the applications it
//! counts (see `analysis::cells`).
//!
//! Every write of cells bumps the cube's generation (table `cube_generations`) and stamps the
//! cells it writes with it, so that a copy of the cube held in memory ([`Cube`], kept by
//! [`CubeCache`]) is brought up to date by reading only the cells written since.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{cube_generations, stat_cells};
use super::{DbConnection, StorageError, StorageResult};

use crate::analysis::cells::{CellStats, Histogram};
use crate::analysis::tagged::TaggedRow;
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

    /// Where a scanned row counts.
    pub fn of_row(row: &TaggedRow) -> Self {
        Self {
            call_id: row.call_id,
            groups: CUBE_DIMENSIONS.map(|d| row.groups[d.index()].clone()),
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
    generation: i64,
}

impl CellRow {
    fn new(org_id: i64, scheme_id: i64, key: &CubeKey, s: &CellStats, generation: i64) -> Self {
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
            generation,
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
                stat_cells::generation.eq(excluded(stat_cells::generation)),
            ))
            .execute(c))?
    };
}

/// Cells per upsert statement (22 columns each).
const CELLS_PER_STATEMENT: usize = 64;

/// The cube's (generation, cleared_at): (0, 0) before its first write.
fn generations(conn: &mut DbConnection, org_id: i64, scheme_id: i64) -> StorageResult<(i64, i64)> {
    Ok(cube_generations::table
        .filter(cube_generations::org_id.eq(org_id))
        .filter(cube_generations::scheme_id.eq(scheme_id))
        .select((cube_generations::generation, cube_generations::cleared_at))
        .first::<(i64, i64)>(conn)
        .optional()?
        .unwrap_or((0, 0)))
}

/// Starts the next generation of the cube (under the organisation lock) and returns it;
/// `cleared` records that every cell of the scheme is being removed.
fn next_generation(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    cleared: bool,
) -> StorageResult<i64> {
    let (generation, cleared_at) = generations(conn, org_id, scheme_id)?;
    let next = generation + 1;
    let cleared_at = if cleared { next } else { cleared_at };
    crate::with_backend!(&mut *conn, c => diesel::insert_into(cube_generations::table)
        .values((
            cube_generations::org_id.eq(org_id),
            cube_generations::scheme_id.eq(scheme_id),
            cube_generations::generation.eq(next),
            cube_generations::cleared_at.eq(cleared_at),
        ))
        .on_conflict((cube_generations::org_id, cube_generations::scheme_id))
        .do_update()
        .set((
            cube_generations::generation.eq(next),
            cube_generations::cleared_at.eq(cleared_at),
        ))
        .execute(c))?;
    Ok(next)
}

/// Adds `delta` to the stored cells, inside a `write_tx`. Takes the organisation lock first:
/// cells are read, merged and written back, one writer at a time. A cell that becomes empty is
/// kept as a zero row of the new generation, so that copies of the cube see it go.
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
    let generation = next_generation(conn, org_id, scheme_id, false)?;
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
    for (key, change) in delta.changes {
        let cell = stored.entry(key.clone()).or_default();
        cell.add(&change, 1);
        let out_of_step = cell.applications < 0
            || (cell.applications == 0
                && (cell.judged, cell.approved, cell.withdrawn, cell.granted_ore) != (0, 0, 0, 0));
        if out_of_step {
            return Err(StorageError::Config(format!(
                "statistics cell {key:?} would go negative or count nothing but sums: the cube \
                 is out of step with the rows"
            )));
        }
        if cell.is_empty() {
            // Exactly zero, as a new cell starts: the float sum of squares keeps no rounding
            // leftover of the applications that left.
            *cell = CellStats::default();
        }
        upserts.push(CellRow::new(org_id, scheme_id, &key, cell, generation));
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
    Ok(())
}

/// Which cells to read.
#[derive(Debug, Clone, Default)]
pub struct CellFilter {
    /// Only these calls (e.g. a programme's); `None` is every call.
    pub call_ids: Option<Vec<i64>>,
}

impl CellFilter {
    fn admits(&self, call_id: i64) -> bool {
        self.call_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&call_id))
    }
}

/// The cube of one organisation and scheme as of one generation: its non-empty cells in key
/// order (evaluations sum floats over cells, and the sums must not depend on the order a
/// database returns rows in).
#[derive(Debug, Clone, Default)]
pub struct Cube {
    pub generation: i64,
    cells: BTreeMap<CubeKey, CellStats>,
}

impl Cube {
    /// Reads the whole cube.
    pub fn read(conn: &mut DbConnection, org_id: i64, scheme_id: i64) -> StorageResult<Cube> {
        read_snapshot(conn, |conn| {
            let (generation, _) = generations(conn, org_id, scheme_id)?;
            Cube::whole(conn, org_id, scheme_id, generation)
        })
    }

    /// Reads every cell, inside a snapshot whose generation is `generation`.
    fn whole(
        conn: &mut DbConnection,
        org_id: i64,
        scheme_id: i64,
        generation: i64,
    ) -> StorageResult<Cube> {
        let mut cube = Cube {
            generation,
            cells: BTreeMap::new(),
        };
        cube.merge_rows(conn, org_id, scheme_id, None)?;
        Ok(cube)
    }

    /// The cells the filter admits, in key order.
    pub fn cells<'a, 'f>(
        &'a self,
        filter: &'f CellFilter,
    ) -> impl Iterator<Item = (&'a CubeKey, &'a CellStats)> + use<'a, 'f> {
        self.cells.iter().filter(|(k, _)| filter.admits(k.call_id))
    }

    /// Reads the cells written after generation `since` (every cell when `None`) into the cube:
    /// a written cell replaces the copy, an emptied one removes it.
    fn merge_rows(
        &mut self,
        conn: &mut DbConnection,
        org_id: i64,
        scheme_id: i64,
        since: Option<i64>,
    ) -> StorageResult<()> {
        // Read on the concrete connection: this is the evaluation's hot path, and the
        // multi-backend row adds a cost per value.
        crate::with_backend!(conn, c => {
            let mut query = stat_cells::table
                .filter(stat_cells::org_id.eq(org_id))
                .filter(stat_cells::scheme_id.eq(scheme_id))
                .select(CellRow::as_select())
                .into_boxed();
            if let Some(since) = since {
                query = query.filter(stat_cells::generation.gt(since));
            }
            for row in query.load_iter::<CellRow, diesel::connection::DefaultLoadingMode>(c)? {
                let (key, stats) = row?.into_parts()?;
                if stats.is_empty() {
                    self.cells.remove(&key);
                } else {
                    self.cells.insert(key, stats);
                }
            }
        });
        Ok(())
    }
}

fn in_transaction(conn: &mut DbConnection) -> StorageResult<bool> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = crate::with_backend!(conn, c =>
        AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?);
    Ok(depth.is_some())
}

/// Runs `read` on one snapshot of the database, so that a generation and the cells read with
/// it agree (PostgreSQL reads each statement of a plain transaction afresh).
fn read_snapshot<T>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> StorageResult<T>,
) -> StorageResult<T> {
    // Inside a caller's transaction the caller chose the isolation; a savepoint cannot.
    let set_isolation = matches!(conn, DbConnection::Postgresql(_)) && !in_transaction(conn)?;
    conn.transaction(|conn| {
        if set_isolation {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
        }
        read(conn)
    })
}

/// (organisation, scheme) -> the copy, and when it was last used (a tick of `CubeCache::clock`).
type CachedCubes = HashMap<(i64, i64), (Arc<Cube>, u64)>;

/// Copies of organisations' cubes, kept by a server between evaluations and refreshed from the
/// cells written since: an evaluation then reads what changed, not the whole cube. At most
/// `capacity` cubes are kept; the least recently used goes first.
pub struct CubeCache {
    capacity: usize,
    entries: Mutex<CachedCubes>,
    clock: std::sync::atomic::AtomicU64,
}

impl CubeCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
            clock: Default::default(),
        }
    }

    /// The cube as the database holds it now.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        scheme_id: i64,
    ) -> StorageResult<Arc<Cube>> {
        // Inside a caller's transaction the reads would see its uncommitted writes, which may
        // yet roll back: read afresh and keep nothing.
        if self.capacity == 0 || in_transaction(conn)? {
            return Ok(Arc::new(Cube::read(conn, org_id, scheme_id)?));
        }
        let cached = self
            .lock()
            .get(&(org_id, scheme_id))
            .map(|(cube, _)| Arc::clone(cube));
        let cube = read_snapshot(conn, |conn| {
            let (generation, cleared_at) = generations(conn, org_id, scheme_id)?;
            match cached {
                Some(cube) if cube.generation == generation => Ok(cube),
                // Newer cells on top of a copy no clear has overtaken.
                Some(cube) if cleared_at <= cube.generation && cube.generation < generation => {
                    let mut next = Cube::clone(&cube);
                    next.merge_rows(conn, org_id, scheme_id, Some(cube.generation))?;
                    next.generation = generation;
                    Ok(Arc::new(next))
                }
                // None yet, cleared since, or a database older than the copy (restored).
                _ => Ok(Arc::new(Cube::whole(conn, org_id, scheme_id, generation)?)),
            }
        })?;
        let used = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // What was just read is the database's state; should a request that read an older one
        // finish last, the next use refreshes it.
        let mut entries = self.lock();
        entries.insert((org_id, scheme_id), (Arc::clone(&cube), used));
        while entries.len() > self.capacity {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| *key)
                .expect("more entries than a non-zero capacity");
            entries.remove(&oldest);
        }
        Ok(cube)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CachedCubes> {
        // A panic while holding the lock leaves whole entries behind: still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Removes every cell of a scheme (before rebuilding it from the rows), inside a `write_tx`.
pub fn clear(conn: &mut DbConnection, org_id: i64, scheme_id: i64) -> StorageResult<usize> {
    super::lock_organisation(conn, org_id)?;
    next_generation(conn, org_id, scheme_id, true)?;
    Ok(diesel::delete(
        stat_cells::table
            .filter(stat_cells::org_id.eq(org_id))
            .filter(stat_cells::scheme_id.eq(scheme_id)),
    )
    .execute(conn)?)
}

/// The cube as the rows say it should be (for rebuilding it, and for checking it).
pub fn recompute(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
) -> StorageResult<HashMap<CubeKey, CellStats>> {
    let mut cube: HashMap<CubeKey, CellStats> = HashMap::new();
    super::tagged::scan(conn, org_id, scheme_id, None, |row| {
        cube.entry(CubeKey::of_row(&row))
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
