-- Gateway core: API users, keys, permissions, settings, audit, request journal, daily counters.
-- No TEXT columns: with a binary collation MariaDB reports them as BLOB to the client.

CREATE TABLE api_users (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    login       VARCHAR(64)   NOT NULL,
    note        VARCHAR(1000) NOT NULL DEFAULT '',
    status      VARCHAR(16)   NOT NULL DEFAULT 'active',
    created_at  BIGINT        NOT NULL,
    updated_at  BIGINT        NOT NULL,
    UNIQUE KEY api_users_login (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_keys (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       BIGINT       NOT NULL,
    name          VARCHAR(100) NOT NULL,
    prefix        VARCHAR(16)  NOT NULL,
    key_hash      CHAR(64)     NOT NULL,
    created_at    BIGINT       NOT NULL,
    expires_at    BIGINT       NULL,
    revoked_at    BIGINT       NULL,
    last_used_at  BIGINT       NULL,
    last_used_ip  VARCHAR(64)  NULL,
    UNIQUE KEY api_keys_hash (key_hash),
    KEY api_keys_user (user_id),
    CONSTRAINT api_keys_user_fk FOREIGN KEY (user_id) REFERENCES api_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_permissions (
    user_id  BIGINT      NOT NULL,
    module   VARCHAR(32) NOT NULL,
    method   VARCHAR(32) NOT NULL,
    PRIMARY KEY (user_id, module, method),
    CONSTRAINT api_permissions_user_fk FOREIGN KEY (user_id) REFERENCES api_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE settings (
    name        VARCHAR(128) NOT NULL PRIMARY KEY,
    value       VARCHAR(4000) NOT NULL,
    updated_at  BIGINT       NOT NULL,
    updated_by  VARCHAR(64)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE state_generation (
    id     BIGINT NOT NULL PRIMARY KEY,
    value  BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO state_generation (id, value) VALUES (1, 1);

CREATE TABLE audit_log (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at         BIGINT       NOT NULL,
    actor      VARCHAR(64)  NOT NULL,
    action     VARCHAR(64)  NOT NULL,
    target     VARCHAR(255) NOT NULL,
    old_value  VARCHAR(4000) NULL,
    new_value  VARCHAR(4000) NULL,
    KEY audit_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE request_journal (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at              BIGINT        NOT NULL,
    request_id      VARCHAR(128)  NOT NULL,
    user_id         BIGINT        NULL,
    user_login      VARCHAR(64)   NULL,
    key_id          BIGINT        NULL,
    module          VARCHAR(32)   NULL,
    method          VARCHAR(32)   NULL,
    http_method     VARCHAR(16)   NOT NULL,
    path            VARCHAR(2048) NOT NULL,
    status          BIGINT        NOT NULL,
    error_code      VARCHAR(64)   NULL,
    outcome         VARCHAR(8)    NOT NULL,
    latency_us      BIGINT        NOT NULL,
    client_ip       VARCHAR(64)   NOT NULL,
    response_bytes  BIGINT        NOT NULL,
    KEY request_journal_at (at),
    KEY request_journal_user_at (user_id, at),
    KEY request_journal_request_id (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE daily_counters (
    day      BIGINT      NOT NULL,
    user_id  BIGINT      NOT NULL,
    module   VARCHAR(32) NOT NULL,
    method   VARCHAR(32) NOT NULL,
    outcome  VARCHAR(8)  NOT NULL,
    count    BIGINT      NOT NULL,
    PRIMARY KEY (day, user_id, module, method, outcome)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
