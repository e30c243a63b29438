//! Writing applications and decisions: one batch writer for the single `PUT`s and for bulk
//! imports alike, so that both validate, version and count the same way.
//!
//! A batch runs in one write transaction: it reads the applications it touches, decides per row
//! whether it is new, changed, a new decision version or unchanged, writes the rows with
//! multi-row statements, and moves the statistics cells by the difference. Either the whole batch
//! is written or none of it; rows refused here (unknown call, a decision that contradicts the
//! stored application) change nothing.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::application_rows::{DecisionRecord, TagColumns, decode_history, encode_history};
use super::cells::{self, CubeDelta, CubeKey};
use super::orgs::StoredScheme;
use super::schema::{applications, calls};
use super::{DbConnection, StorageResult, now};
use crate::analysis::cells::{ApplicationFigures, CellStats};
use crate::domain::application::{Application, Decision, DecisionReason, Outcome};
use crate::domain::money::Ore;
use crate::domain::tagging::Tags;
use crate::domain::validation::FieldError;

/// What one row asks for.
#[derive(Debug, Clone)]
pub enum Change {
    /// Create or replace an application (with its decision, if given).
    Application(Box<Prepared>),
    /// Record a decision, or a new version of it, for an existing application.
    Decision(Decision),
}

/// An application made ready to write by the caller, off the single writer's thread: tagged
/// under the scheme being written, with what it adds to the cube and its first decision version
/// worked out (used when it turns out to be new, which is most rows of a backfill).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub app: Application,
    pub tags: Tags,
    columns: TagColumns,
    contribution: CellStats,
    first_history: String,
}

impl Prepared {
    pub fn new(app: Application, scheme: &StoredScheme) -> Self {
        let tags = scheme.scheme.tag(&app.facts, app.received_on);
        let decision = app.decision.as_ref();
        let contribution = CellStats::of_application(&ApplicationFigures {
            received_on: app.received_on,
            applied: app.amount_applied,
            decision: decision.map(|d| (d.outcome, d.amount_granted, d.decided_on)),
        });
        let history: Vec<DecisionRecord> = decision
            .map(|d| decision_record(1, d, now()))
            .into_iter()
            .collect();
        Self {
            columns: TagColumns::new(scheme.id, &tags),
            first_history: encode_history(&history),
            contribution,
            tags,
            app,
        }
    }
}

/// One row to write.
#[derive(Debug, Clone)]
pub struct IngestRow {
    /// Line number in an import (1-based), or 0 for a single request.
    pub line: u64,
    pub external_id: String,
    pub change: Change,
}

impl IngestRow {
    /// An application row, prepared for `scheme`.
    pub fn application(
        line: u64,
        external_id: String,
        app: Application,
        scheme: &StoredScheme,
    ) -> Self {
        Self {
            line,
            external_id,
            change: Change::Application(Box::new(Prepared::new(app, scheme))),
        }
    }

    pub fn decision(external_id: String, decision: Decision) -> Self {
        Self {
            line: 0,
            external_id,
            change: Change::Decision(decision),
        }
    }
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowResult {
    Created {
        decision_version: i32,
    },
    /// The application changed (and possibly its decision).
    Updated {
        revision: i32,
        decision_version: i32,
    },
    /// Only the decision changed: a new version was recorded.
    DecisionRecorded {
        decision_version: i32,
    },
    Unchanged {
        decision_version: i32,
    },
    Rejected(Vec<FieldError>),
    /// `Change::Decision` for an application that does not exist.
    NotFound,
}

impl RowResult {
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Self::Created { .. } | Self::Updated { .. } | Self::DecisionRecorded { .. }
        )
    }
}

/// What a batch needs to know about its organisation; kept across batches of one import.
pub struct IngestContext {
    pub org_id: i64,
    pub scheme: StoredScheme,
    call_ids: HashMap<String, i64>,
}

impl IngestContext {
    pub fn new(org_id: i64, scheme: StoredScheme) -> Self {
        Self {
            org_id,
            scheme,
            call_ids: HashMap::new(),
        }
    }

    fn resolve_calls(&mut self, conn: &mut DbConnection, rows: &[IngestRow]) -> StorageResult<()> {
        let missing: HashSet<&str> = rows
            .iter()
            .filter_map(|r| match &r.change {
                Change::Application(p) if !self.call_ids.contains_key(&p.app.call_code) => {
                    Some(p.app.call_code.as_str())
                }
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let found: Vec<(String, i64)> = calls::table
            .filter(calls::org_id.eq(self.org_id))
            .filter(calls::code.eq_any(missing))
            .select((calls::code, calls::id))
            .load(conn)?;
        self.call_ids.extend(found);
        Ok(())
    }
}

/// The stored state of an application, as far as writing needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
struct Existing {
    external_id: String,
    call_id: i64,
    received_on: NaiveDate,
    amount_applied_ore: i64,
    content_hash: String,
    revision: i32,
    decision_history: String,
    decision_version: i32,
    outcome: Option<String>,
    amount_granted_ore: Option<i64>,
    decided_on: Option<NaiveDate>,
    #[diesel(embed)]
    tags: TagColumns,
}

impl Existing {
    fn decision(&self) -> Option<(Outcome, Ore, NaiveDate)> {
        let outcome = Outcome::from_code(self.outcome.as_deref()?)?;
        Some((
            outcome,
            Ore(self.amount_granted_ore.unwrap_or(0)),
            self.decided_on?,
        ))
    }

    fn figures(&self) -> ApplicationFigures {
        ApplicationFigures {
            received_on: self.received_on,
            applied: Ore(self.amount_applied_ore),
            decision: self.decision(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = applications)]
#[diesel(treat_none_as_default_value = false)]
struct NewApplicationRow {
    org_id: i64,
    call_id: i64,
    external_id: String,
    applicant_key: String,
    received_on: NaiveDate,
    amount_applied_ore: i64,
    facts: String,
    content_hash: String,
    revision: i32,
    decision_history: String,
    decision_version: i32,
    outcome: Option<String>,
    amount_granted_ore: Option<i64>,
    decided_on: Option<NaiveDate>,
    // The tag columns, spelled out: binary COPY takes flat rows only.
    scheme_id: i64,
    gender: String,
    background: String,
    background_detail: String,
    age_band: String,
    county: String,
    municipality: String,
    size_band: String,
    tag_notes: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Rows per multi-row SQLite insert (26 columns each, under SQLite's 32,766 parameters).
const SQLITE_ROWS_PER_INSERT: usize = 250;

/// External ids per lookup statement (well under every backend's bound-parameter limit).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Writes one batch. Must run inside [`super::write_tx`]. Returns one result per row, in order.
pub fn write_batch(
    conn: &mut DbConnection,
    ctx: &mut IngestContext,
    rows: Vec<IngestRow>,
) -> StorageResult<Vec<RowResult>> {
    // A batch must not name one application twice: later rows would not see the earlier ones.
    // Split at the first repeat and write the parts in order.
    let mut seen = HashSet::new();
    if let Some(split) = rows
        .iter()
        .position(|r| !seen.insert(r.external_id.as_str()))
    {
        let mut rows = rows;
        let rest = rows.split_off(split);
        let mut results = write_unique_batch(conn, ctx, rows)?;
        results.extend(write_batch(conn, ctx, rest)?);
        return Ok(results);
    }
    write_unique_batch(conn, ctx, rows)
}

/// A planned write for one row.
enum Plan {
    Done(RowResult),
    Insert {
        external_id: String,
        prepared: Box<Prepared>,
        call_id: i64,
    },
    Update {
        existing: Box<Existing>,
        /// The new content, when the application itself changed.
        app: Option<Box<(Application, Tags)>>,
        call_id: i64,
        /// A new decision version, when the decision changed.
        decision: Option<Decision>,
    },
}

fn rejected(pointer: &str, reason: impl Into<String>) -> Plan {
    Plan::Done(RowResult::Rejected(vec![FieldError::new(pointer, reason)]))
}

/// True when `decision` says something other than the stored latest decision.
fn decision_differs(existing: &Existing, decision: &Decision) -> bool {
    existing.decision()
        != Some((
            decision.outcome,
            decision.amount_granted,
            decision.decided_on,
        ))
}

fn plan_row(ctx: &IngestContext, row: IngestRow, existing: &HashMap<String, Existing>) -> Plan {
    let IngestRow {
        external_id,
        change,
        ..
    } = row;
    let old = existing.get(&external_id);
    match change {
        Change::Application(prepared) => {
            let Some(&call_id) = ctx.call_ids.get(&prepared.app.call_code) else {
                return rejected(
                    "/callCode",
                    format!(
                        "no call with code {:?} in this organisation",
                        prepared.app.call_code
                    ),
                );
            };
            let Some(old) = old else {
                return Plan::Insert {
                    external_id,
                    prepared,
                    call_id,
                };
            };
            let Prepared { app, tags, .. } = *prepared;
            let content_changed = old.content_hash != app.content_hash();
            let decision = app.decision.clone().filter(|d| decision_differs(old, d));
            if !content_changed && decision.is_none() {
                return Plan::Done(RowResult::Unchanged {
                    decision_version: old.decision_version,
                });
            }
            // A new receipt date must not come after a decision that stays in force.
            if decision.is_none()
                && let Some((_, _, decided_on)) = old.decision()
                && decided_on < app.received_on
            {
                return rejected(
                    "/receivedOn",
                    format!("is after the recorded decision of {decided_on}"),
                );
            }
            Plan::Update {
                existing: Box::new(old.clone()),
                app: content_changed.then(|| Box::new((app, tags))),
                call_id,
                decision,
            }
        }
        Change::Decision(decision) => {
            let Some(old) = old else {
                return Plan::Done(RowResult::NotFound);
            };
            if decision.decided_on < old.received_on {
                return rejected(
                    "/decidedOn",
                    format!(
                        "must not be before the application was received ({})",
                        old.received_on
                    ),
                );
            }
            if decision.outcome == Outcome::PartlyApproved
                && decision.amount_granted.0 >= old.amount_applied_ore
            {
                return rejected(
                    "/amountGranted",
                    "must be less than the amount applied for when partly approved",
                );
            }
            if !decision_differs(old, &decision) {
                return Plan::Done(RowResult::Unchanged {
                    decision_version: old.decision_version,
                });
            }
            Plan::Update {
                call_id: old.call_id,
                existing: Box::new(old.clone()),
                app: None,
                decision: Some(decision),
            }
        }
    }
}

/// A decision as the version `version` of its application's history.
fn decision_record(version: i32, decision: &Decision, at: NaiveDateTime) -> DecisionRecord {
    let default_reason = if version == 1 {
        DecisionReason::Initial
    } else {
        DecisionReason::Reconsidered
    };
    DecisionRecord {
        version,
        outcome: decision.outcome,
        amount_granted_ore: decision.amount_granted.0,
        decided_on: decision.decided_on,
        reason: decision.reason.unwrap_or(default_reason),
        recorded_at: at,
    }
}

/// Changes to an existing application row; `None` leaves a column as it is.
#[derive(AsChangeset, Default)]
#[diesel(table_name = applications)]
struct ApplicationChanges {
    call_id: Option<i64>,
    applicant_key: Option<String>,
    received_on: Option<NaiveDate>,
    amount_applied_ore: Option<i64>,
    facts: Option<String>,
    content_hash: Option<String>,
    revision: Option<i32>,
    decision_history: Option<String>,
    decision_version: Option<i32>,
    outcome: Option<String>,
    amount_granted_ore: Option<i64>,
    decided_on: Option<NaiveDate>,
    updated_at: Option<NaiveDateTime>,
}

fn write_unique_batch(
    conn: &mut DbConnection,
    ctx: &mut IngestContext,
    rows: Vec<IngestRow>,
) -> StorageResult<Vec<RowResult>> {
    ctx.resolve_calls(conn, &rows)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.external_id.as_str()).collect();
    let existing = load_existing(conn, ctx.org_id, &ids)?;
    let plans: Vec<Plan> = rows
        .into_iter()
        .map(|row| plan_row(ctx, row, &existing))
        .collect();
    let inserts = plans
        .iter()
        .filter(|p| matches!(p, Plan::Insert { .. }))
        .count();

    let at = now();
    let scheme_id = ctx.scheme.id;
    let mut delta = CubeDelta::default();
    let mut new_apps = Vec::with_capacity(inserts);
    let mut results = Vec::with_capacity(plans.len());

    for plan in plans {
        match plan {
            Plan::Done(result) => results.push(result),
            Plan::Insert {
                external_id,
                prepared,
                call_id,
            } => {
                let Prepared {
                    mut app,
                    tags,
                    columns: t,
                    contribution,
                    first_history,
                } = *prepared;
                delta.add(CubeKey::new(call_id, &tags), &contribution, 1);
                let (facts, content_hash) = app.take_stored();
                let decision = app.decision.as_ref();
                new_apps.push(NewApplicationRow {
                    org_id: ctx.org_id,
                    call_id,
                    external_id,
                    applicant_key: std::mem::take(&mut app.applicant_key.0),
                    received_on: app.received_on,
                    amount_applied_ore: app.amount_applied.0,
                    content_hash,
                    facts,
                    revision: 1,
                    decision_history: first_history,
                    decision_version: i32::from(decision.is_some()),
                    outcome: decision.map(|d| d.outcome.code().to_owned()),
                    amount_granted_ore: decision.map(|d| d.amount_granted.0),
                    decided_on: decision.map(|d| d.decided_on),
                    scheme_id: t.scheme_id,
                    gender: t.gender,
                    background: t.background,
                    background_detail: t.background_detail,
                    age_band: t.age_band,
                    county: t.county,
                    municipality: t.municipality,
                    size_band: t.size_band,
                    tag_notes: t.tag_notes,
                    created_at: at,
                    updated_at: at,
                });
                results.push(RowResult::Created {
                    decision_version: i32::from(decision.is_some()),
                });
            }
            Plan::Update {
                existing,
                app,
                call_id,
                decision,
            } => {
                let app = app.map(|boxed| *boxed);
                // Tags under an earlier scheme are not in the current cube: nothing to remove.
                let stored_tags = (existing.tags.scheme_id == scheme_id)
                    .then(|| existing.tags.tags())
                    .transpose()?;
                let new_tags = app
                    .as_ref()
                    .map(|(_, t)| t.clone())
                    .or_else(|| stored_tags.clone());
                let received_on = app
                    .as_ref()
                    .map_or(existing.received_on, |(a, _)| a.received_on);
                let applied = app
                    .as_ref()
                    .map_or(Ore(existing.amount_applied_ore), |(a, _)| a.amount_applied);
                let decision_version = existing.decision_version + i32::from(decision.is_some());
                let new_figures = ApplicationFigures {
                    received_on,
                    applied,
                    decision: decision
                        .as_ref()
                        .map(|d| (d.outcome, d.amount_granted, d.decided_on))
                        .or_else(|| existing.decision()),
                };
                if let Some(t) = &stored_tags {
                    delta.add(
                        CubeKey::new(existing.call_id, t),
                        &CellStats::of_application(&existing.figures()),
                        -1,
                    );
                }
                if let Some(t) = &new_tags {
                    delta.add(
                        CubeKey::new(call_id, t),
                        &CellStats::of_application(&new_figures),
                        1,
                    );
                }
                let revision = existing.revision + i32::from(app.is_some());
                let mut changes = ApplicationChanges {
                    updated_at: Some(at),
                    ..Default::default()
                };
                if let Some((app, _)) = &app {
                    changes.call_id = Some(call_id);
                    changes.applicant_key = Some(app.applicant_key.0.clone());
                    changes.received_on = Some(app.received_on);
                    changes.amount_applied_ore = Some(app.amount_applied.0);
                    changes.content_hash = Some(app.content_hash().to_owned());
                    changes.facts = Some(app.facts_json().to_owned());
                    changes.revision = Some(revision);
                }
                if let Some(d) = &decision {
                    let mut history = decode_history(&existing.decision_history)?;
                    history.push(decision_record(decision_version, d, at));
                    changes.decision_history = Some(encode_history(&history));
                    changes.decision_version = Some(decision_version);
                    changes.outcome = Some(d.outcome.code().to_owned());
                    changes.amount_granted_ore = Some(d.amount_granted.0);
                    changes.decided_on = Some(d.decided_on);
                }
                diesel::update(applications::table.find((ctx.org_id, &existing.external_id)))
                    .set(&changes)
                    .execute(conn)?;
                if let Some((_, tags)) = &app {
                    diesel::update(applications::table.find((ctx.org_id, &existing.external_id)))
                        .set(&TagColumns::new(scheme_id, tags))
                        .execute(conn)?;
                }
                results.push(if app.is_some() {
                    RowResult::Updated {
                        revision,
                        decision_version,
                    }
                } else {
                    RowResult::DecisionRecorded { decision_version }
                });
            }
        }
    }
    insert_applications(conn, new_apps)?;
    cells::apply(conn, ctx.org_id, scheme_id, delta)?;
    Ok(results)
}

fn load_existing(
    conn: &mut DbConnection,
    org_id: i64,
    external_ids: &[&str],
) -> StorageResult<HashMap<String, Existing>> {
    let mut found = HashMap::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let query = applications::table
            .filter(applications::org_id.eq(org_id))
            .filter(applications::external_id.eq_any(chunk));
        let rows: Vec<Existing> = match conn {
            // Lock the rows this transaction will change (SQLite's write lock covers them).
            DbConnection::Postgresql(c) => {
                query.select(Existing::as_select()).for_update().load(c)?
            }
            DbConnection::Sqlite(c) => query.select(Existing::as_select()).load(c)?,
        };
        found.extend(rows.into_iter().map(|e| (e.external_id.clone(), e)));
    }
    Ok(found)
}

/// PostgreSQL takes new rows by binary `COPY`; SQLite by one cached prepared `INSERT` per row
/// (cheaper there than re-parsing a large multi-row statement every batch).
fn insert_applications(conn: &mut DbConnection, rows: Vec<NewApplicationRow>) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Postgresql(c) => {
            diesel::copy_from(applications::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            // Fixed-size chunks (arrays) share one cached prepared statement; only the shorter
            // remainder is prepared anew.
            let mut chunks = rows.chunks_exact(SQLITE_ROWS_PER_INSERT);
            for chunk in &mut chunks {
                let chunk: &[NewApplicationRow; SQLITE_ROWS_PER_INSERT] =
                    chunk.try_into().expect("chunks_exact gives full chunks");
                diesel::insert_into(applications::table)
                    .values(chunk)
                    .execute(c)?;
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                diesel::insert_into(applications::table)
                    .values(rest)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
