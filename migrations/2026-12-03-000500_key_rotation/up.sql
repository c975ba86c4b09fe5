-- Issue 13 (protocol depth): response_mode=form_post, the claims request
-- parameter, key rotation.
-- How the answer to a pending request goes back (NULL: query).
ALTER TABLE auth_requests ADD COLUMN response_mode TEXT;
