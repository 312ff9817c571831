-- Every old address answers (issue 11, item 7): a redirect points at a
-- story (following it when it moves again) or at any path of the site, and
-- counts its hits. Editors add and remove them; a story's change of address
-- adds one. SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE redirects_new (
    old_path TEXT PRIMARY KEY,
    article_id INTEGER REFERENCES articles (id),
    target_path TEXT,
    hits INTEGER NOT NULL DEFAULT 0,
    last_hit_at INTEGER,
    created_at INTEGER NOT NULL,
    CHECK ((article_id IS NULL) <> (target_path IS NULL))
);
INSERT INTO redirects_new (old_path, article_id, created_at)
    SELECT old_path, article_id, created_at FROM redirects;
DROP TABLE redirects;
ALTER TABLE redirects_new RENAME TO redirects;
CREATE INDEX redirects_article ON redirects (article_id);
