-- Client authentication with keys (issue 13; RFC 7523 §2.2 and §3, OIDC
-- Core §9). The method an app registered (RFC 7591 §2
-- `token_endpoint_auth_method`; NULL for apps registered before: a secret
-- by Basic or by form for confidential apps, none for public ones), its
-- keys inline (`jwks`, a JSON Web Key Set) or by reference (`jwks_uri`),
-- and for `client_secret_jwt` its secret sealed with the server key (the
-- HMAC needs the secret itself, not only its hash).
ALTER TABLE applications ADD COLUMN token_endpoint_auth_method TEXT;
ALTER TABLE applications ADD COLUMN jwks TEXT;
ALTER TABLE applications ADD COLUMN jwks_uri TEXT;
ALTER TABLE applications ADD COLUMN secret_sealed TEXT;

-- The `jti` of every accepted client assertion until it expires: a second
-- use of one is a replay (RFC 7523 §3 item 7). Swept when expired.
CREATE TABLE client_assertion_jtis (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    jti_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti_hash)
);
CREATE INDEX client_assertion_jtis_expiry ON client_assertion_jtis (expires_at);
