-- SMS: gateways (aggregator accounts, one active, the others an ordered failover list), messages
-- (stored before they are submitted; one row per recipient), provider ids per part, and the
-- status history of every message. Texts use a case-insensitive collation so MariaDB does not
-- report them as BLOB.
CREATE TABLE sms_gateways (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(64)   NOT NULL UNIQUE,
    kind            VARCHAR(32)   NOT NULL,
    url             VARCHAR(1024) NOT NULL,
    reserve_url     VARCHAR(1024) NOT NULL DEFAULT '',
    sender          VARCHAR(32)   NOT NULL DEFAULT '',
    login           VARCHAR(255)  NOT NULL DEFAULT '',
    password        VARCHAR(255)  NOT NULL DEFAULT '',
    rate_limit      BIGINT        NOT NULL,
    max_parts       BIGINT        NOT NULL,
    timeout_ms      BIGINT        NOT NULL DEFAULT 30000,
    priority        BIGINT        NOT NULL,
    active          BIGINT        NOT NULL DEFAULT 0,
    enabled         BIGINT        NOT NULL DEFAULT 1,
    callback_token  VARCHAR(64)   NOT NULL,
    created_at      BIGINT        NOT NULL,
    updated_at      BIGINT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sms_messages (
    id             VARCHAR(40)   NOT NULL PRIMARY KEY,
    user_id        BIGINT        NOT NULL,
    batch_id       VARCHAR(40)   NOT NULL,
    seq            BIGINT        NOT NULL,
    phone          VARCHAR(20)   NOT NULL,
    sender         VARCHAR(32)   NOT NULL,
    text           MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    encoding       VARCHAR(8)    NOT NULL,
    parts          BIGINT        NOT NULL,
    gateway_id     BIGINT        NULL,
    gateway_name   VARCHAR(64)   NOT NULL DEFAULT '',
    status         VARCHAR(16)   NOT NULL,
    final          BIGINT        NOT NULL DEFAULT 0,
    raw_status     VARCHAR(255)  NOT NULL DEFAULT '',
    error_code     VARCHAR(64)   NOT NULL DEFAULT '',
    error_message  VARCHAR(1024) NOT NULL DEFAULT '',
    created_at     BIGINT        NOT NULL,
    submitted_at   BIGINT        NULL,
    updated_at     BIGINT        NOT NULL,
    done_at        BIGINT        NULL,
    next_poll_at   BIGINT        NULL,
    poll_attempts  BIGINT        NOT NULL DEFAULT 0,
    KEY sms_messages_user (user_id, created_at),
    KEY sms_messages_batch (batch_id, seq),
    KEY sms_messages_poll (final, next_poll_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sms_parts (
    gateway_id   BIGINT        NOT NULL,
    provider_id  VARCHAR(64)   NOT NULL,
    message_id   VARCHAR(40)   NOT NULL,
    part_no      BIGINT        NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    raw_status   VARCHAR(255)  NOT NULL DEFAULT '',
    final        BIGINT        NOT NULL DEFAULT 0,
    updated_at   BIGINT        NOT NULL,
    PRIMARY KEY (gateway_id, provider_id),
    KEY sms_parts_message (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sms_status_events (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_id   VARCHAR(40)   NOT NULL,
    at           BIGINT        NOT NULL,
    source       VARCHAR(16)   NOT NULL,
    gateway_id   BIGINT        NULL,
    provider_id  VARCHAR(64)   NOT NULL DEFAULT '',
    status       VARCHAR(16)   NOT NULL,
    raw_status   VARCHAR(255)  NOT NULL DEFAULT '',
    raw_error    VARCHAR(1024) NOT NULL DEFAULT '',
    provider_at  BIGINT        NULL,
    KEY sms_status_events_message (message_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
