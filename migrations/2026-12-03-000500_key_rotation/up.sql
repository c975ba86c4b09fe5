-- Issue 13 (protocol depth): response_mode=form_post, the claims request
-- parameter, key rotation.
-- How the answer to a pending request goes back (NULL: query).
ALTER TABLE auth_requests ADD COLUMN response_mode TEXT;
-- The claims request parameter (OIDC Core §5.5): the user claims a request
-- asked for by name (JSON), kept with the request and then with its grant,
-- so that the code, every refresh and userinfo release them.
ALTER TABLE auth_requests ADD COLUMN claims TEXT;
ALTER TABLE grants ADD COLUMN claims TEXT;
-- Key rotation: when a key starts signing. A published key whose moment is
-- still ahead is the next key; the one whose moment passed last is current;
-- the others are retired, published until publish_until, then removed.
-- Every replica derives the same state from these times and its clock, so
-- all switch at the same moment without talking to each other. `active`
-- now records that the switch to a key was seen (and audited).
ALTER TABLE signing_keys ADD COLUMN activates_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE signing_keys SET activates_at = created_at;
