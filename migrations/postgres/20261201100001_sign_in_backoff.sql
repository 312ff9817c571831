-- Sign-in throttling by back-off instead of lockouts (issue 10): one row per
-- throttled key (an account and address pair, an address, an account, or an
-- account and known device), counting failures and saying until when the
-- key must wait. Known devices: browsers that signed in to an account
-- before, remembered by the hash of a random cookie value, so failures from
-- elsewhere never keep them out. Timestamps are integer Unix seconds.

DROP TABLE login_failures;

CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX login_throttles_last_failure ON login_throttles (last_failure_at);

CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);
