-- Uploaded images: one row per upload (its own caption, credit and alt
-- text); the files are content-addressed by `hash`, so uploads of the same
-- image share them. `derivatives` is a JSON list of {format, width, height, bytes}.
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    mime TEXT NOT NULL,
    byte_size INTEGER NOT NULL,
    caption TEXT NOT NULL,
    credit TEXT NOT NULL,
    alt TEXT NOT NULL,
    derivatives TEXT NOT NULL,
    uploaded_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX media_hash ON media (hash);
CREATE INDEX media_newest ON media (created_at DESC, id DESC);
