DROP INDEX sessions_tenant_user;
DROP INDEX sessions_tenant_auth_time;
DROP INDEX audit_events_tenant_action_at;
