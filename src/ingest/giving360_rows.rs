//! Reads a 360Giving data package as import rows, the third format of `POST /imports`. The
//! package is decoded by [`crate::codec::giving360`]; this only turns its grants into the items
//! the import pipeline reads.

use serde_json::Value;

use super::{ImportError, RowError, SourceItem};
use crate::codec::giving360::applications;
use crate::domain::validation::from_json_slice;

/// The grants of a 360Giving package (the whole body: a package is one JSON document, so it is
/// read whole, within the import size limit) as import rows; a grant's "line" is its position
/// in `grants`, from 1.
pub fn rows(
    mut body: impl std::io::Read,
) -> Result<impl Iterator<Item = Result<SourceItem, ImportError>>, ImportError> {
    let mut text = Vec::new();
    body.read_to_end(&mut text)?;
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let package: Value = serde_json::from_slice(text).map_err(|e| ImportError::BadFile {
        pointer: String::new(),
        reason: format!("not a 360Giving package (JSON): {e}"),
    })?;
    let items: Vec<_> = applications(&package)
        .into_iter()
        .enumerate()
        .map(|(i, grant)| {
            let line = i as u64 + 1;
            let bad = |pointer: String, reason: String| {
                SourceItem::Bad(vec![RowError {
                    line,
                    pointer,
                    column: None,
                    reason,
                }])
            };
            Ok(match grant {
                Ok(row) => {
                    let bytes = serde_json::to_vec(&row).expect("a row serialises");
                    match from_json_slice(&bytes) {
                        Ok(row) => SourceItem::Row {
                            line,
                            row: Box::new(row),
                        },
                        Err(e) => bad(e.pointer, e.reason),
                    }
                }
                Err((_, pointer, reason)) => bad(pointer, reason),
            })
        })
        .collect();
    Ok(items.into_iter())
}
