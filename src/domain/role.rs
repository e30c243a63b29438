//! The roles of the people and systems that use the service. Tokens and sessions carry them by
//! code; the policies of `http::auth` say which may do what, and the identity provider's claims
//! are mapped to them (`[web.oidc] role_map`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codes;

/// What a token holder may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Grant systems: write applications and decisions, read back their own.
    Integrator,
    /// Handläggare: calls, call checks, evaluations.
    CaseOfficer,
    /// Reports, evaluations and open-data exports.
    Auditor,
    /// Organisation set-up: programmes, tagging definitions, baselines, the audit log.
    Admin,
}

impl Role {
    /// The serde name, as tokens carry it.
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }
}
