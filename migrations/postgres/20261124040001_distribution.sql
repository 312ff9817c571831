-- Distribution: feed settings, the WebSub consumer's cursor, and full-text
-- search (a generated, weighted tsvector with a GIN index).

ALTER TABLE site ADD COLUMN feed_full_text BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE site ADD COLUMN websub_hub TEXT;

-- Where each changes-feed consumer of this module has got to.
CREATE TABLE distribution_cursors (
    name TEXT PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Search over headline (weight A), standfirst (B) and body source (D).
-- Visibility is never stored here: queries filter on the reader condition.
ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(headline, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(standfirst, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(body_source, '')), 'D')
) STORED;

CREATE INDEX articles_search ON articles USING GIN (search_vector);

-- Sitemaps walk visible stories by id.
CREATE INDEX articles_status_id ON articles (status, id);
