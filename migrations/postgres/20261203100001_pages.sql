-- Standalone pages (issue 11, item 1): About, Contact, Terms. A page lives
-- at its own path (`/about`, `/about/team`), may sit under a parent page,
-- has a status and full revisions like stories, and never shows in feeds or
-- fronts. The site menu is an ordered list of links to pages (followed by
-- id, so a moved page stays linked), sections, topics or any address.
-- Timestamps are integer Unix seconds.

CREATE TABLE pages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES pages (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body_source TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_html TEXT NOT NULL,
    language TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    first_published_at BIGINT,
    modified_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX pages_parent ON pages (parent_id);

CREATE TABLE page_revisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    author TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (page_id, number)
);

CREATE TABLE menu_items (
    position BIGINT PRIMARY KEY,
    label TEXT NOT NULL,
    page_id BIGINT REFERENCES pages (id) ON DELETE CASCADE,
    href TEXT,
    CHECK ((page_id IS NULL) <> (href IS NULL))
);
