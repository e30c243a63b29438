-- Allocation-equality reports (returned byte for byte as they were made) and the audit log of
-- who made or read which report, in which format.

CREATE TABLE reports (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    request TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX reports_org ON reports (org_id, created_at);

CREATE TABLE audit_log (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    report_id TEXT,
    scope TEXT NOT NULL,
    format TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);
