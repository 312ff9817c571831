-- People (issue 11): bylines link to person profiles readers browse at
-- /people/<slug>. A story keeps its byline names, in order, in
-- `articles.bylines` (its own data, in every revision); `article_people`
-- files it under the person rows, written in the story's own save
-- transaction, so person pages are one indexed join. A person without an
-- account (`user_id` NULL) is a guest contributor. A renamed or merged
-- person's old slugs answer 301 through `person_redirects`. Timestamps are
-- integer Unix seconds.
--
-- Existing plain-text bylines become people at the first start after this
-- migration (`Store::migrate` files every story listed in
-- `byline_filings_pending`): a person's slug is made by the same Rust rule
-- as a new byline's (transliteration included), which plain SQL cannot
-- express, and a restore of an older backup lists its stories here again.

CREATE TABLE people (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT '',
    -- `media:<id>`, as a story's lead image.
    photo TEXT,
    user_id BIGINT UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A byline files under the person of that name, ignoring case.
CREATE INDEX people_name ON people (lower(name));

CREATE TABLE article_people (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (article_id, person_id)
);
-- Person pages and feeds: the stories filed under one person.
CREATE INDEX article_people_person ON article_people (person_id, article_id);

CREATE TABLE person_redirects (
    old_slug TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX person_redirects_person ON person_redirects (person_id);

CREATE TABLE byline_filings_pending (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE
);
INSERT INTO byline_filings_pending (article_id)
    SELECT id FROM articles WHERE bylines <> '[]' ORDER BY id;
