-- Curated fronts (issue 16): the stories an editor pins at the top of the
-- home page (`front` = 'home') or a section front (`front` =
-- 'section:<slug>', the front's cache tag), in order: position 0 leads,
-- the rest are the top stories. A pin with `until` drops out at that time.
CREATE TABLE front_pins (
    front TEXT NOT NULL,
    position BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    until BIGINT,
    pinned_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (front, article_id)
);
CREATE INDEX front_pins_order ON front_pins (front, position);
CREATE INDEX front_pins_until ON front_pins (until) WHERE until IS NOT NULL;

-- The breaking-news banner across every reader page: at most one row.
CREATE TABLE breaking_banner (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    text TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    until BIGINT,
    updated_at BIGINT NOT NULL
);
