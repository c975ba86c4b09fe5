-- Pushed Authorization Requests (issue 13, RFC 9126). An app may be made to
-- send every authorization request through the PAR endpoint (§6). A pushed
-- request is kept, keyed by the hash of its request_uri, until it is used
-- (once) or expires (seconds); expired ones are swept.
ALTER TABLE applications ADD COLUMN require_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE pushed_requests (
    uri_hash TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    params TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX pushed_requests_client ON pushed_requests (tenant_id, client_id);
CREATE INDEX pushed_requests_expiry ON pushed_requests (expires_at);
