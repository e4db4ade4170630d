-- Call detail records indexed from FreeSWITCH's CDR directory (files are never modified), and the
-- files already read (with how far into an append-only Master.csv).
-- `variables` is JSON text; a case-insensitive collation keeps MariaDB from reporting it as BLOB.
CREATE TABLE cdr (
    uuid                VARCHAR(64)  NOT NULL PRIMARY KEY,
    format              VARCHAR(8)   NOT NULL,
    source              VARCHAR(1024) NOT NULL,
    direction           VARCHAR(16)  NOT NULL,
    caller_id_name      VARCHAR(255) NOT NULL,
    caller_id_number    VARCHAR(64)  NOT NULL,
    destination_number  VARCHAR(64)  NOT NULL,
    start_ms            BIGINT       NOT NULL,
    answer_ms           BIGINT       NULL,
    end_ms              BIGINT       NOT NULL,
    duration            BIGINT       NOT NULL,
    billsec             BIGINT       NOT NULL,
    hangup_cause        VARCHAR(64)  NOT NULL,
    queue               VARCHAR(128) NOT NULL,
    variables           MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    KEY cdr_start (start_ms),
    KEY cdr_caller (caller_id_number, start_ms),
    KEY cdr_destination (destination_number, start_ms),
    KEY cdr_cause (hangup_cause, start_ms),
    KEY cdr_queue (queue, start_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE cdr_files (
    path    VARCHAR(700) NOT NULL PRIMARY KEY,
    size    BIGINT       NOT NULL,
    mtime   BIGINT       NOT NULL,
    read_to BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
