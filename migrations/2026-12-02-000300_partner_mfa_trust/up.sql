-- Inbound trust (issue 12): whether multifactor authentication done at a
-- partner organization counts here for its users as guests. A default ('*')
-- and per-organization (issuer URL or tenant slug) entries, beside the
-- cross-tenant access entries; and the same switch per configured provider.
CREATE TABLE cross_tenant_trust (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner TEXT NOT NULL,
    trust_mfa BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, partner)
);
ALTER TABLE identity_providers ADD COLUMN trust_mfa BOOLEAN NOT NULL DEFAULT FALSE;
