//! Re-tagging: an organisation moves to another tagging scheme (another gender definition,
//! other bands). The current tags move to the history under the old scheme, every application is
//! tagged anew from its stored facts, and the cube of the new scheme is built from the rows. The
//! old scheme's tags and cube stay, so evaluations made under it can be reproduced.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::applicant::ApplicantFacts;
use crate::domain::tagging::{BackgroundDefinition, GenderDefinition, TaggingScheme};
use crate::services::ServiceResult;
use crate::storage::application_rows::TagColumns;
use crate::storage::schema::{applications, tag_history};
use crate::storage::{DbConnection, StorageResult, cells, decode_json, orgs, write_tx};

/// What a re-tag did.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Retagged {
    pub previous_scheme_id: i64,
    pub scheme_id: i64,
    pub scheme: String,
    pub applications: usize,
    pub cells: usize,
}

/// Applications re-tagged per round trip.
const BATCH: i64 = 5_000;

/// Tags the organisation's applicants by other definitions: its current scheme with this gender
/// definition and, when given, this background definition (see [`retag`]).
pub fn change_definitions(
    conn: &mut DbConnection,
    org_id: i64,
    gender: GenderDefinition,
    background: Option<BackgroundDefinition>,
) -> ServiceResult<Retagged> {
    let current = orgs::current_scheme(conn, org_id)?.scheme;
    let mut scheme = current.with_gender_definition(gender);
    if let Some(background) = background {
        scheme.background_definition = background;
    }
    Ok(retag(conn, org_id, &scheme)?)
}

/// Moves the organisation to `scheme`, in one transaction (all or nothing). A no-op when it is
/// already the current scheme.
fn retag(conn: &mut DbConnection, org_id: i64, scheme: &TaggingScheme) -> StorageResult<Retagged> {
    write_tx(conn, org_id, |conn| {
        let previous = orgs::current_scheme(conn, org_id)?;
        let scheme_id = orgs::ensure_scheme(conn, org_id, scheme)?;
        if scheme_id == previous.id {
            return Ok(Retagged {
                previous_scheme_id: previous.id,
                scheme_id,
                scheme: scheme.name(),
                applications: 0,
                cells: 0,
            });
        }
        crate::storage::lock_organisation(conn, org_id)?;
        // Tags kept for the new scheme from an earlier visit are superseded by fresh ones.
        diesel::delete(
            tag_history::table
                .filter(tag_history::scheme_id.eq(scheme_id))
                .filter(tag_history::org_id.eq(org_id)),
        )
        .execute(conn)?;
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            type Row = (String, chrono::NaiveDate, String, TagColumns);
            let mut query = applications::table
                .filter(applications::org_id.eq(org_id))
                .order(applications::external_id)
                .limit(BATCH)
                .select((
                    applications::external_id,
                    applications::received_on,
                    applications::facts,
                    TagColumns::as_select(),
                ))
                .into_boxed();
            if let Some(after) = &after {
                query = query.filter(applications::external_id.gt(after.clone()));
            }
            let rows: Vec<Row> = query.load(conn)?;
            let Some(last) = rows.last() else { break };
            after = Some(last.0.clone());
            count += rows.len();
            for (external_id, received_on, facts, old) in rows {
                if old.scheme_id == previous.id {
                    diesel::insert_into(tag_history::table)
                        .values((
                            tag_history::scheme_id.eq(previous.id),
                            tag_history::org_id.eq(org_id),
                            tag_history::external_id.eq(&external_id),
                            tag_history::gender.eq(&old.gender),
                            tag_history::background.eq(&old.background),
                            tag_history::background_detail.eq(&old.background_detail),
                            tag_history::age_band.eq(&old.age_band),
                            tag_history::county.eq(&old.county),
                            tag_history::municipality.eq(&old.municipality),
                            tag_history::size_band.eq(&old.size_band),
                            tag_history::notes.eq(&old.tag_notes),
                        ))
                        .execute(conn)?;
                }
                let facts: ApplicantFacts = decode_json("applications.facts", &facts)?;
                let tags = scheme.tag(&facts, received_on);
                diesel::update(applications::table.find((org_id, &external_id)))
                    .set(&TagColumns::new(scheme_id, &tags))
                    .execute(conn)?;
            }
        }
        orgs::set_current_scheme(conn, org_id, scheme_id)?;
        let cells = cells::rebuild(conn, org_id, scheme_id)?;
        Ok(Retagged {
            previous_scheme_id: previous.id,
            scheme_id,
            scheme: scheme.name(),
            applications: count,
            cells,
        })
    })
}
