-- Reader comments (issue 11, item 4): stored per story, threaded (a reply
-- names its parent), with the author's name, e-mail (never shown to readers),
-- optional URL, the client address (for the rate limit and moderators), and
-- a status: approved, pending, spam or deleted. Stories whose comments are
-- closed are listed in comment_closures. The site shows approved comments by
-- default; readers may post only once an administrator switches it on.
-- Timestamps are integer Unix seconds.

ALTER TABLE site ADD COLUMN comments_shown BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE site ADD COLUMN comments_posting BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) DEFERRABLE INITIALLY DEFERRED,
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_url TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    address TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A story's comments, oldest first.
CREATE INDEX comments_article ON comments (article_id, status, created_at, id);
-- The moderation queue, newest first.
CREATE INDEX comments_status ON comments (status, created_at DESC, id DESC);
-- The rate limit: recent comments from one address.
CREATE INDEX comments_address ON comments (address, created_at);

CREATE TABLE comment_closures (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    closed_at BIGINT NOT NULL
);
