ALTER TABLE applications DROP COLUMN home_url;
