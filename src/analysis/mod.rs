//! Computation over stored data: statistics cells, groups, the rule engine, what it finds and
//! the explanations of that. Pure: storage hands cells in, findings come out.

pub mod baselines;
pub mod cells;
pub mod engine;
pub mod explain;
pub mod findings;
pub mod groups;
pub mod labels;
pub mod provenance;
pub mod rules;
pub mod tagged;
