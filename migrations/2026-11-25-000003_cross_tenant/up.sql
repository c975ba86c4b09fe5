-- Cross-tenant access (DESIGN.md §1): per direction, a default ('*') and
-- per-organization (issuer URL) allow/block entries.
CREATE TABLE cross_tenant_access (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    partner TEXT NOT NULL,
    allowed BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, direction, partner)
);
