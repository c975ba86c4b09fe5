DROP INDEX users_home_identity;
DROP TABLE home_flows;
DROP TABLE app_assignments;
DROP TABLE outbox_emails;
DROP TABLE invitations;
