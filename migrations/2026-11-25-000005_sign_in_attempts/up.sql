-- Password attempts per account and calendar minute, shared by every replica
-- (the in-memory limiter is per replica).
CREATE TABLE sign_in_attempts (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, account, window_start)
);
