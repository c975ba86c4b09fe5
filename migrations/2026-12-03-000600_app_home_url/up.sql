-- An app's home page (issue 14): where "My apps" links its name. Optional;
-- an absolute https URL, or http on a loopback address.
ALTER TABLE applications ADD COLUMN home_url TEXT;
