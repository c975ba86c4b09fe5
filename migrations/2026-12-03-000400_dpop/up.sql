-- DPoP (RFC 9449, issue 13): apps that must send proofs (§5.2 client
-- metadata `dpop_bound_access_tokens`); the key a public client's refresh
-- tokens are bound to (§5, its RFC 7638 thumbprint); and the proofs seen
-- (§11.1 replay), keyed per tenant by a hash of the key thumbprint and
-- `jti`, kept only while a proof with that `iat` would still be accepted,
-- then swept.
ALTER TABLE applications ADD COLUMN dpop_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
CREATE TABLE dpop_proofs (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    proof_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, proof_hash)
);
CREATE INDEX dpop_proofs_expiry ON dpop_proofs (expires_at);
-- §10: a code bound to the key named by `dpop_jkt` at /authorize.
ALTER TABLE auth_requests ADD COLUMN dpop_jkt TEXT;
ALTER TABLE auth_codes ADD COLUMN dpop_jkt TEXT;
