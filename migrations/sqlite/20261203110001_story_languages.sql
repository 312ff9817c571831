-- Languages (issue 11, item 5): each story has a language (a BCP 47 tag;
-- existing stories take the site's), and stories that translate each other
-- share a translation set: the id of one of them. One story per language in
-- a set, which the unique index holds even against two concurrent links.
ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
UPDATE articles SET language = COALESCE((SELECT language FROM site WHERE id = 1), 'en');
ALTER TABLE articles ADD COLUMN translation_set BIGINT;
CREATE UNIQUE INDEX articles_translation_language ON articles (translation_set, language);
