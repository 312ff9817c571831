-- Corrections readers can follow (issue 16): /corrections reads only the
-- stories that have corrections, a few among many.
CREATE INDEX articles_corrected ON articles (id) WHERE corrections <> '[]';
