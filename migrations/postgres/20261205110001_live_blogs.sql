-- Live blogs (issue 16): a story covered minute by minute. A row in
-- live_blogs makes its story a live blog; the coverage runs from started_at
-- until ended_at (NULL while it is live; an editor may reopen it).
CREATE TABLE live_blogs (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Its posts: short sanitized HTML, an optional headline, image
-- (`media:<id>`) or embed link, the author as shown, the time readers see,
-- and whether it is a key event (listed at the top of the page).
CREATE TABLE live_posts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES live_blogs (article_id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    image TEXT,
    embed_url TEXT,
    author_name TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    key_event BOOLEAN NOT NULL DEFAULT FALSE,
    posted_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A live blog's posts, newest first.
CREATE INDEX live_posts_story ON live_posts (article_id, posted_at DESC, id DESC);
