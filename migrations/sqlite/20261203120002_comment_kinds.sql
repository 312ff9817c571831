-- Imported comments keep what they were (issue 12): a reader's comment, or
-- a pingback or trackback another site sent. Readers' new comments are
-- `comment`.
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment';
