//! Evaluations: read the cells of a scope (from the cube, or from the tagged rows when the
//! dimensions asked for are not in the cube), run the rule engine, store the result with what it
//! read, and return it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::analysis::baselines::{BaselineShare, Baselines};
use crate::analysis::cells::month_of;
use crate::analysis::engine::{self, Detail, EvaluationOptions, Outcome, ReferenceChoice};
use crate::analysis::groups::CellSet;
use crate::analysis::provenance::{RuleSetRef, TaggingRef};
use crate::analysis::rules::{Correction, RuleSet};
use crate::config::RuleSettings;
use crate::domain::tagging::Dimension;
use crate::domain::validation::{Errors, FieldError};
use crate::locale::Language;
use crate::services::compare::{FindingChange, finding_changes};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::cells::{CUBE_DIMENSIONS, CellFilter, Cube, CubeCache};
use crate::storage::evaluations::StoredEvaluation;
use crate::storage::orgs::StoredScheme;
use crate::storage::{
    DbConnection, StorageError, baselines, decode_json, evaluations, orgs, programmes, tagged,
};

/// The dimensions evaluated when none are named.
pub const DEFAULT_DIMENSIONS: [Dimension; 4] = [
    Dimension::Gender,
    Dimension::Background,
    Dimension::AgeBand,
    Dimension::County,
];

/// What to evaluate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluationRequest {
    /// Only this programme's calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    /// Only this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// Every call in scope but this one (e.g. a programme's earlier calls, seen from a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_call: Option<String>,
    /// First month of receipt, "YYYY-MM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2017-01")]
    pub from: Option<String>,
    /// Last month of receipt, "YYYY-MM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "2017-12")]
    pub to: Option<String>,
    /// Dimensions to group by (default gender, background, ageBand, county).
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// Most dimensions combined in one group (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// Reference group per dimension: "best" (default), "rest" or {"value": ...}.
    #[serde(default)]
    pub reference: BTreeMap<Dimension, ReferenceChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
    #[serde(default)]
    pub language: Language,
    /// Which results to list: "flags" (default) or "all".
    #[serde(default)]
    pub detail: Detail,
    /// Rule set name (default from configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    /// Region of the baselines: a county code or "SE" (default: the only region stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// What an evaluation read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataRead {
    pub applications: i64,
    pub judged: i64,
    pub approved: i64,
    pub cells: usize,
    /// "cube" (maintained statistics) or "rows" (dimensions outside the cube).
    pub source: String,
    /// Hash of every cell read: equal hashes, equal data.
    pub content_hash: String,
}

/// The deterministic part of an evaluation: the same request over the same data gives the same
/// JSON, byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationResult {
    pub request: EvaluationRequest,
    pub ruleset: RuleSetRef,
    pub tagging: TaggingRef,
    pub data: DataRead,
    pub baselines: Vec<BaselineShare>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// Hash of `result`'s JSON.
    pub result_hash: String,
    pub result: EvaluationResult,
}

/// An evaluation and its JSON exactly as stored (the same bytes as serialising `evaluation`).
pub struct Evaluated {
    pub evaluation: Evaluation,
    pub body: String,
}

/// "2017-03" -> 201703.
fn parse_month(text: &str) -> Result<i32, String> {
    let bad = || format!("must be a month \"YYYY-MM\", got {text:?}");
    let (year, month) = text.split_once('-').ok_or_else(bad)?;
    let (year, month): (i32, i32) = (
        year.parse().map_err(|_| bad())?,
        month.parse().map_err(|_| bad())?,
    );
    if year.to_string().len() != 4 || month.to_string().len() > 2 || !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok(year * 100 + month)
}

impl EvaluationRequest {
    /// The request with its defaults filled in, checked.
    pub fn normalised(mut self, default_ruleset: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::new();
        if self.dimensions.is_empty() {
            self.dimensions = DEFAULT_DIMENSIONS.to_vec();
        }
        let mut seen = std::collections::HashSet::new();
        if self.dimensions.iter().any(|d| !seen.insert(*d)) {
            errors.add("/dimensions", "names a dimension twice");
        }
        if self.dimensions.len() > 6 {
            errors.add("/dimensions", "at most 6 dimensions");
        }
        let depth = self.depth.unwrap_or(2);
        if depth == 0 || depth > 4 {
            errors.add("/depth", "must be 1 to 4");
        }
        self.depth = Some(depth.min(self.dimensions.len()));
        for (d, choice) in &self.reference {
            if !self.dimensions.contains(d) {
                errors.add(
                    format!("/reference/{}", d.code()),
                    "is not one of the dimensions evaluated",
                );
            }
            if let ReferenceChoice::Value(v) = choice
                && v.is_empty()
            {
                errors.add(format!("/reference/{}", d.code()), "names no value");
            }
        }
        let from = self
            .from
            .as_deref()
            .map(|m| errors.check("/from", parse_month(m)));
        let to = self
            .to
            .as_deref()
            .map(|m| errors.check("/to", parse_month(m)));
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && from > to
        {
            errors.add("/to", "must not be before from");
        }
        if self.ruleset.is_none() {
            self.ruleset = Some(default_ruleset.to_owned());
        }
        errors.finish(|| self)
    }

    pub(crate) fn months(&self) -> Option<(i32, i32)> {
        let from = self.from.as_deref().and_then(|m| parse_month(m).ok());
        let to = self.to.as_deref().and_then(|m| parse_month(m).ok());
        match (from, to) {
            (None, None) => None,
            (from, to) => Some((from.unwrap_or(0), to.unwrap_or(999_912))),
        }
    }
}

/// Where evaluations find their rule sets and defaults.
pub struct Evaluator<'a> {
    pub rules_dir: &'a Path,
    pub default_ruleset: &'a str,
    /// The server's copies of the cubes; `None` reads the cube afresh (one-off commands).
    pub cubes: Option<&'a CubeCache>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator over the configured rule sets, with the server's copies of the cubes
    /// (`None` for one-off commands).
    pub fn new(rules: &'a RuleSettings, cubes: Option<&'a CubeCache>) -> Self {
        Self {
            rules_dir: &rules.dir,
            default_ruleset: &rules.default_ruleset,
            cubes,
        }
    }

    /// Runs the request for the organisation and stores the result.
    pub fn evaluate(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        created_by: &str,
        request: EvaluationRequest,
    ) -> ServiceResult<Evaluated> {
        let started = std::time::Instant::now();
        let (result, scheme_id) = self.compute(conn, org_id, request)?;
        let computed = started.elapsed();
        let result_json = serde_json::to_string(&result).expect("evaluation serialises");
        let evaluation = Evaluation {
            id: uuid::Uuid::new_v4().to_string(),
            created_at: crate::storage::now(),
            created_by: created_by.to_owned(),
            result_hash: hex::encode(&Sha256::digest(result_json.as_bytes())[..16]),
            result,
        };
        // The body is written out once (it can be large): the same bytes are stored and returned.
        let text = |v: &str| serde_json::to_string(v).expect("text serialises");
        let body = format!(
            r#"{{"id":{},"createdAt":{},"createdBy":{},"resultHash":{},"result":{result_json}}}"#,
            text(&evaluation.id),
            serde_json::to_string(&evaluation.created_at).expect("time serialises"),
            text(&evaluation.created_by),
            text(&evaluation.result_hash),
        );
        evaluations::insert(
            conn,
            &StoredEvaluation {
                id: evaluation.id.clone(),
                org_id,
                created_at: evaluation.created_at,
                created_by: created_by.to_owned(),
                ruleset: evaluation.result.ruleset.name.clone(),
                scheme_id,
                data_hash: evaluation.result.data.content_hash.clone(),
                request: serde_json::to_string(&evaluation.result.request)
                    .expect("request serialises"),
                body: body.clone(),
            },
        )?;
        // Where an evaluation's time goes, for whoever tunes it (counts and times only).
        tracing::debug!(
            cells = evaluation.result.data.cells,
            tests = evaluation.result.outcome.summary.tests,
            compute_ms = computed.as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "evaluation stored"
        );
        Ok(Evaluated { evaluation, body })
    }

    /// Runs the request without storing it (e.g. the running allocation of an open call), with
    /// the id of the tagging scheme it read.
    pub fn compute(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        request: EvaluationRequest,
    ) -> ServiceResult<(EvaluationResult, i64)> {
        let request = request
            .normalised(self.default_ruleset)
            .map_err(ServiceError::Invalid)?;
        let ruleset_name = request.ruleset.clone().unwrap_or_default();
        let ruleset = RuleSet::load(self.rules_dir, &ruleset_name)
            .map_err(|e| ServiceError::field("/ruleset", e))?;
        let started = std::time::Instant::now();
        let scheme = orgs::current_scheme(conn, org_id)?;
        let scope = scope_calls(conn, org_id, &request)?;
        let (set, source) = load_cells(
            conn,
            self.cubes,
            org_id,
            &scheme,
            scope.clone(),
            request.months(),
            &request.dimensions,
        )?;
        let all_baselines = baselines::all(conn, org_id)?;
        let region = match &request.region {
            Some(r) => Some(r.clone()),
            None => {
                let mut regions: Vec<&str> =
                    all_baselines.iter().map(|b| b.region.as_str()).collect();
                regions.sort_unstable();
                regions.dedup();
                match regions.as_slice() {
                    [] => None,
                    [one] => Some((*one).to_owned()),
                    many => {
                        return Err(ServiceError::field(
                            "/region",
                            format!(
                                "baselines exist for several regions ({}); name one",
                                many.join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        // The population that could have applied: as of the period's end, else as of the year
        // the last call in scope closed.
        let year = match request.months() {
            Some((_, to)) => to / 100,
            None => programmes::last_closing_year(conn, org_id, scope.as_deref())?.unwrap_or(9999),
        };
        let chosen = Baselines::select(&all_baselines, region.as_deref(), year);
        let options = EvaluationOptions {
            dimensions: request.dimensions.clone(),
            depth: request.depth.unwrap_or(2),
            reference: request.reference.clone(),
            correction: request.correction,
            language: request.language,
            detail: request.detail,
        };
        let loaded = started.elapsed();
        let outcome = engine::evaluate(&set, &ruleset, &chosen, &options);
        let judged = started.elapsed();
        let totals = set.cells.iter().fold((0, 0, 0), |acc, c| {
            (
                acc.0 + c.stats.applications,
                acc.1 + c.stats.judged,
                acc.2 + c.stats.approved,
            )
        });
        let result = EvaluationResult {
            ruleset: RuleSetRef {
                name: ruleset.name.clone(),
                version: ruleset.version.clone(),
                file_hash: Some(ruleset.file_hash.clone()).filter(|h| !h.is_empty()),
            },
            tagging: TaggingRef {
                scheme_id: scheme.id,
                name: scheme.scheme.name(),
                fingerprint: scheme.scheme.fingerprint(),
                definition: scheme.scheme.clone(),
            },
            data: DataRead {
                applications: totals.0,
                judged: totals.1,
                approved: totals.2,
                cells: set.cells.len(),
                source: source.to_owned(),
                content_hash: content_hash(&set),
            },
            baselines: chosen.shares().to_vec(),
            request,
            outcome,
        };
        tracing::debug!(
            load_ms = loaded.as_secs_f64() * 1e3,
            engine_ms = (judged - loaded).as_secs_f64() * 1e3,
            hash_ms = (started.elapsed() - judged).as_secs_f64() * 1e3,
            "evaluation computed"
        );
        Ok((result, scheme.id))
    }
}

/// The calls a request covers (`None`: every call of the organisation).
pub(crate) fn scope_calls(
    conn: &mut DbConnection,
    org_id: i64,
    request: &EvaluationRequest,
) -> ServiceResult<Option<Vec<i64>>> {
    let programme = match &request.programme {
        Some(code) => Some(
            programmes::find_programme(conn, org_id, code)?
                .ok_or_else(|| ServiceError::field("/programme", "no programme with this code"))?,
        ),
        None => None,
    };
    if let Some(code) = &request.call {
        let call = programmes::find_call_by_code(conn, org_id, code)?
            .ok_or_else(|| ServiceError::field("/call", "no call with this code"))?;
        if programme
            .as_ref()
            .is_some_and(|p| p.id != call.call.programme_id)
        {
            return Err(ServiceError::field(
                "/call",
                "the call is not one of the programme's",
            ));
        }
        return Ok(Some(vec![call.call.id]));
    }
    let mut calls = match programme {
        Some(p) => Some(programmes::call_ids_of_programme(conn, org_id, p.id)?),
        None => None,
    };
    if let Some(code) = &request.except_call {
        let except = programmes::find_call_by_code(conn, org_id, code)?
            .ok_or_else(|| ServiceError::field("/exceptCall", "no call with this code"))?;
        let all = match calls.take() {
            Some(ids) => ids,
            None => programmes::call_ids(conn, org_id)?,
        };
        calls = Some(all.into_iter().filter(|id| *id != except.call.id).collect());
    }
    Ok(calls)
}

/// The cells of a scope over `dimensions`: from the cube when it holds them all and the scope is
/// whole calls, else from the tagged rows (a period of months is a filter on dates of receipt,
/// which the cube does not keep). A server passes its copies of the cubes in `cubes`.
pub fn load_cells(
    conn: &mut DbConnection,
    cubes: Option<&CubeCache>,
    org_id: i64,
    scheme: &StoredScheme,
    call_ids: Option<Vec<i64>>,
    months: Option<(i32, i32)>,
    dimensions: &[Dimension],
) -> Result<(CellSet, &'static str), StorageError> {
    let mut set = CellSet::new(dimensions.to_vec());
    let from_cube: Option<Vec<usize>> = dimensions
        .iter()
        .map(|d| CUBE_DIMENSIONS.iter().position(|c| c == d))
        .collect::<Option<_>>()
        .filter(|_| months.is_none());
    let source = match from_cube {
        Some(positions) => {
            let filter = CellFilter { call_ids };
            let cube = match cubes {
                Some(cache) => cache.get(conn, org_id, scheme.id)?,
                None => Arc::new(Cube::read(conn, org_id, scheme.id)?),
            };
            for (key, stats) in cube.cells(&filter) {
                set.push(
                    key.call_id,
                    positions.iter().map(|p| key.groups[*p].as_str()),
                    stats.clone(),
                );
            }
            "cube"
        }
        None => {
            tagged::scan(conn, org_id, scheme.id, call_ids.as_deref(), |row| {
                let month = month_of(row.figures.received_on);
                if months.is_none_or(|(from, to)| (from..=to).contains(&month)) {
                    let stats = crate::analysis::cells::CellStats::of_application(&row.figures);
                    set.push(
                        row.call_id,
                        dimensions.iter().map(|d| row.groups[d.index()].as_str()),
                        stats,
                    );
                }
            })?;
            "rows"
        }
    };
    set.sort();
    Ok((set, source))
}

/// `x` to nine significant digits, as mantissa and decimal exponent in one integer (cheaper
/// than formatting it, which thousands of cells would pay for on every evaluation).
fn nine_digits(x: f64) -> i128 {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    let exponent = x.abs().log10().floor() as i32 - 8;
    let mantissa = (x / 10f64.powi(exponent)).round() as i128;
    mantissa * 1_000 + i128::from(exponent)
}

/// A hash of every cell, in order: what the evaluation read.
fn content_hash(set: &CellSet) -> String {
    let mut hasher = Sha256::new();
    for cell in &set.cells {
        hasher.update(cell.call_id.to_le_bytes());
        for (d, v) in cell.values.iter().enumerate() {
            hasher.update(set.value(d, *v).as_bytes());
            hasher.update([0]);
        }
        let s = &cell.stats;
        for n in [
            s.applications,
            s.judged,
            s.approved,
            s.withdrawn,
            s.applied_ore,
            s.judged_applied_ore,
            s.approved_applied_ore,
            s.granted_ore,
            s.days_sum,
        ] {
            hasher.update(n.to_le_bytes());
        }
        // The sum of squared grants feeds the amount variances. It is a float kept up to date
        // by additions and subtractions, so its last bits depend on the order of writes: hash
        // it to nine significant digits, which any real change of data moves.
        hasher.update(nine_digits(s.granted_sq_sek).to_le_bytes());
        for h in [&s.hist_granted, &s.hist_cut, &s.hist_days] {
            for (bin, count) in h.bins() {
                hasher.update(bin.to_le_bytes());
                hasher.update(count.to_le_bytes());
            }
            hasher.update([0xff; 4]);
        }
    }
    hex::encode(&hasher.finalize()[..16])
}

/// A stored evaluation's JSON, as it was returned.
pub fn stored(conn: &mut DbConnection, org_id: i64, id: &str) -> ServiceResult<String> {
    evaluations::find(conn, org_id, id)?
        .map(|e| e.body)
        .ok_or_else(|| ServiceError::NotFound("no such evaluation".into()))
}

/// An evaluation run again on today's data, set against the earlier one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationRerun {
    pub earlier: String,
    pub later: String,
    pub data_changed: bool,
    /// The rule set's name, version or file differs from the earlier evaluation's.
    pub rules_changed: bool,
    pub result_changed: bool,
    /// Findings whose level changed, appeared or disappeared, by rule and group.
    pub changes: Vec<FindingChange>,
}

/// Runs the stored request of `id` again (a new stored evaluation) and compares.
pub fn rerun(
    evaluator: &Evaluator<'_>,
    conn: &mut DbConnection,
    org_id: i64,
    created_by: &str,
    id: &str,
) -> ServiceResult<(EvaluationRerun, Evaluation)> {
    let earlier: Evaluation = decode_json("evaluations.body", &stored(conn, org_id, id)?)?;
    let later = evaluator
        .evaluate(conn, org_id, created_by, earlier.result.request.clone())?
        .evaluation;
    let changes = finding_changes(
        &earlier.result.outcome.findings,
        &later.result.outcome.findings,
        |f| (f.rule.clone(), f.group.clone()),
        |f| (&f.rule, &f.label, f.level),
    );
    let rerun = EvaluationRerun {
        earlier: earlier.id.clone(),
        later: later.id.clone(),
        data_changed: earlier.result.data.content_hash != later.result.data.content_hash,
        rules_changed: earlier.result.ruleset != later.result.ruleset,
        result_changed: earlier.result_hash != later.result_hash,
        changes,
    };
    Ok((rerun, later))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_digits_ignore_rounding_noise_but_not_real_changes() {
        let sum = 1.234_567_891_234e17;
        assert_eq!(nine_digits(sum), nine_digits(sum * (1.0 + 1e-13)));
        assert_ne!(nine_digits(sum), nine_digits(sum * (1.0 + 1e-7)));
        assert_ne!(nine_digits(2.5e10), nine_digits(2.5e11));
        assert_eq!(nine_digits(0.0), 0);
    }

    #[test]
    fn months_parse() {
        assert_eq!(parse_month("2017-03"), Ok(201703));
        assert!(parse_month("2017-13").is_err());
        assert!(parse_month("17-03").is_err());
        assert!(parse_month("2017-3-1").is_err());
    }

    #[test]
    fn requests_are_normalised_and_checked() {
        let request: EvaluationRequest = serde_json::from_str("{}").unwrap();
        let r = request.normalised("method-support-v1").unwrap();
        assert_eq!(r.dimensions, DEFAULT_DIMENSIONS.to_vec());
        assert_eq!(r.depth, Some(2));
        let bad: EvaluationRequest = serde_json::from_str(
            r#"{"from":"2018-01","to":"2017-01","depth":9,"dimensions":["gender","gender"]}"#,
        )
        .unwrap();
        let errors = bad.normalised("x").unwrap_err();
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/dimensions", "/depth", "/to"]);
    }
}
