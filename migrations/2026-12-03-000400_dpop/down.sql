ALTER TABLE auth_codes DROP COLUMN dpop_jkt;
ALTER TABLE auth_requests DROP COLUMN dpop_jkt;
DROP TABLE dpop_proofs;
ALTER TABLE refresh_tokens DROP COLUMN dpop_jkt;
ALTER TABLE applications DROP COLUMN dpop_bound_access_tokens;
