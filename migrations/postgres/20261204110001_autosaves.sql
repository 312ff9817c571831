-- Autosaves (issue 13): what a person's open editor held, saved every few
-- seconds while they type, one per person and draft ('story:42', or
-- 'story:new' for a story never saved yet). Not a revision: the whole form
-- as JSON, the revision it was based on (0 for a new story) and when.
-- A real save of the draft deletes it.

CREATE TABLE autosaves (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    draft TEXT NOT NULL,
    based_on BIGINT NOT NULL,
    form TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, draft)
);
