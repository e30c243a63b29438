//! JSON-stat 2.0 datasets, the format Statistics Sweden's database (PxWeb) exports: `id` lists
//! the dimensions, `size` their category counts, `dimension.<id>.category.index` the category
//! codes by position, and `value` the cells in row-major order (an array, or an object keyed by
//! position). This reader only decodes; what the dimensions mean is up to the caller's mapping.
//!
//! Errors name their field by JSON pointer under `/jsonStat`, as uploads carry the table there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::tagging::Dimension;
use crate::domain::validation::FieldError;

/// More cells than any statistics table we take: the bound keeps a few bytes of `size` from
/// asking for gigabytes.
pub const MAX_CELLS: usize = 1_000_000;

/// How a JSON-stat dimension maps onto one of our group dimensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappedDimension {
    pub dimension: Dimension,
    /// JSON-stat category code -> our value; unmapped categories (totals, say) are left out.
    pub values: BTreeMap<String, String>,
}

/// A decoded JSON-stat 2.0 dataset, borrowing the table's values.
#[derive(Debug, Clone)]
pub struct Dataset<'a> {
    /// Dimension ids, in table order.
    pub ids: Vec<&'a str>,
    /// Category count of each dimension.
    pub sizes: Vec<usize>,
    /// Category codes of each dimension, by position ("" where the index leaves one out).
    pub codes: Vec<Vec<String>>,
    values: &'a Value,
}

/// One cell of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetCell {
    /// Position in row-major order, the key of the cell in `value`.
    pub flat: usize,
    /// Category position in each dimension, in table order.
    pub categories: Vec<usize>,
    /// `None` when the value is missing, null or not a number (suppressed cells, say).
    pub value: Option<f64>,
}

fn fail(pointer: &str, reason: impl Into<String>) -> FieldError {
    FieldError::new(format!("/jsonStat{pointer}"), reason)
}

impl<'a> Dataset<'a> {
    /// Decodes `table`'s structure; values are read lazily by [`Dataset::cells`].
    pub fn parse(table: &'a Value) -> Result<Self, FieldError> {
        if table["class"] != "dataset" || table["version"] != "2.0" {
            return Err(fail(
                "",
                "must be a JSON-stat 2.0 dataset (class \"dataset\", version \"2.0\")",
            ));
        }
        let ids = read_ids(table)?;
        let sizes = read_sizes(table)?;
        if ids.len() != sizes.len() {
            return Err(fail("/size", "must have one count per id"));
        }
        let too_many = sizes
            .iter()
            .try_fold(1usize, |n, s| n.checked_mul(*s).filter(|n| *n <= MAX_CELLS))
            .is_none();
        if too_many {
            return Err(fail(
                "/size",
                format!("describes more than {MAX_CELLS} cells"),
            ));
        }
        let codes = ids
            .iter()
            .zip(&sizes)
            .map(|(id, size)| read_codes(table, id, *size))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            ids,
            sizes,
            codes,
            values: &table["value"],
        })
    }

    /// Position of the dimension `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| *i == id)
    }

    /// Number of cells (the product of the sizes).
    pub fn len(&self) -> usize {
        self.sizes.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `value` is an array or an object, the two forms JSON-stat allows.
    pub fn has_values(&self) -> bool {
        matches!(self.values, Value::Array(_) | Value::Object(_))
    }

    /// The value at row-major position `flat`.
    pub fn value_at(&self, flat: usize) -> Option<f64> {
        match self.values {
            Value::Array(list) => list.get(flat).and_then(Value::as_f64),
            Value::Object(map) => map.get(&flat.to_string()).and_then(Value::as_f64),
            _ => None,
        }
    }

    /// Every cell, in row-major order (the last dimension varies fastest).
    pub fn cells(&self) -> impl Iterator<Item = DatasetCell> + '_ {
        (0..self.len()).map(|flat| {
            let mut categories = vec![0usize; self.sizes.len()];
            let mut rest = flat;
            for d in (0..self.sizes.len()).rev() {
                categories[d] = rest % self.sizes[d];
                rest /= self.sizes[d];
            }
            DatasetCell {
                flat,
                categories,
                value: self.value_at(flat),
            }
        })
    }

    /// The code of the category at `category` of dimension `dimension`.
    pub fn code(&self, dimension: usize, category: usize) -> &str {
        &self.codes[dimension][category]
    }

    /// Refuses a dimension with several categories that `is_mapped` does not take: its cells
    /// would be summed over silently (totals counted twice, say). The error is at `pointer`.
    pub fn check_all_mapped(
        &self,
        pointer: &str,
        is_mapped: impl Fn(usize) -> bool,
    ) -> Result<(), FieldError> {
        for (i, id) in self.ids.iter().enumerate() {
            if !is_mapped(i) && self.sizes[i] > 1 {
                return Err(FieldError::new(
                    pointer,
                    format!(
                        "dimension {id} has {} categories and no mapping",
                        self.sizes[i]
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn read_ids(table: &Value) -> Result<Vec<&str>, FieldError> {
    table["id"]
        .as_array()
        .ok_or_else(|| fail("/id", "must be an array"))?
        .iter()
        .map(|v| v.as_str().ok_or_else(|| fail("/id", "must hold strings")))
        .collect()
}

fn read_sizes(table: &Value) -> Result<Vec<usize>, FieldError> {
    table["size"]
        .as_array()
        .ok_or_else(|| fail("/size", "must be an array"))?
        .iter()
        .map(|v| {
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| fail("/size", "must hold counts"))
        })
        .collect()
}

/// Category codes of dimension `id` by position: `index` is an array of codes or an object of
/// code -> position.
fn read_codes(table: &Value, id: &str, size: usize) -> Result<Vec<String>, FieldError> {
    let category = &table["dimension"][id]["category"];
    let mut by_position = vec![String::new(); size];
    match &category["index"] {
        Value::Array(list) => {
            for (i, code) in list.iter().enumerate().take(size) {
                by_position[i] = code.as_str().unwrap_or_default().to_owned();
            }
        }
        Value::Object(map) => {
            for (code, position) in map {
                let p = position
                    .as_u64()
                    .and_then(|p| usize::try_from(p).ok())
                    .unwrap_or(usize::MAX);
                if p < size {
                    by_position[p] = code.clone();
                }
            }
        }
        // A dimension of one category may leave out its index.
        _ if size == 1 => {
            by_position[0] = category["label"]
                .as_object()
                .and_then(|m| m.keys().next().cloned())
                .unwrap_or_default();
        }
        _ => {
            return Err(fail(
                &format!("/dimension/{id}/category/index"),
                "is missing",
            ));
        }
    }
    Ok(by_position)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Value {
        json!({
            "version": "2.0", "class": "dataset",
            "id": ["Region", "Kon"], "size": [2, 2],
            "dimension": {
                "Region": {"category": {"index": {"01": 0, "12": 1}}},
                "Kon": {"category": {"index": ["1", "2"]}}
            },
            "value": {"0": 10, "1": 20, "3": 40}
        })
    }

    #[test]
    fn cells_come_in_row_major_order() {
        let t = table();
        let data = Dataset::parse(&t).unwrap();
        let cells: Vec<_> = data.cells().collect();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[1].categories, vec![0, 1]);
        assert_eq!(data.code(0, cells[2].categories[0]), "12");
        assert_eq!(cells[2].value, None);
        assert_eq!(cells[3].value, Some(40.0));
    }

    #[test]
    fn an_oversized_table_is_refused() {
        let mut t = table();
        t["size"] = json!([1_000_000_000_000u64, 2]);
        assert_eq!(Dataset::parse(&t).unwrap_err().pointer, "/jsonStat/size");
    }

    #[test]
    fn a_missing_index_is_named() {
        let mut t = table();
        t["dimension"]["Kon"] = json!({});
        let err = Dataset::parse(&t).unwrap_err();
        assert_eq!(err.pointer, "/jsonStat/dimension/Kon/category/index");
    }
}
