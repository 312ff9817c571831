-- The site, its sections, articles with full revisions, redirects and the changes feed.
-- Timestamps are integer Unix seconds.

CREATE TABLE site (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    language TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    date_formats TEXT NOT NULL,
    teaser_length INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    section_id INTEGER NOT NULL REFERENCES sections (id),
    slug TEXT NOT NULL,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL,
    teaser TEXT,
    body_source TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_html TEXT NOT NULL,
    dateline TEXT NOT NULL,
    bylines TEXT NOT NULL,
    tags TEXT NOT NULL,
    other_sections TEXT NOT NULL,
    lead_image TEXT,
    corrections TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at INTEGER,
    embargo_until INTEGER,
    first_published_at INTEGER,
    last_update_at INTEGER,
    modified_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    UNIQUE (section_id, slug)
);

-- Section fronts and "More from": newest published stories of one section.
CREATE INDEX articles_section_published ON articles (section_id, status, first_published_at DESC, id DESC);
-- Home page and feeds: newest published stories of the site.
CREATE INDEX articles_published ON articles (status, first_published_at DESC, id DESC);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    number INTEGER NOT NULL,
    author TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (article_id, number)
);

CREATE TABLE redirects (
    old_path TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    tags TEXT NOT NULL,
    payload TEXT NOT NULL
);
