-- Uploaded images: one row per upload (its own caption, credit and alt
-- text); the files are content-addressed by `hash`, so uploads of the same
-- image share them. `derivatives` is a JSON list of {format, width, height, bytes}.
CREATE TABLE media (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    mime TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    caption TEXT NOT NULL,
    credit TEXT NOT NULL,
    alt TEXT NOT NULL,
    derivatives TEXT NOT NULL,
    uploaded_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX media_hash ON media (hash);
CREATE INDEX media_newest ON media (created_at DESC, id DESC);
