ALTER TABLE signing_keys DROP COLUMN activates_at;
ALTER TABLE auth_requests DROP COLUMN response_mode;
