-- An administrator may vouch that every email a provider sends is verified
-- (providers that send no `email_verified` claim); otherwise whichever claim
-- carries the email must come with `email_verified: true`.
ALTER TABLE identity_providers ADD COLUMN email_verified_trusted BOOLEAN NOT NULL DEFAULT FALSE;
