-- Gateway core: API users, keys, permissions, settings, audit, request journal, daily counters.

CREATE TABLE api_users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    login       TEXT    NOT NULL UNIQUE,
    note        TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'active',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES api_users(id),
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    key_hash      TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER,
    last_used_ip  TEXT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE api_permissions (
    user_id  INTEGER NOT NULL REFERENCES api_users(id),
    module   TEXT    NOT NULL,
    method   TEXT    NOT NULL,
    PRIMARY KEY (user_id, module, method)
);

CREATE TABLE settings (
    name        TEXT    NOT NULL PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL
);

-- Bumped in the same transaction as every change to users, keys, permissions or settings;
-- running instances poll it and reload their in-memory snapshot.
CREATE TABLE state_generation (
    id     INTEGER NOT NULL PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO state_generation (id, value) VALUES (1, 1);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    old_value  TEXT,
    new_value  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE request_journal (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    request_id      TEXT    NOT NULL,
    user_id         INTEGER,
    user_login      TEXT,
    key_id          INTEGER,
    module          TEXT,
    method          TEXT,
    http_method     TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    status          INTEGER NOT NULL,
    error_code      TEXT,
    outcome         TEXT    NOT NULL,
    latency_us      INTEGER NOT NULL,
    client_ip       TEXT    NOT NULL,
    response_bytes  INTEGER NOT NULL
);
CREATE INDEX request_journal_at ON request_journal (at);
CREATE INDEX request_journal_user_at ON request_journal (user_id, at);
CREATE INDEX request_journal_request_id ON request_journal (request_id);

-- One row per day x user x module x method x outcome; `day` counts days since 1970-01-01 in the
-- configured time zone; user_id 0 and '' stand for "unknown".
CREATE TABLE daily_counters (
    day      INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    module   TEXT    NOT NULL,
    method   TEXT    NOT NULL,
    outcome  TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (day, user_id, module, method, outcome)
);
