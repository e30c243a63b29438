-- Core model: tenants, programmes, calls, applicants, applications, decisions, tags, cells.
-- Money is integer öre; dates are ISO text (diesel's SQLite Date); JSON is text.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    current_scheme_id BIGINT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE tag_schemes (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, fingerprint)
);

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    budget_ore BIGINT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, code)
);

-- Applications carry their applicant's pseudonymous key (an applicant is that key: its facts
-- change over time, so they are kept with each application), their decision history (an
-- append-only JSON array of versions; the latest is mirrored in the decision columns for reading
-- and counting) and the tags under the organisation's current scheme (tags under earlier schemes
-- move to `tag_history` when re-tagging).
-- There are no foreign keys on this table: a per-row check would cost more than the rest of the
-- insert (docs/architecture.md). The single write path (storage::ingest) resolves the call
-- within the organisation before writing. An application is known by the source system's id within
-- its organisation; external ids compare bytewise (they are identifiers, not words).
CREATE TABLE applications (
    org_id BIGINT NOT NULL,
    call_id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    applicant_key TEXT NOT NULL,
    received_on DATE NOT NULL,
    amount_applied_ore BIGINT NOT NULL,
    facts TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    revision INTEGER NOT NULL,
    decision_history TEXT NOT NULL,
    decision_version INTEGER NOT NULL,
    outcome TEXT,
    amount_granted_ore BIGINT,
    decided_on DATE,
    scheme_id BIGINT NOT NULL,
    gender TEXT NOT NULL,
    background TEXT NOT NULL,
    background_detail TEXT NOT NULL,
    age_band TEXT NOT NULL,
    county TEXT NOT NULL,
    municipality TEXT NOT NULL,
    size_band TEXT NOT NULL,
    tag_notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, external_id)
);

CREATE TABLE tag_history (
    scheme_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    external_id TEXT NOT NULL,
    gender TEXT NOT NULL,
    background TEXT NOT NULL,
    background_detail TEXT NOT NULL,
    age_band TEXT NOT NULL,
    county TEXT NOT NULL,
    municipality TEXT NOT NULL,
    size_band TEXT NOT NULL,
    notes TEXT,
    PRIMARY KEY (scheme_id, org_id, external_id)
);

-- Sufficient statistics per cell (call and groups), kept up to date in the same transaction as
-- the rows they count.
CREATE TABLE stat_cells (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    scheme_id BIGINT NOT NULL REFERENCES tag_schemes(id),
    call_id BIGINT NOT NULL REFERENCES calls(id),
    gender TEXT NOT NULL,
    background TEXT NOT NULL,
    age_band TEXT NOT NULL,
    county TEXT NOT NULL,
    applications BIGINT NOT NULL,
    judged BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    withdrawn BIGINT NOT NULL,
    applied_ore BIGINT NOT NULL,
    judged_applied_ore BIGINT NOT NULL,
    approved_applied_ore BIGINT NOT NULL,
    granted_ore BIGINT NOT NULL,
    granted_sq_sek DOUBLE NOT NULL,
    days_sum BIGINT NOT NULL,
    hist_granted TEXT NOT NULL,
    hist_cut TEXT NOT NULL,
    hist_days TEXT NOT NULL,
    PRIMARY KEY (org_id, scheme_id, call_id, gender, background, age_band, county)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_body TEXT,
    location TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);

CREATE TABLE import_jobs (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    format TEXT NOT NULL,
    status TEXT NOT NULL,
    lines BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    errors TEXT NOT NULL,
    errors_truncated BOOLEAN NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
