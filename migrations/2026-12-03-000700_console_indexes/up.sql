-- Indexes for what the console reads on every visit, so that its pages stay
-- fast as a tenant's history grows:
-- the overview's refusals and the audit log filtered by action (a tenant's
-- newest events of some actions);
CREATE INDEX audit_events_tenant_action_at ON audit_events (tenant_id, action, at);
-- the overview's recent sign-ins (a tenant's newest sessions);
CREATE INDEX sessions_tenant_auth_time ON sessions (tenant_id, auth_time);
-- a user's page (their live sessions) and ending them.
CREATE INDEX sessions_tenant_user ON sessions (tenant_id, user_id);
