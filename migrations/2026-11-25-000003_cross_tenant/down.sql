DROP TABLE cross_tenant_access;
