-- The pre-publish check (issue 16): which checks warn and which block
-- publishing, a JSON object of check name to "warning" or "blocking";
-- a check it does not name has its default.
ALTER TABLE site ADD COLUMN check_severities TEXT NOT NULL DEFAULT '{}';
