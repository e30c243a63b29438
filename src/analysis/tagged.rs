//! One tagged application as computations read it: its call, its figures and its group on every
//! dimension. Storage streams them (`storage::tagged::scan`); the cube, the evaluation's row
//! fallback and the report's tables fold them.

use chrono::NaiveDateTime;

use super::cells::ApplicationFigures;

#[derive(Debug, Clone)]
pub struct TaggedRow {
    pub call_id: i64,
    pub figures: ApplicationFigures,
    /// Tag values by `Dimension::index`.
    pub groups: [String; 7],
    /// Why tags are unknown or supplied, as stored (JSON), where any are. Left as text: only
    /// the rows a report finds unknown need it read.
    pub notes: Option<String>,
    pub updated_at: NaiveDateTime,
}
