-- The newsroom workflow: who owns a story, refused saves kept as revisions,
-- the scheduler's embargo watermark, and indexes for the admin list and the
-- scheduler.

ALTER TABLE articles ADD COLUMN owner_id INTEGER;

-- The admin story list: most recently changed first.
CREATE INDEX articles_modified ON articles (modified_at DESC, id DESC);
-- The scheduler: due scheduled stories.
CREATE INDEX articles_scheduled ON articles (status, scheduled_at);
-- The scheduler: embargoes that lift.
CREATE INDEX articles_embargo ON articles (embargo_until);

-- A refused save (it was based on an older revision than the stored one) is
-- kept as a revision of kind 'refused' numbered after the revision it was
-- based on, so only saved revisions have unique numbers. SQLite cannot drop a
-- table constraint, so the table is rebuilt.
CREATE TABLE revisions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    number INTEGER NOT NULL,
    author TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'saved'
);
INSERT INTO revisions_new (id, article_id, number, author, message, created_at, snapshot)
    SELECT id, article_id, number, author, message, created_at, snapshot FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
CREATE UNIQUE INDEX revisions_saved_number ON revisions (article_id, number) WHERE kind = 'saved';
CREATE INDEX revisions_article ON revisions (article_id, id);

-- Embargoes that lifted up to this time have had their events appended.
CREATE TABLE scheduler_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    embargo_checked_until INTEGER NOT NULL
);
INSERT INTO scheduler_state (id, embargo_checked_until) VALUES (1, 0);
