-- Reports: daily request counters by exact status and error code (day x user x module x method x
-- status x error code, with the newest request's time), written by the journal writer in the same
-- transaction as the rows, so `reports.*` never scan the journal. `day` counts days since
-- 1970-01-01 in the configured time zone; user_id 0 and '' stand for "unknown"/"none".
-- Existing journal rows are counted once at start by the server (the day depends on the configured
-- zone), guarded by a row in `data_backfills`.
CREATE TABLE daily_request_counters (
    day         INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    module      TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    error_code  TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    PRIMARY KEY (day, user_id, module, method, status, error_code)
);
CREATE INDEX daily_request_counters_user ON daily_request_counters (user_id, day);

-- One-time data back-fills done (name → when): taken in the back-fill's own transaction.
CREATE TABLE data_backfills (
    name     TEXT    NOT NULL PRIMARY KEY,
    done_at  INTEGER NOT NULL,
    counted  INTEGER NOT NULL
);

-- Report ranges over all users: SMS and outbound calls by creation time.
CREATE INDEX sms_messages_created ON sms_messages (created_at);
CREATE INDEX cc_calls_created ON cc_calls (created_ms);
