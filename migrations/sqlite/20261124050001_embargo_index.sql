-- The page cache purges pages when an embargo lifts: find the next one fast.
CREATE INDEX articles_embargo ON articles (embargo_until) WHERE embargo_until IS NOT NULL;
