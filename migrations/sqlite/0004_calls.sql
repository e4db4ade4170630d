-- Idempotency keys of side-effecting API methods (cc.add, sms.send): scoped to the API user and the
-- method; the first answer is kept so a retry replays it. state 0 = running, 1 = done.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    method       TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    state        INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB    NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (user_id, method, idem_key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_ms);

-- The outbound call list (cc.add). `id` is the call UUID fixed in advance (origination_uuid).
CREATE TABLE cc_calls (
    id               TEXT    NOT NULL PRIMARY KEY,
    batch_id         TEXT    NOT NULL,
    batch_index      INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    phone            TEXT    NOT NULL,
    target_kind      TEXT    NOT NULL,
    target           TEXT    NOT NULL,
    caller_id_number TEXT    NOT NULL,
    caller_id_name   TEXT    NOT NULL,
    crm_ref          TEXT    NOT NULL,
    variables        TEXT    NOT NULL,
    priority         INTEGER NOT NULL,
    not_before_ms    INTEGER NOT NULL,
    not_after_ms     INTEGER,
    status           TEXT    NOT NULL,
    hangup_cause     TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    dial_ms          INTEGER,
    answer_ms        INTEGER,
    end_ms           INTEGER
);
CREATE INDEX cc_calls_queue ON cc_calls (status, priority, created_ms);
CREATE INDEX cc_calls_batch ON cc_calls (batch_id);
CREATE INDEX cc_calls_user ON cc_calls (user_id, created_ms);
