-- Strong authentication (issue 12): who must use a second factor, per tenant
-- (defaults when absent) and per app; what an authorization request asked
-- for (acr_values / essential acr claim); whether a session still owes its
-- second factor.
CREATE TABLE authentication_policies (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    mfa_required TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
ALTER TABLE applications ADD COLUMN require_mfa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE auth_requests ADD COLUMN acr_values TEXT;
ALTER TABLE sessions ADD COLUMN complete BOOLEAN NOT NULL DEFAULT TRUE;
