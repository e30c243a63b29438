//! Baselines of one organisation.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::baselines;
use super::{DbConnection, StorageResult, decode_json, now};
use crate::analysis::baselines::BaselineShare;
use crate::domain::tagging::Dimension;

/// "background=foreign;gender=women": the group's identity, dimensions in order.
pub fn group_key(group: &BTreeMap<Dimension, String>) -> String {
    group
        .iter()
        .map(|(d, v)| format!("{}={v}", d.code()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Stores shares, replacing those for the same group, region and year.
pub fn upsert(
    conn: &mut DbConnection,
    org_id: i64,
    shares: &[BaselineShare],
) -> StorageResult<usize> {
    let at = now();
    conn.transaction(|conn| {
        for share in shares {
            let group_json = serde_json::to_string(&share.group).expect("group serialises");
            crate::with_backend!(&mut *conn, c => diesel::insert_into(baselines::table)
                .values((
                    baselines::org_id.eq(org_id),
                    baselines::group_key.eq(group_key(&share.group)),
                    baselines::region.eq(&share.region),
                    baselines::year.eq(share.year),
                    baselines::group_json.eq(&group_json),
                    baselines::share.eq(share.share),
                    baselines::source.eq(&share.source),
                    baselines::published_on.eq(share.published_on),
                    baselines::updated_at.eq(at),
                ))
                .on_conflict((baselines::org_id, baselines::group_key, baselines::region, baselines::year))
                .do_update()
                .set((
                    baselines::share.eq(excluded(baselines::share)),
                    baselines::source.eq(excluded(baselines::source)),
                    baselines::published_on.eq(excluded(baselines::published_on)),
                    baselines::updated_at.eq(excluded(baselines::updated_at)),
                ))
                .execute(c))?;
        }
        Ok(shares.len())
    })
}

/// Every baseline share of the organisation.
pub fn all(conn: &mut DbConnection, org_id: i64) -> StorageResult<Vec<BaselineShare>> {
    type Row = (String, String, i32, f64, String, Option<chrono::NaiveDate>);
    let rows: Vec<Row> = baselines::table
        .filter(baselines::org_id.eq(org_id))
        .order((baselines::group_key, baselines::region, baselines::year))
        .select((
            baselines::group_json,
            baselines::region,
            baselines::year,
            baselines::share,
            baselines::source,
            baselines::published_on,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(group, region, year, share, source, published_on)| {
            Ok(BaselineShare {
                group: decode_json("baselines.group_json", &group)?,
                share,
                region,
                year,
                source,
                published_on,
            })
        })
        .collect()
}
