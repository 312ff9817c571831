-- Every old address answers (issue 11, item 7): a redirect points at a
-- story (following it when it moves again) or at any path of the site, and
-- counts its hits. Editors add and remove them; a story's change of address
-- adds one.
ALTER TABLE redirects ALTER COLUMN article_id DROP NOT NULL;
ALTER TABLE redirects ADD COLUMN target_path TEXT;
ALTER TABLE redirects ADD COLUMN hits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE redirects ADD COLUMN last_hit_at BIGINT;
ALTER TABLE redirects ADD CONSTRAINT redirects_one_target CHECK ((article_id IS NULL) <> (target_path IS NULL));
CREATE INDEX redirects_article ON redirects (article_id);
