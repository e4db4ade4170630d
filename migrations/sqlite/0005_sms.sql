-- SMS: gateways (aggregator accounts, one active, the others an ordered failover list), messages
-- (stored before they are submitted; one row per recipient), provider ids per part, and the
-- status history of every message.
CREATE TABLE sms_gateways (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    reserve_url     TEXT    NOT NULL DEFAULT '',
    sender          TEXT    NOT NULL DEFAULT '',
    login           TEXT    NOT NULL DEFAULT '',
    password        TEXT    NOT NULL DEFAULT '',
    rate_limit      INTEGER NOT NULL,
    max_parts       INTEGER NOT NULL,
    timeout_ms      INTEGER NOT NULL DEFAULT 30000,
    priority        INTEGER NOT NULL,
    active          INTEGER NOT NULL DEFAULT 0,
    enabled         INTEGER NOT NULL DEFAULT 1,
    callback_token  TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE sms_messages (
    id             TEXT    NOT NULL PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    batch_id       TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    phone          TEXT    NOT NULL,
    sender         TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    encoding       TEXT    NOT NULL,
    parts          INTEGER NOT NULL,
    gateway_id     INTEGER,
    gateway_name   TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL,
    final          INTEGER NOT NULL DEFAULT 0,
    raw_status     TEXT    NOT NULL DEFAULT '',
    error_code     TEXT    NOT NULL DEFAULT '',
    error_message  TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    submitted_at   INTEGER,
    updated_at     INTEGER NOT NULL,
    done_at        INTEGER,
    next_poll_at   INTEGER,
    poll_attempts  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_messages_user ON sms_messages (user_id, created_at);
CREATE INDEX sms_messages_batch ON sms_messages (batch_id, seq);
CREATE INDEX sms_messages_poll ON sms_messages (final, next_poll_at);

CREATE TABLE sms_parts (
    gateway_id   INTEGER NOT NULL,
    provider_id  TEXT    NOT NULL,
    message_id   TEXT    NOT NULL,
    part_no      INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    raw_status   TEXT    NOT NULL DEFAULT '',
    final        INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (gateway_id, provider_id)
);
CREATE INDEX sms_parts_message ON sms_parts (message_id);

CREATE TABLE sms_status_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    gateway_id   INTEGER,
    provider_id  TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    raw_status   TEXT    NOT NULL DEFAULT '',
    raw_error    TEXT    NOT NULL DEFAULT '',
    provider_at  INTEGER
);
CREATE INDEX sms_status_events_message ON sms_status_events (message_id, id);
