-- The call check: what a call says about itself (its design, versioned with the call), the
-- checks run on each version, the overrides that let a call with a failed check be published,
-- and the firm population that eligibility rules are measured against.

ALTER TABLE calls ADD COLUMN design TEXT NOT NULL DEFAULT '{}';

CREATE TABLE call_checks (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    call_id BIGINT NOT NULL REFERENCES calls(id),
    call_version INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX call_checks_call ON call_checks (org_id, call_id, created_at);

CREATE TABLE call_overrides (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    call_id BIGINT NOT NULL REFERENCES calls(id),
    call_version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX call_overrides_call ON call_overrides (org_id, call_id);

CREATE TABLE firm_populations (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    region TEXT NOT NULL,
    year INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, region, year)
);
