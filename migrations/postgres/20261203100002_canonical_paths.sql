-- A story may keep a custom canonical path (issue 11, item 7), so a moved
-- site keeps its URLs exactly (`/2016/07/11/us-troops`): the story answers
-- there, its `/<section>/<slug>` address answers 301 to it, and every link
-- (lists, feeds, sitemaps, structured data, the API) uses it.
ALTER TABLE articles ADD COLUMN canonical_path TEXT;
CREATE UNIQUE INDEX articles_canonical_path ON articles (canonical_path) WHERE canonical_path IS NOT NULL;
