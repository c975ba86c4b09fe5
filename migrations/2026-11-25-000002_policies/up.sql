-- Collaboration policy per tenant (DESIGN.md §1). A tenant without a row uses the defaults.
CREATE TABLE collaboration_policies (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    who_can_invite TEXT NOT NULL,
    domain_mode TEXT NOT NULL,
    domains TEXT NOT NULL,
    guest_visibility TEXT NOT NULL,
    guest_lifetime_days BIGINT,
    otp_enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
