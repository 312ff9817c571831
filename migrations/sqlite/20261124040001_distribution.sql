-- Distribution: feed settings, the WebSub consumer's cursor, and full-text
-- search (an FTS5 table kept in sync with articles by triggers).

ALTER TABLE site ADD COLUMN feed_full_text INTEGER NOT NULL DEFAULT 0;
ALTER TABLE site ADD COLUMN websub_hub TEXT;

-- Where each changes-feed consumer of this module has got to.
CREATE TABLE distribution_cursors (
    name TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Search over headline, standfirst and body (the editor's source text).
-- Visibility is never stored here: queries join articles on the reader
-- condition, so an embargo that passes needs no reindexing.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    headline, standfirst, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (rowid, headline, standfirst, body)
    SELECT id, headline, standfirst, body_source FROM articles;

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, headline, standfirst, body)
    VALUES (new.id, new.headline, new.standfirst, new.body_source);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF headline, standfirst, body_source ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
    INSERT INTO articles_fts (rowid, headline, standfirst, body)
    VALUES (new.id, new.headline, new.standfirst, new.body_source);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.id;
END;

-- Sitemaps walk visible stories by id.
CREATE INDEX articles_status_id ON articles (status, id);
