DROP TABLE logout_outbox;
DROP INDEX grants_session;
ALTER TABLE applications DROP COLUMN backchannel_logout_session_required;
ALTER TABLE applications DROP COLUMN backchannel_logout_uri;
