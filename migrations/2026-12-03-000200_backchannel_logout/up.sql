-- OpenID Connect Back-Channel Logout 1.0 (issue 13). An app registers where
-- it hears of a session's end (§2.2) and whether it needs `sid` (§2.3).
ALTER TABLE applications ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE applications ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;

-- Which apps have a session for a user: a grant records the session its
-- code was issued in; a session's end looks its apps up here.
CREATE INDEX grants_session ON grants (tenant_id, session_id);

-- Logout tokens to deliver, written in the same transaction as the end of
-- the session; signed and POSTed by the deliverer, with retries.
CREATE TABLE logout_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    sid TEXT,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    abandoned_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX logout_outbox_due ON logout_outbox (next_attempt_at);
