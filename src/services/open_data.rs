//! Open grant data: the organisation's awarded grants as a 360Giving data package, recorded in
//! the audit log.

use crate::codec::giving360::{self, AwardedGrant, Funder};
use crate::domain::applicant::ApplicantFacts;
use crate::services::evaluations::{EvaluationRequest, scope_calls};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::reports::{self, AuditEntry};
use crate::storage::{DbConnection, decode_json, orgs};

/// Which grants to publish.
#[derive(Debug, Clone, Default)]
pub struct ExportScope {
    /// Only this programme's grants.
    pub programme: Option<String>,
    /// Only this call's grants.
    pub call: Option<String>,
    /// Add the DEI extension (leadership) to grants to organisations; never to individuals.
    pub dei: bool,
}

/// The awarded grants of the scope as a 360Giving 1.4 data package, with pseudonymous
/// recipients; the export is recorded in the audit log. A scope without awarded grants is not
/// found: a package needs at least one.
pub fn giving360_package(
    conn: &mut DbConnection,
    org_id: i64,
    actor: &str,
    scope: &ExportScope,
) -> ServiceResult<serde_json::Value> {
    let org = orgs::find(conn, org_id)?
        .ok_or_else(|| ServiceError::NotFound("no such organisation".into()))?;
    let request = EvaluationRequest {
        programme: scope.programme.clone(),
        call: scope.call.clone(),
        ..Default::default()
    };
    let calls = scope_calls(conn, org_id, &request)?;
    let grants: Vec<AwardedGrant> = reports::awarded(conn, org_id, calls.as_deref())?
        .into_iter()
        .map(|row| {
            let facts: ApplicantFacts = decode_json("applications.facts", &row.facts)?;
            Ok(AwardedGrant {
                legal_form: facts.legal_form.map(|f| crate::codes::code(&f).to_owned()),
                municipality: facts.municipality,
                external_id: row.external_id,
                call_code: row.call_code,
                call_title: row.call_title,
                programme_code: row.programme_code,
                programme_name: row.programme_name,
                applicant_key: row.applicant_key,
                amount_applied_ore: row.amount_applied_ore,
                amount_granted_ore: row.amount_granted_ore,
                received_on: row.received_on,
                decided_on: row.decided_on,
                gender: row.gender,
                background: row.background,
                updated_at: row.updated_at,
            })
        })
        .collect::<ServiceResult<_>>()?;
    if grants.is_empty() {
        return Err(ServiceError::NotFound(
            "no awarded grants in this scope: a 360Giving package needs at least one".into(),
        ));
    }
    // The organisation's own identifiers until it registers a 360Giving prefix.
    let funder = Funder {
        id: format!("XI-EQT-{}", org.code),
        name: org.name.clone(),
    };
    let now = crate::storage::now();
    let package = giving360::package(
        &funder,
        &format!("360G-{}", org.code),
        &grants,
        scope.dei,
        now,
    );
    reports::record(
        conn,
        &AuditEntry {
            id: uuid::Uuid::new_v4().to_string(),
            org_id,
            at: now,
            actor: actor.to_owned(),
            action: "export".into(),
            report_id: None,
            scope: serde_json::to_string(&serde_json::json!({
                "programme": scope.programme, "call": scope.call,
                "dei": scope.dei, "grants": grants.len(),
            }))
            .expect("a scope serialises"),
            format: "360giving".into(),
        },
    )?;
    Ok(package)
}
