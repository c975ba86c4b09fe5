DROP TABLE client_assertion_jtis;
ALTER TABLE applications DROP COLUMN secret_sealed;
ALTER TABLE applications DROP COLUMN jwks_uri;
ALTER TABLE applications DROP COLUMN jwks;
ALTER TABLE applications DROP COLUMN token_endpoint_auth_method;
