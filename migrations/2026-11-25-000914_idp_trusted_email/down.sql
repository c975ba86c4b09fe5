ALTER TABLE identity_providers DROP COLUMN email_verified_trusted;
