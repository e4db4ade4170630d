-- Online statistics («Онлайн статистика ЦОВ»).
-- 1. The member leg of a mod_callcenter queue call, indexed from its CDR variables (cc_side,
--    cc_cause, cc_cancel_reason and the cc_queue_*_epoch times, stored as milliseconds), so a
--    day's queue figures are a range over `cdr_cc_member` (side, queue, joined time), never a scan.
ALTER TABLE cdr
    ADD COLUMN cc_side VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN cc_cause VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN cc_cancel_reason VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN cc_queue_joined_ms BIGINT NULL,
    ADD COLUMN cc_queue_answered_ms BIGINT NULL,
    ADD COLUMN cc_queue_canceled_ms BIGINT NULL;
-- Rows indexed before this migration: the same fields from their stored variables (JSON text
-- written by the indexer; CSV rows have none). An epoch of 0 or one that is not a number is NULL
-- (guarded by REGEXP: a failed CAST is an error in strict mode).
UPDATE cdr SET
    cc_side = LEFT(COALESCE(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_side')), ''), 16),
    cc_cause = LEFT(COALESCE(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_cause')), ''), 32),
    cc_cancel_reason =
        LEFT(COALESCE(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_cancel_reason')), ''), 32),
    cc_queue_joined_ms = CASE
        WHEN JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_joined_epoch')) REGEXP '^[0-9]{1,12}$'
        THEN NULLIF(CAST(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_joined_epoch')) AS SIGNED), 0) * 1000
    END,
    cc_queue_answered_ms = CASE
        WHEN JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_answered_epoch')) REGEXP '^[0-9]{1,12}$'
        THEN NULLIF(CAST(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_answered_epoch')) AS SIGNED), 0) * 1000
    END,
    cc_queue_canceled_ms = CASE
        WHEN JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_canceled_epoch')) REGEXP '^[0-9]{1,12}$'
        THEN NULLIF(CAST(JSON_UNQUOTE(JSON_EXTRACT(variables, '$.cc_queue_canceled_epoch')) AS SIGNED), 0) * 1000
    END
WHERE format <> 'csv' AND variables LIKE '%"cc_side"%' AND JSON_VALID(variables);
ALTER TABLE cdr ADD KEY cdr_cc_member (cc_side, queue, cc_queue_joined_ms);

-- 2. Statistics projects: a named set of queues with a service-level threshold. `queues` is a JSON
--    array of queue names (ASCII: at most 100 names of 128 characters; a VARCHAR, since MariaDB
--    reports TEXT to the client as BLOB). Written only through audited writes (a change bumps state_generation).
CREATE TABLE stats_projects (
    name                   VARCHAR(128) NOT NULL PRIMARY KEY,
    title                  VARCHAR(255) NOT NULL,
    queues                 VARCHAR(14000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    service_level_seconds  BIGINT       NOT NULL,
    created_at             BIGINT       NOT NULL,
    updated_at             BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- 3. The day's outbound calls per queue and the day's SMS, read by range.
ALTER TABLE cc_calls ADD KEY cc_calls_target (target_kind, target, created_ms);
ALTER TABLE sms_messages ADD KEY stats_sms_created (created_at);
