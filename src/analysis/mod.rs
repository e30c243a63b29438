//! Computation over stored data: statistics cells now; the rule engine builds on them.

pub mod cells;
