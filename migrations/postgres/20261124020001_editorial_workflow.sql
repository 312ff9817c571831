-- The newsroom workflow: who owns a story, refused saves kept as revisions,
-- the scheduler's embargo watermark, and indexes for the admin list and the
-- scheduler.

ALTER TABLE articles ADD COLUMN owner_id BIGINT;

-- The admin story list: most recently changed first.
CREATE INDEX articles_modified ON articles (modified_at DESC, id DESC);
-- The scheduler: due scheduled stories.
CREATE INDEX articles_scheduled ON articles (status, scheduled_at);
-- The scheduler: embargoes that lift.
CREATE INDEX articles_embargo ON articles (embargo_until);

-- A refused save (it was based on an older revision than the stored one) is
-- kept as a revision of kind 'refused' numbered after the revision it was
-- based on, so only saved revisions have unique numbers.
ALTER TABLE revisions DROP CONSTRAINT revisions_article_id_number_key;
ALTER TABLE revisions ADD COLUMN kind TEXT NOT NULL DEFAULT 'saved';
CREATE UNIQUE INDEX revisions_saved_number ON revisions (article_id, number) WHERE kind = 'saved';
CREATE INDEX revisions_article ON revisions (article_id, id);

-- Embargoes that lifted up to this time have had their events appended.
CREATE TABLE scheduler_state (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    embargo_checked_until BIGINT NOT NULL
);
INSERT INTO scheduler_state (id, embargo_checked_until) VALUES (1, 0);
