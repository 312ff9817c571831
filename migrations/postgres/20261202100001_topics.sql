-- Topics (tags) as first-class (issue 11): readers browse them at
-- /topics/<slug>, editors rename, merge and delete them. A story keeps the
-- names of its topics in `articles.tags` (its own data, in every revision);
-- `article_topics` files it under the topic rows, written in the story's own
-- save transaction, so topic pages are one indexed join. A renamed or merged
-- topic's old slugs answer 301 through `topic_redirects`. Timestamps are
-- integer Unix seconds.

CREATE TABLE topics (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id BIGINT REFERENCES topics (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE article_topics (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);
-- Topic pages and feeds: the stories filed under one topic.
CREATE INDEX article_topics_topic ON article_topics (topic_id, article_id);

CREATE TABLE topic_redirects (
    old_slug TEXT PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX topic_redirects_topic ON topic_redirects (topic_id);
