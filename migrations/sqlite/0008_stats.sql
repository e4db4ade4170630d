-- Online statistics («Онлайн статистика ЦОВ»).
-- 1. The member leg of a mod_callcenter queue call, indexed from its CDR variables (cc_side,
--    cc_cause, cc_cancel_reason and the cc_queue_*_epoch times, stored as milliseconds), so a
--    day's queue figures are a range over `cdr_cc_member` (side, queue, joined time), never a scan.
ALTER TABLE cdr ADD COLUMN cc_side TEXT NOT NULL DEFAULT '';
ALTER TABLE cdr ADD COLUMN cc_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE cdr ADD COLUMN cc_cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cdr ADD COLUMN cc_queue_joined_ms INTEGER;
ALTER TABLE cdr ADD COLUMN cc_queue_answered_ms INTEGER;
ALTER TABLE cdr ADD COLUMN cc_queue_canceled_ms INTEGER;
-- Rows indexed before this migration: the same fields from their stored variables (JSON text
-- written by the indexer; CSV rows have none). An epoch of 0 or one that is not a number is NULL.
UPDATE cdr SET
    cc_side = COALESCE(json_extract(variables, '$.cc_side'), ''),
    cc_cause = COALESCE(json_extract(variables, '$.cc_cause'), ''),
    cc_cancel_reason = COALESCE(json_extract(variables, '$.cc_cancel_reason'), ''),
    cc_queue_joined_ms =
        NULLIF(CAST(json_extract(variables, '$.cc_queue_joined_epoch') AS INTEGER), 0) * 1000,
    cc_queue_answered_ms =
        NULLIF(CAST(json_extract(variables, '$.cc_queue_answered_epoch') AS INTEGER), 0) * 1000,
    cc_queue_canceled_ms =
        NULLIF(CAST(json_extract(variables, '$.cc_queue_canceled_epoch') AS INTEGER), 0) * 1000
WHERE format <> 'csv' AND variables LIKE '%"cc_side"%' AND json_valid(variables);
CREATE INDEX cdr_cc_member ON cdr (cc_side, queue, cc_queue_joined_ms);

-- 2. Statistics projects: a named set of queues with a service-level threshold. `queues` is a JSON
--    array of queue names. Written only through audited writes (a change bumps state_generation).
CREATE TABLE stats_projects (
    name                   TEXT    NOT NULL PRIMARY KEY,
    title                  TEXT    NOT NULL,
    queues                 TEXT    NOT NULL,
    service_level_seconds  INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);

-- 3. The day's outbound calls per queue and the day's SMS, read by range.
CREATE INDEX cc_calls_target ON cc_calls (target_kind, target, created_ms);
CREATE INDEX stats_sms_created ON sms_messages (created_at);
