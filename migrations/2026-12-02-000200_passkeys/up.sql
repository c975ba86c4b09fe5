-- Passkeys and security keys (issue 12, WebAuthn Level 2): several per
-- account, named, removable. `credential` is webauthn-rs's serialized
-- credential (public key, signature counter, backup flags), rewritten after
-- each use so a counter that goes backwards is caught.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    credential TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
-- A credential belongs to one account of a tenant (WebAuthn §7.1 step 22).
CREATE UNIQUE INDEX passkeys_credential ON passkeys (tenant_id, credential_id);
CREATE INDEX passkeys_user ON passkeys (tenant_id, user_id);

-- A ceremony between its start and its finish: the challenge state, kept
-- server-side (any replica may finish it), keyed by the hash of a random id
-- held in an HttpOnly cookie, single use, short-lived, swept when expired.
CREATE TABLE passkey_ceremonies (
    id_hash TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    auth_request_id TEXT,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX passkey_ceremonies_user ON passkey_ceremonies (tenant_id, user_id, purpose);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
