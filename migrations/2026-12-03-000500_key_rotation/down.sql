ALTER TABLE auth_requests DROP COLUMN response_mode;
