-- Idempotency keys of side-effecting API methods (cc.add, sms.send): scoped to the API user and the
-- method; the first answer is kept so a retry replays it. state 0 = running, 1 = done.
CREATE TABLE idempotency_keys (
    user_id      BIGINT       NOT NULL,
    method       VARCHAR(32)  NOT NULL,
    idem_key     VARCHAR(255) NOT NULL,
    request_hash VARCHAR(64)  NOT NULL,
    state        INT          NOT NULL,
    status       INT          NOT NULL,
    body         MEDIUMBLOB   NOT NULL,
    created_ms   BIGINT       NOT NULL,
    PRIMARY KEY (user_id, method, idem_key),
    KEY idempotency_created (created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The outbound call list (cc.add). `id` is the call UUID fixed in advance (origination_uuid).
-- `variables` is JSON text; a case-insensitive collation keeps MariaDB from reporting it as BLOB.
CREATE TABLE cc_calls (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    batch_id         VARCHAR(36)  NOT NULL,
    batch_index      INT          NOT NULL,
    user_id          BIGINT       NOT NULL,
    phone            VARCHAR(32)  NOT NULL,
    target_kind      VARCHAR(16)  NOT NULL,
    target           VARCHAR(128) NOT NULL,
    caller_id_number VARCHAR(32)  NOT NULL,
    caller_id_name   VARCHAR(64)  NOT NULL,
    crm_ref          VARCHAR(128) NOT NULL,
    variables        VARCHAR(8000) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    priority         INT          NOT NULL,
    not_before_ms    BIGINT       NOT NULL,
    not_after_ms     BIGINT       NULL,
    status           VARCHAR(16)  NOT NULL,
    hangup_cause     VARCHAR(64)  NOT NULL,
    attempts         INT          NOT NULL,
    created_ms       BIGINT       NOT NULL,
    updated_ms       BIGINT       NOT NULL,
    dial_ms          BIGINT       NULL,
    answer_ms        BIGINT       NULL,
    end_ms           BIGINT       NULL,
    KEY cc_calls_queue (status, priority, created_ms),
    KEY cc_calls_batch (batch_id),
    KEY cc_calls_user (user_id, created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
