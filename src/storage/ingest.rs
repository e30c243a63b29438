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
use diesel::upsert::excluded;

use super::cells::{self, CubeDelta, CubeKey};
use super::orgs::StoredScheme;
use super::schema::{applicants, application_tags, applications, calls, decisions};
use super::{DbConnection, StorageError, StorageResult, now};
use crate::analysis::cells::{ApplicationFigures, CellStats, month_of};
use crate::domain::application::{Application, Decision, DecisionReason, Outcome};
use crate::domain::money::Ore;
use crate::domain::tagging::{Dimension, Tags};
use crate::domain::validation::FieldError;

/// What one row asks for.
#[derive(Debug, Clone)]
pub enum Change {
    /// Create or replace an application (with its decision, if given).
    Application(Box<Application>),
    /// Record a decision, or a new version of it, for an existing application.
    Decision(Decision),
}

/// One row to write.
#[derive(Debug, Clone)]
pub struct IngestRow {
    /// Line number in an import (1-based), or 0 for a single request.
    pub line: u64,
    pub external_id: String,
    pub change: Change,
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
                Change::Application(a) if !self.call_ids.contains_key(&a.call_code) => {
                    Some(a.call_code.as_str())
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
#[derive(Debug, Clone, Queryable)]
struct Existing {
    id: i64,
    external_id: String,
    call_id: i64,
    received_on: NaiveDate,
    amount_applied_ore: i64,
    content_hash: String,
    revision: i32,
    decision_version: i32,
    outcome: Option<String>,
    amount_granted_ore: Option<i64>,
    decided_on: Option<NaiveDate>,
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
    decision_version: i32,
    outcome: Option<String>,
    amount_granted_ore: Option<i64>,
    decided_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = decisions)]
#[diesel(treat_none_as_default_value = false)]
struct NewDecisionRow {
    application_id: i64,
    version: i32,
    outcome: String,
    amount_granted_ore: i64,
    decided_on: NaiveDate,
    reason: String,
    content_hash: String,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable, Clone)]
#[diesel(table_name = application_tags)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct TagRow {
    pub application_id: i64,
    pub scheme_id: i64,
    pub gender: String,
    pub background: String,
    pub background_detail: String,
    pub age_band: String,
    pub county: String,
    pub municipality: String,
    pub size_band: String,
    pub notes: Option<String>,
}

impl TagRow {
    pub(crate) fn new(application_id: i64, scheme_id: i64, tags: &Tags) -> Self {
        let v = |d: Dimension| tags.get(d).value.clone();
        Self {
            application_id,
            scheme_id,
            gender: v(Dimension::Gender),
            background: v(Dimension::Background),
            background_detail: v(Dimension::BackgroundDetail),
            age_band: v(Dimension::AgeBand),
            county: v(Dimension::County),
            municipality: v(Dimension::Municipality),
            size_band: v(Dimension::SizeBand),
            notes: tags.notes_json(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = applicants)]
#[diesel(treat_none_as_default_value = false)]
struct NewApplicantRow {
    org_id: i64,
    applicant_key: String,
    first_seen_on: NaiveDate,
}

/// Rows per multi-row statement: the widest table (applications, 15 columns) stays under
/// SQLite's 32,766 bound parameters.
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
        app: Box<Application>,
        call_id: i64,
        tags: Tags,
    },
    Update {
        existing: Existing,
        /// The new content, when the application itself changed.
        app: Option<(Box<Application>, Tags)>,
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
        Change::Application(app) => {
            let Some(&call_id) = ctx.call_ids.get(&app.call_code) else {
                return rejected(
                    "/callCode",
                    format!("no call with code {:?} in this organisation", app.call_code),
                );
            };
            let tags = ctx.scheme.scheme.tag(&app.facts, app.received_on);
            let Some(old) = old else {
                return Plan::Insert {
                    external_id,
                    app,
                    call_id,
                    tags,
                };
            };
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
                existing: old.clone(),
                app: content_changed.then_some((app, tags)),
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
                existing: old.clone(),
                app: None,
                decision: Some(decision),
            }
        }
    }
}

fn decision_row(
    application_id: i64,
    version: i32,
    decision: &Decision,
    at: NaiveDateTime,
) -> NewDecisionRow {
    let default_reason = if version == 1 {
        DecisionReason::Initial
    } else {
        DecisionReason::Reconsidered
    };
    NewDecisionRow {
        application_id,
        version,
        outcome: decision.outcome.code().to_owned(),
        amount_granted_ore: decision.amount_granted.0,
        decided_on: decision.decided_on,
        reason: decision.reason.unwrap_or(default_reason).code().to_owned(),
        content_hash: decision.content_hash(),
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
    let existing_ids: Vec<i64> = existing.values().map(|e| e.id).collect();
    let old_tags = load_tags(conn, ctx.scheme.id, &existing_ids)?;
    let plans: Vec<Plan> = rows
        .into_iter()
        .map(|row| plan_row(ctx, row, &existing))
        .collect();

    let at = now();
    let mut delta = CubeDelta::default();
    let mut new_applicants = Vec::new();
    let mut new_apps = Vec::new();
    // Per new application: its result slot, its decision and its tags, in insert order.
    let mut new_meta = Vec::new();
    let mut new_decisions = Vec::new();
    let mut tag_rows = Vec::new();
    let mut results = Vec::with_capacity(plans.len());

    for plan in plans {
        match plan {
            Plan::Done(result) => results.push(result),
            Plan::Insert {
                external_id,
                app,
                call_id,
                tags,
            } => {
                let decision = app.decision.clone();
                let figures = ApplicationFigures {
                    received_on: app.received_on,
                    applied: app.amount_applied,
                    decision: decision
                        .as_ref()
                        .map(|d| (d.outcome, d.amount_granted, d.decided_on)),
                };
                delta.add(
                    CubeKey::new(call_id, month_of(app.received_on), &tags),
                    &CellStats::of_application(&figures),
                    1,
                );
                new_applicants.push(NewApplicantRow {
                    org_id: ctx.org_id,
                    applicant_key: app.applicant_key.0.clone(),
                    first_seen_on: app.received_on,
                });
                new_apps.push(NewApplicationRow {
                    org_id: ctx.org_id,
                    call_id,
                    external_id,
                    applicant_key: app.applicant_key.0.clone(),
                    received_on: app.received_on,
                    amount_applied_ore: app.amount_applied.0,
                    facts: app.facts_json(),
                    content_hash: app.content_hash(),
                    revision: 1,
                    decision_version: i32::from(decision.is_some()),
                    outcome: decision.as_ref().map(|d| d.outcome.code().to_owned()),
                    amount_granted_ore: decision.as_ref().map(|d| d.amount_granted.0),
                    decided_on: decision.as_ref().map(|d| d.decided_on),
                    created_at: at,
                    updated_at: at,
                });
                results.push(RowResult::Created {
                    decision_version: i32::from(decision.is_some()),
                });
                new_meta.push((decision, tags));
            }
            Plan::Update {
                existing,
                app,
                call_id,
                decision,
            } => {
                let stored_tags = old_tags.get(&existing.id);
                let new_tags = app.as_ref().map(|(_, t)| t).or(stored_tags);
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
                if let Some(t) = stored_tags {
                    delta.add(
                        CubeKey::new(existing.call_id, month_of(existing.received_on), t),
                        &CellStats::of_application(&existing.figures()),
                        -1,
                    );
                }
                if let Some(t) = new_tags {
                    delta.add(
                        CubeKey::new(call_id, month_of(received_on), t),
                        &CellStats::of_application(&new_figures),
                        1,
                    );
                }
                let revision = existing.revision + i32::from(app.is_some());
                let mut changes = ApplicationChanges {
                    updated_at: Some(at),
                    ..Default::default()
                };
                if let Some((app, tags)) = &app {
                    new_applicants.push(NewApplicantRow {
                        org_id: ctx.org_id,
                        applicant_key: app.applicant_key.0.clone(),
                        first_seen_on: app.received_on,
                    });
                    tag_rows.push(TagRow::new(existing.id, ctx.scheme.id, tags));
                    changes.call_id = Some(call_id);
                    changes.applicant_key = Some(app.applicant_key.0.clone());
                    changes.received_on = Some(app.received_on);
                    changes.amount_applied_ore = Some(app.amount_applied.0);
                    changes.facts = Some(app.facts_json());
                    changes.content_hash = Some(app.content_hash());
                    changes.revision = Some(revision);
                }
                if let Some(d) = &decision {
                    new_decisions.push(decision_row(existing.id, decision_version, d, at));
                    changes.decision_version = Some(decision_version);
                    changes.outcome = Some(d.outcome.code().to_owned());
                    changes.amount_granted_ore = Some(d.amount_granted.0);
                    changes.decided_on = Some(d.decided_on);
                }
                diesel::update(applications::table.find(existing.id))
                    .set(&changes)
                    .execute(conn)?;
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

    insert_applicants(conn, &new_applicants)?;
    let inserted = insert_applications(conn, &new_apps)?;
    for (row, (decision, tags)) in new_apps.iter().zip(new_meta) {
        let id = *inserted.get(&row.external_id).ok_or_else(|| {
            StorageError::Config(format!(
                "inserted application {} not returned",
                row.external_id
            ))
        })?;
        if let Some(d) = &decision {
            new_decisions.push(decision_row(id, 1, d, at));
        }
        tag_rows.push(TagRow::new(id, ctx.scheme.id, &tags));
    }
    insert_decisions(conn, &new_decisions)?;
    upsert_tags(conn, &tag_rows)?;
    cells::apply(conn, ctx.org_id, ctx.scheme.id, delta)?;
    Ok(results)
}

fn load_existing(
    conn: &mut DbConnection,
    org_id: i64,
    external_ids: &[&str],
) -> StorageResult<HashMap<String, Existing>> {
    let mut found = HashMap::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<Existing> = crate::with_backend!(&mut *conn, c => applications::table
            .filter(applications::org_id.eq(org_id))
            .filter(applications::external_id.eq_any(chunk))
            .select((
                applications::id,
                applications::external_id,
                applications::call_id,
                applications::received_on,
                applications::amount_applied_ore,
                applications::content_hash,
                applications::revision,
                applications::decision_version,
                applications::outcome,
                applications::amount_granted_ore,
                applications::decided_on,
            ))
            .load(c))?;
        found.extend(rows.into_iter().map(|e| (e.external_id.clone(), e)));
    }
    Ok(found)
}

/// Stored tags of these applications under one scheme.
pub(crate) fn load_tags(
    conn: &mut DbConnection,
    scheme_id: i64,
    application_ids: &[i64],
) -> StorageResult<HashMap<i64, Tags>> {
    let mut found = HashMap::with_capacity(application_ids.len());
    for chunk in application_ids.chunks(ROWS_PER_STATEMENT) {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = crate::with_backend!(&mut *conn, c => application_tags::table
            .filter(application_tags::scheme_id.eq(scheme_id))
            .filter(application_tags::application_id.eq_any(chunk))
            .select((
                application_tags::application_id,
                application_tags::gender,
                application_tags::background,
                application_tags::background_detail,
                application_tags::age_band,
                application_tags::county,
                application_tags::municipality,
                application_tags::size_band,
                application_tags::notes,
            ))
            .load(c))?;
        for (id, g, b, bd, a, c, m, s, notes) in rows {
            let values = [
                g.as_str(),
                b.as_str(),
                bd.as_str(),
                a.as_str(),
                c.as_str(),
                m.as_str(),
                s.as_str(),
            ];
            found.insert(id, Tags::from_stored(values, notes.as_deref()));
        }
    }
    Ok(found)
}

fn insert_applicants(conn: &mut DbConnection, rows: &[NewApplicantRow]) -> StorageResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        crate::with_backend!(&mut *conn, c => diesel::insert_into(applicants::table)
            .values(chunk)
            .on_conflict((applicants::org_id, applicants::applicant_key))
            .do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Inserts new applications; returns external id -> id.
fn insert_applications(
    conn: &mut DbConnection,
    rows: &[NewApplicationRow],
) -> StorageResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let returned: Vec<(i64, String)> = crate::with_backend!(&mut *conn, c => diesel::insert_into(applications::table)
            .values(chunk)
            .returning((applications::id, applications::external_id))
            .get_results(c))?;
        ids.extend(returned.into_iter().map(|(id, ext)| (ext, id)));
    }
    Ok(ids)
}

fn insert_decisions(conn: &mut DbConnection, rows: &[NewDecisionRow]) -> StorageResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        crate::with_backend!(&mut *conn, c => diesel::insert_into(decisions::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Inserts tags, replacing those an application already has under the same scheme.
pub(crate) fn upsert_tags(conn: &mut DbConnection, rows: &[TagRow]) -> StorageResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        crate::with_backend!(&mut *conn, c => diesel::insert_into(application_tags::table)
            .values(chunk)
            .on_conflict((application_tags::application_id, application_tags::scheme_id))
            .do_update()
            .set((
                application_tags::gender.eq(excluded(application_tags::gender)),
                application_tags::background.eq(excluded(application_tags::background)),
                application_tags::background_detail
                    .eq(excluded(application_tags::background_detail)),
                application_tags::age_band.eq(excluded(application_tags::age_band)),
                application_tags::county.eq(excluded(application_tags::county)),
                application_tags::municipality.eq(excluded(application_tags::municipality)),
                application_tags::size_band.eq(excluded(application_tags::size_band)),
                application_tags::notes.eq(excluded(application_tags::notes)),
            ))
            .execute(c))?;
    }
    Ok(())
}
