-- Kept fields (issue 11, item 6): extra named values a story carries (a
-- Drupal field or WordPress custom field with no home of its own), as JSON
-- `{"name": {"type": "text|number|date|link|list", "value": ...}}`. They are
-- part of the story, so every revision snapshot records them too.
ALTER TABLE articles ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
