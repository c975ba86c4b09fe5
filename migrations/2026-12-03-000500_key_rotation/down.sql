ALTER TABLE signing_keys DROP COLUMN activates_at;
ALTER TABLE grants DROP COLUMN claims;
ALTER TABLE auth_requests DROP COLUMN claims;
ALTER TABLE auth_requests DROP COLUMN response_mode;
