-- Imports (issue 12): the ledger maps each item of an import source
-- (`wordpress:<site url>`, `drupal7:<database>`) to what it became, with a
-- digest of the source item. A re-run compares digests: it updates what
-- changed, reports the rest unchanged and duplicates nothing. Each item is
-- written in one transaction with its ledger row, so an import killed at any
-- moment resumes where it stopped. Timestamps are integer Unix seconds.
CREATE TABLE import_ledger (
    source TEXT NOT NULL,
    -- What the item is in its source: `post`, `page`, `attachment`,
    -- `comment`, `term`, `author`, `node`...
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    -- What it became: `article`, `media`, `comment`, `topic`, `person`...
    target_kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    digest TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
CREATE INDEX import_ledger_target ON import_ledger (target_kind, target_id);
