-- External OIDC identity providers per tenant (DESIGN.md §5): 'guests' homes
-- for invited domains (redemption order 2) and the one 'upstream' of a
-- federated tenant. Client secrets are stored sealed (AES-256-GCM).
CREATE TABLE identity_providers (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT,
    scopes TEXT NOT NULL,
    domains TEXT NOT NULL,
    email_claim TEXT NOT NULL,
    name_claim TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX identity_providers_tenant ON identity_providers (tenant_id, role);

ALTER TABLE home_flows ADD COLUMN idp_id TEXT;

-- One-time passcodes mailed to a guest's invited address (redemption order 3).
CREATE TABLE email_passcodes (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    invitation_id TEXT,
    auth_request_id TEXT,
    browser_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP
);
CREATE INDEX email_passcodes_email ON email_passcodes (tenant_id, email, created_at);
