ALTER TABLE sessions DROP COLUMN complete;
ALTER TABLE auth_requests DROP COLUMN acr_values;
ALTER TABLE applications DROP COLUMN require_mfa;
DROP TABLE authentication_policies;
