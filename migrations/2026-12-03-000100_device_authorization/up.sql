-- Device Authorization Grant (RFC 8628, issue 13). A device code is kept
-- only as the hash of the secret the device polls with; the user code a
-- person types is short-lived and stored as its eight letters (RFC 8628
-- §6.1 alphabet), unique among a tenant's codes until swept. While a person
-- works through sign-in and consent, `request_id` names the pending
-- authorization request bound to the code; on approval the code records
-- who approved, the grant and how they signed in, then is redeemed once.
CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    user_code TEXT NOT NULL,
    scope TEXT NOT NULL,
    client_ip TEXT,
    status TEXT NOT NULL,
    interval_seconds BIGINT NOT NULL,
    last_polled_at TIMESTAMP,
    request_id TEXT,
    user_id TEXT,
    grant_id TEXT,
    auth_time TIMESTAMP,
    amr TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX device_codes_user_code ON device_codes (tenant_id, user_code);
CREATE INDEX device_codes_request ON device_codes (tenant_id, request_id);
-- The bounds on pending codes count by client and by address.
CREATE INDEX device_codes_client ON device_codes (tenant_id, client_id, expires_at);
CREATE INDEX device_codes_ip ON device_codes (client_ip, expires_at);
CREATE INDEX device_codes_expiry ON device_codes (expires_at);
