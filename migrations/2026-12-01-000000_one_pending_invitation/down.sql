DROP INDEX invitations_one_pending;
