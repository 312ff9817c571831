-- Reader comments (issue 11, item 4): stored per story, threaded (a reply
-- names its parent), with the author's name, e-mail (never shown to readers),
-- optional URL, the client address (for the rate limit and moderators), and
-- a status: approved, pending, spam or deleted. Stories whose comments are
-- closed are listed in comment_closures. The site shows approved comments by
-- default; readers may post only once an administrator switches it on.
-- Timestamps are integer Unix seconds.

ALTER TABLE site ADD COLUMN comments_shown INTEGER NOT NULL DEFAULT 1;
ALTER TABLE site ADD COLUMN comments_posting INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES comments (id),
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_url TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    address TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- A story's comments, oldest first.
CREATE INDEX comments_article ON comments (article_id, status, created_at, id);
-- The moderation queue, newest first.
CREATE INDEX comments_status ON comments (status, created_at DESC, id DESC);
-- The rate limit: recent comments from one address.
CREATE INDEX comments_address ON comments (address, created_at);

CREATE TABLE comment_closures (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    closed_at INTEGER NOT NULL
);
