-- Baselines (each group's share of those who could have applied, with a source) and stored
-- evaluations (returned byte for byte as they were made).

CREATE TABLE baselines (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    group_key TEXT NOT NULL,
    region TEXT NOT NULL,
    year INTEGER NOT NULL,
    group_json TEXT NOT NULL,
    share DOUBLE NOT NULL,
    source TEXT NOT NULL,
    published_on DATE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, group_key, region, year)
);

CREATE TABLE evaluations (
    id TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    ruleset TEXT NOT NULL,
    scheme_id BIGINT NOT NULL REFERENCES tag_schemes(id),
    data_hash TEXT NOT NULL,
    request TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX evaluations_org ON evaluations (org_id, created_at);
