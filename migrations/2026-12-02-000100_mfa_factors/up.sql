-- Second factors (issue 12): one TOTP authenticator per user (RFC 6238; the
-- secret sealed with the server key, bound to the row id; the last accepted
-- time step, so a code is accepted once) and single-use recovery codes
-- (stored as SHA-256 digests, like other random secrets).
CREATE TABLE totp_credentials (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    last_step BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, user_id)
);
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (tenant_id, user_id);
