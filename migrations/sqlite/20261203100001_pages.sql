-- Standalone pages (issue 11, item 1): About, Contact, Terms. A page lives
-- at its own path (`/about`, `/about/team`), may sit under a parent page,
-- has a status and full revisions like stories, and never shows in feeds or
-- fronts. The site menu is an ordered list of links to pages (followed by
-- id, so a moved page stays linked), sections, topics or any address.
-- Timestamps are integer Unix seconds.

CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES pages (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body_source TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_html TEXT NOT NULL,
    language TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    first_published_at INTEGER,
    modified_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revision INTEGER NOT NULL
);
CREATE INDEX pages_parent ON pages (parent_id);

CREATE TABLE page_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    author TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (page_id, number)
);

CREATE TABLE menu_items (
    position INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    page_id INTEGER REFERENCES pages (id) ON DELETE CASCADE,
    href TEXT,
    CHECK ((page_id IS NULL) <> (href IS NULL))
);
