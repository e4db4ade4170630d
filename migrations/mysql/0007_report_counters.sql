-- Reports: daily request counters by exact status and error code (day x user x module x method x
-- status x error code, with the newest request's time), written by the journal writer in the same
-- transaction as the rows, so `reports.*` never scan the journal. `day` counts days since
-- 1970-01-01 in the configured time zone; user_id 0 and '' stand for "unknown"/"none".
-- Existing journal rows are counted once at start by the server (the day depends on the configured
-- zone), guarded by a row in `data_backfills`.
CREATE TABLE daily_request_counters (
    day         BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL,
    module      VARCHAR(32) NOT NULL,
    method      VARCHAR(32) NOT NULL,
    status      BIGINT      NOT NULL,
    error_code  VARCHAR(64) NOT NULL,
    count       BIGINT      NOT NULL,
    last_at     BIGINT      NOT NULL,
    PRIMARY KEY (day, user_id, module, method, status, error_code),
    KEY daily_request_counters_user (user_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One-time data back-fills done (name → when): taken in the back-fill's own transaction.
CREATE TABLE data_backfills (
    name     VARCHAR(64) NOT NULL PRIMARY KEY,
    done_at  BIGINT      NOT NULL,
    counted  BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Report ranges over all users: SMS and outbound calls by creation time.
ALTER TABLE sms_messages ADD KEY sms_messages_created (created_at);
ALTER TABLE cc_calls ADD KEY cc_calls_created (created_ms);
