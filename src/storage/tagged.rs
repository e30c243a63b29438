//! The one scan of tagged applications: every application of an organisation as tagged under one
//! scheme, streamed row by row. The cube is rebuilt from it, evaluations over dimensions outside
//! the cube read it, and reports fold it into their tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{applications as a, tag_history as h};
use super::{DbConnection, StorageResult};
use crate::analysis::cells::ApplicationFigures;
use crate::analysis::tagged::TaggedRow;
use crate::domain::application::Outcome;
use crate::domain::money::Ore;

type Figures = (
    i64,
    NaiveDate,
    i64,
    Option<String>,
    Option<i64>,
    Option<NaiveDate>,
);
type Groups = (String, String, String, String, String, String, String);
type Row = (Figures, Groups, Option<String>, NaiveDateTime);

fn tagged_row(row: Row) -> TaggedRow {
    let ((call_id, received_on, applied, outcome, granted, decided_on), g, notes, updated_at) = row;
    let decision = match (outcome.as_deref().and_then(Outcome::from_code), decided_on) {
        (Some(outcome), Some(decided_on)) => Some((outcome, Ore(granted.unwrap_or(0)), decided_on)),
        _ => None,
    };
    TaggedRow {
        call_id,
        figures: ApplicationFigures {
            received_on,
            applied: Ore(applied),
            decision,
        },
        groups: [g.0, g.1, g.2, g.3, g.4, g.5, g.6],
        notes,
        updated_at,
    }
}

/// Hands every application of the organisation tagged under `scheme_id` (optionally only some
/// calls) to `visit`, one at a time, never holding them all: the current scheme's tags are on
/// the applications, an earlier scheme's in `tag_history`. Rows come in order of external id,
/// so that float sums over them do not depend on the database. Costs what the rows cost: for
/// the cube's dimensions, read the cube instead.
pub fn scan(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    call_ids: Option<&[i64]>,
    mut visit: impl FnMut(TaggedRow),
) -> StorageResult<()> {
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
            a::tag_notes,
            a::updated_at,
        ))
        .order(a::external_id)
        .into_boxed();
    if let Some(calls) = call_ids {
        current = current.filter(a::call_id.eq_any(calls.to_vec()));
    }
    for row in current.load_iter::<Row, diesel::connection::DefaultLoadingMode>(conn)? {
        visit(tagged_row(row?));
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
            h::notes,
            a::updated_at,
        ))
        .order(a::external_id)
        .into_boxed();
    if let Some(calls) = call_ids {
        earlier = earlier.filter(a::call_id.eq_any(calls.to_vec()));
    }
    for row in earlier.load_iter::<Row, diesel::connection::DefaultLoadingMode>(conn)? {
        visit(tagged_row(row?));
    }
    Ok(())
}
