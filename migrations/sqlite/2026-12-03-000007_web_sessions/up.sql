-- Web workspace sessions and pending OpenID Connect sign-ins (src/storage/web_sessions.rs).
-- Only SHA-256 hashes (hex) of session ids and sign-in states are stored: a copy of the table
-- signs nobody in.
CREATE TABLE web_sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    subject TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- Role codes, comma-separated.
    roles TEXT NOT NULL,
    language TEXT NOT NULL,
    csrf TEXT NOT NULL,
    -- The provider's ID token, kept for the sign-out hint at its end-session endpoint.
    id_token TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

CREATE TABLE web_sign_ins (
    state_hash TEXT NOT NULL PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
