ALTER TABLE identity_providers DROP COLUMN trust_mfa;
DROP TABLE cross_tenant_trust;
