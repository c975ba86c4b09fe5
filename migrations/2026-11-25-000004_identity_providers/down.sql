DROP TABLE email_passcodes;
ALTER TABLE home_flows DROP COLUMN idp_id;
DROP TABLE identity_providers;
