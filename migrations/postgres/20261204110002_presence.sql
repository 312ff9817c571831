-- Presence (issue 13): who has which story's editor open, kept in the
-- database so every node sees every editor. A heartbeat moves last_seen;
-- an editor not seen for a while is no longer there.

CREATE TABLE presence (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    draft TEXT NOT NULL,
    since BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (user_id, draft)
);
CREATE INDEX presence_draft ON presence (draft, last_seen);
