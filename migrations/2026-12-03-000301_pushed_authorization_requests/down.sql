DROP TABLE pushed_requests;
ALTER TABLE applications DROP COLUMN require_pushed_authorization_requests;
